"""A caller known only by an API token: checked in the statement that reads the membership."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event

from conftest import Factory, Person
from tessera.domain.entities import ApiCaller, Membership, Role, User, Workspace
from tessera.domain.errors import Forbidden, NotFound, Unauthenticated
from tessera.services import accounts, walls
from tessera.services.policies import Action, authorize_caller
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import ledger as ledger_repo


def caller_of(person: Person) -> ApiCaller:
    caller = accounts.api_caller(person.token)
    assert caller is not None
    return caller


def authorize_as(
    factory: Factory, caller: ApiCaller, ws: Workspace, action: Action = Action.ANNOTATE
) -> tuple[User, Membership, int]:
    """authorize_caller in a write transaction: the user, the membership, statements run."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is a statement here
            statements.append(args[2])

    engine = factory.database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with factory.database.session() as db, write_transaction(db, hot_path=True):
            user, membership = authorize_caller(
                db, caller=caller, workspace_id=ws.id, action=action, lock_member=True
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return user, membership, len(statements)


def test_a_member_s_token_is_checked_with_the_membership_in_one_statement(
    factory: Factory,
) -> None:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    member = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    user, membership, statements = authorize_as(factory, caller_of(member), ws)
    assert user == member.user  # every field, as the token lookup alone reads it
    assert (membership.user_id, membership.role) == (member.user.id, Role.ANNOTATOR)
    assert statements == 1


def test_unknown_revoked_and_deactivated_tokens_are_unauthenticated(factory: Factory) -> None:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    member = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    unknown = ApiCaller(token_hash=uuid.uuid4().hex * 2)
    with pytest.raises(Unauthenticated):
        authorize_as(factory, unknown, ws)
    with factory.database.session() as db:
        accounts.deactivate_user(db, email=member.email)  # revokes the tokens too
    with pytest.raises(Unauthenticated):
        authorize_as(factory, caller_of(member), ws)
    with factory.database.session() as db:
        accounts.activate_user(db, email=member.email)
    with pytest.raises(Unauthenticated):  # reactivated, but the token stays revoked
        authorize_as(factory, caller_of(member), ws)


def test_a_stranger_s_valid_token_finds_nothing_and_a_role_is_still_checked(
    factory: Factory,
) -> None:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    stranger = factory.person(label="stranger", with_password=False)
    with pytest.raises(NotFound):
        authorize_as(factory, caller_of(stranger), ws)
    auditor = factory.add(ws, owner, Role.AUDITOR, with_password=False)
    with pytest.raises(Forbidden):
        authorize_as(factory, caller_of(auditor), ws)


def test_a_walled_member_s_token_is_refused_and_the_refusal_recorded(factory: Factory) -> None:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    member = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    with factory.database.session() as db:
        org = walls.create_organisation(db, actor=owner.user, name=f"Rival {uuid.uuid4().hex}")
        walls.declare_affiliation(db, actor=member.user, organisation_id=org.id)
        walls.set_wall(db, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    with pytest.raises(NotFound):
        authorize_as(factory, caller_of(member), ws)
    with factory.database.session() as db, read_transaction(db):
        refused = [
            e for e in ledger_repo.iter_events(db, workspace_id=ws.id) if e.action == "wall.refused"
        ]
    assert [e.actor_id for e in refused] == [member.user.id]
