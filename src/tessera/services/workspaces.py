"""Workspaces and their members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import Membership, Role, User, Workspace
from tessera.domain.errors import Conflict, Forbidden, InvalidInput
from tessera.domain.text_rules import checked_text
from tessera.security.passwords import generate_password
from tessera.services import ledger
from tessera.services.accounts import create_user_locked, normalise_email
from tessera.services.clock import utcnow
from tessera.services.keys import create_workspace_key
from tessera.services.policies import (
    Action,
    authorize,
    check_can_grant,
    find_walling_tie,
    record_after,
)
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import users as user_repo
from tessera.storage.repositories import workspaces as workspace_repo

NAME_MAX_CHARS = 200


@dataclass(frozen=True)
class AddedMember:
    membership: Membership
    initial_password: str | None  # set only when the user was created now; shown once


def _clean_name(name: str) -> str:
    return checked_text(name, field="name", min_chars=1, max_chars=NAME_MAX_CHARS)


def create_workspace(db: Session, *, actor: User, name: str, owner_email: str | None) -> Workspace:
    """An operator creates a workspace and names its owner (by default the operator)."""
    if not actor.is_operator:
        raise Forbidden("only an operator may create workspaces")
    with write_transaction(db):
        owner = actor
        if owner_email is not None:
            found = user_repo.find_user_by_email(db, email=normalise_email(owner_email))
            if found is None:
                raise InvalidInput("no user with this email", field="owner_email")
            owner = found
        now = utcnow()
        ws = workspace_repo.add_workspace(db, name=_clean_name(name), now=now)
        create_workspace_key(db, workspace_id=ws.id)
        workspace_repo.add_membership(
            db, workspace_id=ws.id, user_id=owner.id, role=Role.OWNER, now=now
        )
        ledger.record(
            db,
            workspace_id=ws.id,
            actor=actor,
            action="workspace.created",
            object_type="workspace",
            object_id=ws.id,
            detail={"owner_id": owner.id},
        )
        return ws


def list_my_workspaces(db: Session, *, actor: User) -> list[tuple[Workspace, Role]]:
    """Every workspace the actor belongs to and is not walled from, with the actor's role."""
    now = utcnow()
    with read_transaction(db):
        return [
            (ws, role)
            for ws, role in workspace_repo.list_workspaces_of_user(db, user_id=actor.id)
            if find_walling_tie(db, workspace_id=ws.id, user_id=actor.id, now=now) is None
        ]


def get_workspace(db: Session, *, actor: User, workspace_id: int) -> tuple[Workspace, Role]:
    """One workspace the actor belongs to (NotFound otherwise)."""
    with read_transaction(db):
        m = authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_WORKSPACE)
        return workspace_repo.get_workspace(db, workspace_id=workspace_id), m.role


def rename_workspace(db: Session, *, actor: User, workspace_id: int, name: str) -> Workspace:
    """Rename (owners only)."""
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.RENAME_WORKSPACE)
        workspace_repo.rename_workspace(db, workspace_id=workspace_id, name=_clean_name(name))
        return workspace_repo.get_workspace(db, workspace_id=workspace_id)


def list_members(db: Session, *, actor: User, workspace_id: int) -> list[Membership]:
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_MEMBERS)
        return workspace_repo.list_memberships(db, workspace_id=workspace_id)


def add_member(
    db: Session, *, actor: User, workspace_id: int, email: str, name: str, role: Role
) -> AddedMember:
    """Add a user by email, creating the account with a one-time password if it is new.

    Raises:
        Conflict: already a member, or walled from this workspace (the refusal is recorded
            and the message does not say which organisation).
    """
    with write_transaction(db):
        granter = authorize(
            db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_MEMBERS
        )
        check_can_grant(granter.role, role)
        user = user_repo.find_user_by_email(db, email=normalise_email(email))
        password = None
        now = utcnow()
        if user is None:
            password = generate_password()
            user = create_user_locked(db, email=email, name=name, password=password)
        elif workspace_repo.find_membership(db, workspace_id=workspace_id, user_id=user.id):
            raise Conflict("this user is already a member")
        else:
            _refuse_if_walled(db, actor=actor, workspace_id=workspace_id, user=user, now=now)
        workspace_repo.add_membership(
            db, workspace_id=workspace_id, user_id=user.id, role=role, now=now
        )
        _record_member(db, actor, workspace_id, "member.added", user.id, role=role.value)
        m = workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user.id)
        return AddedMember(membership=m, initial_password=password)


def _refuse_if_walled(
    db: Session, *, actor: User, workspace_id: int, user: User, now: datetime
) -> None:
    tie = find_walling_tie(db, workspace_id=workspace_id, user_id=user.id, now=now)
    if tie is None:
        return
    record_after(
        db,
        workspace_id=workspace_id,
        actor=actor,
        action="wall.refused",
        object_type="user",
        object_id=user.id,
        detail={"action": "add_member", "organisation_id": tie.organisation_id},
    )
    raise Conflict("this person cannot join this workspace: a conflict-of-interest wall applies")


def _record_member(
    db: Session, actor: User, workspace_id: int, action: str, user_id: int, **detail: object
) -> None:
    ledger.record(
        db,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user_id,
        detail=detail,
    )


def change_role(
    db: Session, *, actor: User, workspace_id: int, user_id: int, role: Role
) -> Membership:
    """Give a member another role (only within the granter's reach; an owner always stays)."""
    with write_transaction(db):
        granter = authorize(
            db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_MEMBERS
        )
        current = workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user_id)
        check_can_grant(granter.role, current.role)
        check_can_grant(granter.role, role)
        _keep_an_owner(db, workspace_id, current, leaving=role is not Role.OWNER)
        workspace_repo.set_membership_role(
            db, workspace_id=workspace_id, user_id=user_id, role=role
        )
        if role is not current.role:
            _record_member(
                db,
                actor,
                workspace_id,
                "member.role_changed",
                user_id,
                old_role=current.role.value,
                role=role.value,
            )
        return workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user_id)


def remove_member(db: Session, *, actor: User, workspace_id: int, user_id: int) -> None:
    """Remove a member (only within the remover's reach; an owner always stays)."""
    with write_transaction(db):
        granter = authorize(
            db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_MEMBERS
        )
        current = workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user_id)
        check_can_grant(granter.role, current.role)
        _keep_an_owner(db, workspace_id, current, leaving=True)
        workspace_repo.delete_membership(db, workspace_id=workspace_id, user_id=user_id)
        _record_member(db, actor, workspace_id, "member.removed", user_id, role=current.role.value)


def _keep_an_owner(db: Session, workspace_id: int, member: Membership, *, leaving: bool) -> None:
    if (
        member.role is Role.OWNER
        and leaving
        and workspace_repo.count_owners(db, workspace_id=workspace_id) <= 1
    ):
        raise Conflict("a workspace must keep at least one owner")
