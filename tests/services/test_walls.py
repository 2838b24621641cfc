"""Walls at the service layer: who is walled, refusals on the ledger, on both backends."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from conftest import Factory, Person
from tessera.domain.access import Organisation
from tessera.domain.entities import Role, Workspace
from tessera.domain.errors import Conflict, Forbidden, NotFound
from tessera.services import assignment, projects, walls, workspaces
from tessera.services.clock import utcnow
from tessera.storage.engine import Database, read_transaction
from tessera.storage.repositories import ledger as ledger_repo
from tessera.storage.repositories.ledger import LedgerRow

SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "ok", "type": "single_choice", "options": ["yes", "no"]}],
}


def events(database: Database, workspace_id: int, action: str | None = None) -> list[LedgerRow]:
    with database.session() as db, read_transaction(db):
        rows = list(ledger_repo.iter_events(db, workspace_id=workspace_id))
    return [r for r in rows if action is None or r.action == action]


def organisation(factory: Factory, who: Person, name: str = "Rival") -> Organisation:
    with factory.database.session() as db:
        return walls.create_organisation(db, actor=who.user, name=f"{name} {uuid.uuid4().hex[:8]}")


def setup(factory: Factory) -> tuple[Person, Workspace, Person, Organisation]:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    member = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    return owner, ws, member, organisation(factory, owner)


def can_view(database: Database, who: Person, ws: Workspace) -> bool:
    with database.session() as db:
        try:
            workspaces.get_workspace(db, actor=who.user, workspace_id=ws.id)
        except NotFound:
            return False
    return True


def test_member_walled_by_a_new_wall_loses_access_at_once(factory: Factory) -> None:
    owner, ws, member, org = setup(factory)
    db = factory.database
    with db.session() as s:
        walls.declare_affiliation(s, actor=member.user, organisation_id=org.id)
    assert can_view(db, member, ws)  # no wall yet
    with db.session() as s:
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    assert not can_view(db, member, ws)
    refused = events(db, ws.id, "wall.refused")
    assert len(refused) == 1
    assert refused[0].actor_id == member.user.id
    assert f'"organisation_id": {org.id}' in refused[0].detail
    assert [e.action for e in events(db, ws.id, "wall.added")] == ["wall.added"]
    with db.session() as s:
        walls.remove_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    assert can_view(db, member, ws)
    assert len(events(db, ws.id, "wall.removed")) == 1


def test_member_walled_by_a_new_affiliation_loses_access_at_once(factory: Factory) -> None:
    owner, ws, member, org = setup(factory)
    with factory.database.session() as s:
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    assert can_view(factory.database, member, ws)
    with factory.database.session() as s:
        walls.declare_affiliation(s, actor=member.user, organisation_id=org.id)  # self-declared
    assert not can_view(factory.database, member, ws)


def test_refusal_inside_a_write_transaction_is_recorded_without_waiting(
    factory: Factory,
) -> None:
    owner, ws, member, org = setup(factory)
    with factory.database.session() as s:
        project = projects.create_project(
            s, actor=owner.user, workspace_id=ws.id, name="P", label_schema=SCHEMA
        )
        walls.declare_affiliation(s, actor=member.user, organisation_id=org.id)
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    started = time.monotonic()
    with factory.database.session() as s, pytest.raises(NotFound):
        # next_task holds SQLite's write lock when it authorizes
        assignment.next_task(s, actor=member.user, workspace_id=ws.id, project_id=project.id)
    assert time.monotonic() - started < 5  # no wait for the busy timeout
    refused = events(factory.database, ws.id, "wall.refused")
    assert len(refused) == 1 and '"action": "annotate"' in refused[0].detail


@pytest.mark.parametrize(("ended_days_ago", "walled"), [(29, True), (31, False), (30, False)])
def test_cooldown_boundary(factory: Factory, ended_days_ago: int, walled: bool) -> None:
    owner, ws, member, org = setup(factory)
    with factory.database.session() as s:
        walls.declare_affiliation(
            s,
            actor=member.user,
            organisation_id=org.id,
            ended_at=utcnow() - timedelta(days=ended_days_ago),
        )
        walls.set_wall(
            s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id, cooldown_days=30
        )
    assert can_view(factory.database, member, ws) is not walled


def test_ended_affiliation_without_cooldown_does_not_wall(factory: Factory) -> None:
    owner, ws, member, org = setup(factory)
    with factory.database.session() as s:
        walls.declare_affiliation(
            s, actor=member.user, organisation_id=org.id, ended_at=utcnow() - timedelta(hours=1)
        )
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    assert can_view(factory.database, member, ws)


def test_walled_invitee_is_refused_without_naming_the_organisation(factory: Factory) -> None:
    owner, ws, _, org = setup(factory)
    invitee = factory.person(label="invitee", with_password=False)
    with factory.database.session() as s:
        walls.declare_affiliation(s, actor=invitee.user, organisation_id=org.id)
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    with factory.database.session() as s, pytest.raises(Conflict) as refused:
        workspaces.add_member(
            s,
            actor=owner.user,
            workspace_id=ws.id,
            email=invitee.email,
            name="",
            role=Role.ANNOTATOR,
        )
    assert org.name not in refused.value.message and str(org.id) not in refused.value.message
    with factory.database.session() as s:
        emails = [m.email for m in workspaces.list_members(s, actor=owner.user, workspace_id=ws.id)]
    assert invitee.email not in emails
    refusal = events(factory.database, ws.id, "wall.refused")
    assert len(refusal) == 1
    assert refusal[0].actor_id == owner.user.id and refusal[0].object_id == str(invitee.user.id)


def test_walls_apply_to_owners_too_but_not_to_the_one_raising_them(factory: Factory) -> None:
    owner, ws, _, org = setup(factory)
    co_owner = factory.add(ws, owner, Role.OWNER, with_password=False)
    with factory.database.session() as s:
        walls.declare_affiliation(s, actor=owner.user, organisation_id=org.id)
    with factory.database.session() as s, pytest.raises(Conflict):
        walls.set_wall(s, actor=owner.user, workspace_id=ws.id, organisation_id=org.id)
    with factory.database.session() as s:
        walls.set_wall(s, actor=co_owner.user, workspace_id=ws.id, organisation_id=org.id)
    assert not can_view(factory.database, owner, ws)


def test_membership_changes_are_on_the_ledger(factory: Factory) -> None:
    owner, ws, member, _ = setup(factory)
    with factory.database.session() as s:
        workspaces.change_role(
            s, actor=owner.user, workspace_id=ws.id, user_id=member.user.id, role=Role.REVIEWER
        )
        workspaces.remove_member(s, actor=owner.user, workspace_id=ws.id, user_id=member.user.id)
    actions = [e.action for e in events(factory.database, ws.id) if e.action.startswith("member.")]
    assert actions == ["member.added", "member.role_changed", "member.removed"]


def test_organisation_names_are_unique_ignoring_case(factory: Factory) -> None:
    who = factory.person(with_password=False)
    name = f"Acme {uuid.uuid4().hex[:8]}"
    with factory.database.session() as s:
        walls.create_organisation(s, actor=who.user, name=name)
        with pytest.raises(Conflict):
            walls.create_organisation(s, actor=who.user, name=f"  {name.upper()} ")
        found = walls.list_organisations(s, actor=who.user, prefix=name[:8].lower())
    assert [o.name for o in found] == [name]


def test_verified_affiliation_cannot_be_withdrawn(factory: Factory) -> None:
    owner, ws, member, org = setup(factory)
    outsider = factory.person(with_password=False)
    with factory.database.session() as s:
        tie = walls.declare_affiliation(s, actor=member.user, organisation_id=org.id)
        theirs = walls.declare_affiliation(s, actor=outsider.user, organisation_id=org.id)
        with pytest.raises(NotFound):  # not a member here
            walls.verify_affiliation(
                s,
                actor=owner.user,
                workspace_id=ws.id,
                user_id=outsider.user.id,
                affiliation_id=theirs.id,
            )
        with pytest.raises(NotFound):  # someone else's affiliation under this member's id
            walls.verify_affiliation(
                s,
                actor=owner.user,
                workspace_id=ws.id,
                user_id=member.user.id,
                affiliation_id=theirs.id,
            )
        with pytest.raises(Forbidden):  # annotators may not verify
            walls.verify_affiliation(
                s,
                actor=member.user,
                workspace_id=ws.id,
                user_id=member.user.id,
                affiliation_id=tie.id,
            )
        verified = walls.verify_affiliation(
            s, actor=owner.user, workspace_id=ws.id, user_id=member.user.id, affiliation_id=tie.id
        )
        assert verified.is_verified
        with pytest.raises(Conflict):
            walls.delete_affiliation(s, actor=member.user, affiliation_id=tie.id)
        with pytest.raises(NotFound):
            walls.delete_affiliation(s, actor=member.user, affiliation_id=theirs.id)
        walls.delete_affiliation(s, actor=outsider.user, affiliation_id=theirs.id)
        assert walls.list_my_affiliations(s, actor=outsider.user) == []
    assert len(events(factory.database, ws.id, "affiliation.verified")) == 1
