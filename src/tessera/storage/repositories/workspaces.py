"""Workspaces (tenants) and their memberships."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.access import WallingTie, WorkspaceStats
from tessera.domain.entities import Membership, Role, User, Workspace
from tessera.domain.errors import NotFound
from tessera.storage.repositories.users import LIVE_TOKEN
from tessera.storage.tables import (
    AnyRow,
    affiliations,
    api_tokens,
    items,
    memberships,
    projects,
    users,
    workspace_walls,
    workspaces,
)
from tessera.storage.tables import annotations as annotation_table


def _to_workspace(row: AnyRow) -> Workspace:
    m = row._mapping
    return Workspace(id=m["id"], name=m["name"], created_at=m["created_at"])


def add_workspace(db: Session, *, name: str, now: datetime) -> Workspace:
    ws_id = db.execute(
        insert(workspaces).values(name=name, created_at=now).returning(workspaces.c.id)
    ).scalar_one()
    return Workspace(id=ws_id, name=name, created_at=now)


def get_workspace(db: Session, *, workspace_id: int) -> Workspace:
    row = db.execute(select(workspaces).where(workspaces.c.id == workspace_id)).first()
    if row is None:
        raise NotFound("workspace", workspace_id)
    return _to_workspace(row)


def rename_workspace(db: Session, *, workspace_id: int, name: str) -> None:
    db.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(name=name))


def list_workspaces_of_user(db: Session, *, user_id: int) -> list[tuple[Workspace, Role]]:
    rows = db.execute(
        select(workspaces, memberships.c.role)
        .join(memberships, memberships.c.workspace_id == workspaces.c.id)
        .where(memberships.c.user_id == user_id)
        .order_by(workspaces.c.name, workspaces.c.id)
    ).all()
    return [(_to_workspace(r), Role(r._mapping["role"])) for r in rows]


def list_workspaces_named(db: Session, *, name: str) -> list[Workspace]:
    rows = db.execute(
        select(workspaces).where(workspaces.c.name == name).order_by(workspaces.c.id)
    ).all()
    return [_to_workspace(r) for r in rows]


_MEMBER_COLUMNS = (
    memberships.c.workspace_id,
    memberships.c.user_id,
    memberships.c.role,
    memberships.c.created_at,
    users.c.email,
    users.c.name,
)


def _to_membership(row: AnyRow) -> Membership:
    m = row._mapping
    return Membership(
        workspace_id=m["workspace_id"],
        user_id=m["user_id"],
        role=Role(m["role"]),
        email=m["email"],
        name=m["name"],
        created_at=m["created_at"],
    )


def add_membership(
    db: Session, *, workspace_id: int, user_id: int, role: Role, now: datetime
) -> None:
    db.execute(
        insert(memberships).values(
            workspace_id=workspace_id, user_id=user_id, role=role.value, created_at=now
        )
    )


def find_membership(db: Session, *, workspace_id: int, user_id: int) -> Membership | None:
    row = db.execute(_MEMBERSHIP, {"ws": workspace_id, "user": user_id}).first()
    return None if row is None else _to_membership(row)


# Every authorised request asks this: built once (decision 0015).
_MEMBERSHIP = (
    select(*_MEMBER_COLUMNS)
    .join(users, users.c.id == memberships.c.user_id)
    .where(
        memberships.c.workspace_id == bindparam("ws"), memberships.c.user_id == bindparam("user")
    )
)


def find_member_access(
    db: Session, *, workspace_id: int, user_id: int, lock: bool = False
) -> tuple[Membership | None, list[WallingTie]]:
    """A member's membership and their affiliations with organisations this workspace walls,
    in one statement (every authorised request asks both); no membership, no ties.

    `lock` holds the membership row until the transaction ends on PostgreSQL, so one member's
    task requests run one at a time (SQLite's writers are serial already).
    """
    stmt = _MEMBER_ACCESS_FOR_UPDATE if lock else _MEMBER_ACCESS
    rows = db.execute(stmt, {"ws": workspace_id, "user": user_id}).all()
    if not rows:
        return None, []
    return _to_membership(rows[0]), _walling_ties(rows)


def find_member_access_by_token(
    db: Session, *, workspace_id: int, token_hash: str, lock: bool = False
) -> tuple[User, Membership, list[WallingTie]] | None:
    """`find_member_access` for the owner of the API token with this hash, who is found in the
    same statement: the routes annotators call all day check the token and the membership in
    one round trip. None when the token is unknown or revoked, its owner inactive, or not a
    member here (the caller tells those apart with the two statements of the slow path).
    """
    stmt = _MEMBER_ACCESS_BY_TOKEN_FOR_UPDATE if lock else _MEMBER_ACCESS_BY_TOKEN
    rows = db.execute(stmt, {"ws": workspace_id, "hash": token_hash}).all()
    if not rows:
        return None
    m = rows[0]._mapping
    user = User(
        id=m["user_id"],
        email=m["email"],
        name=m["name"],
        is_active=True,  # the statement asks for an active owner
        is_operator=m["is_operator"],
        created_at=m["user_created_at"],
    )
    return user, _to_membership(rows[0]), _walling_ties(rows)


def _walling_ties(rows: Sequence[AnyRow]) -> list[WallingTie]:
    return [
        WallingTie(affiliation_id=r[6], organisation_id=r[7], ended_at=r[8], cooldown_days=r[9])
        for r in rows
        if r[6] is not None
    ]


_WALLED_TIES = affiliations.join(
    workspace_walls, workspace_walls.c.organisation_id == affiliations.c.organisation_id
)
# Built once (decision 0015). One row per walling tie, or one with empty tie columns.
_MEMBER_ACCESS_IN_WORKSPACE = (
    select(
        *_MEMBER_COLUMNS,
        affiliations.c.id,
        affiliations.c.organisation_id,
        affiliations.c.ended_at,
        workspace_walls.c.cooldown_days,
    )
    .select_from(
        memberships.join(users, users.c.id == memberships.c.user_id).outerjoin(
            _WALLED_TIES,
            and_(
                affiliations.c.user_id == memberships.c.user_id,
                workspace_walls.c.workspace_id == memberships.c.workspace_id,
            ),
        )
    )
    .where(memberships.c.workspace_id == bindparam("ws"))
    .order_by(affiliations.c.id)
)
_MEMBER_ACCESS = _MEMBER_ACCESS_IN_WORKSPACE.where(memberships.c.user_id == bindparam("user"))
_MEMBER_ACCESS_FOR_UPDATE = _MEMBER_ACCESS.with_for_update(of=memberships)
_MEMBER_ACCESS_BY_TOKEN = (
    _MEMBER_ACCESS_IN_WORKSPACE.add_columns(
        users.c.is_operator, users.c.created_at.label("user_created_at")
    )
    .join(api_tokens, api_tokens.c.user_id == memberships.c.user_id)
    .where(api_tokens.c.token_hash == bindparam("hash"), LIVE_TOKEN)
)
_MEMBER_ACCESS_BY_TOKEN_FOR_UPDATE = _MEMBER_ACCESS_BY_TOKEN.with_for_update(of=memberships)


def get_membership(db: Session, *, workspace_id: int, user_id: int) -> Membership:
    found = find_membership(db, workspace_id=workspace_id, user_id=user_id)
    if found is None:
        raise NotFound("member", user_id)
    return found


def list_memberships(db: Session, *, workspace_id: int) -> list[Membership]:
    rows = db.execute(
        select(*_MEMBER_COLUMNS)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.workspace_id == workspace_id)
        .order_by(users.c.email)
    ).all()
    return [_to_membership(r) for r in rows]


def set_membership_role(db: Session, *, workspace_id: int, user_id: int, role: Role) -> None:
    db.execute(
        update(memberships)
        .where(memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id)
        .values(role=role.value)
    )


def delete_membership(db: Session, *, workspace_id: int, user_id: int) -> None:
    db.execute(
        delete(memberships).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
        )
    )


def count_owners(db: Session, *, workspace_id: int) -> int:
    rows = db.execute(
        select(memberships.c.user_id).where(
            memberships.c.workspace_id == workspace_id, memberships.c.role == Role.OWNER.value
        )
    ).all()
    return len(rows)


def delete_workspace(db: Session, *, workspace_id: int) -> None:
    """Delete the workspace; its members, projects, items and answers go with it (cascade)."""
    db.execute(delete(workspaces).where(workspaces.c.id == workspace_id))


def list_workspace_stats(db: Session) -> list[WorkspaceStats]:
    """Every workspace with its counts and stored sizes (ciphertext bytes), no content.

    Reads every item's length once: an operator's page, not a hot path.
    """

    member_q = (
        select(memberships.c.workspace_id, func.count().label("n"))
        .group_by(memberships.c.workspace_id)
        .subquery()
    )
    project_q = (
        select(projects.c.workspace_id, func.count().label("n"))
        .group_by(projects.c.workspace_id)
        .subquery()
    )
    item_q = (
        select(
            items.c.workspace_id,
            func.count().label("n"),
            func.coalesce(func.sum(func.length(items.c.content)), 0).label("bytes"),
        )
        .group_by(items.c.workspace_id)
        .subquery()
    )
    annotation_q = (
        select(
            annotation_table.c.workspace_id,
            func.count().label("n"),
            func.coalesce(func.sum(func.length(annotation_table.c.value)), 0).label("bytes"),
        )
        .group_by(annotation_table.c.workspace_id)
        .subquery()
    )
    rows = db.execute(
        select(
            workspaces.c.id,
            workspaces.c.name,
            workspaces.c.created_at,
            func.coalesce(member_q.c.n, 0),
            func.coalesce(project_q.c.n, 0),
            func.coalesce(item_q.c.n, 0),
            func.coalesce(annotation_q.c.n, 0),
            func.coalesce(item_q.c.bytes, 0) + func.coalesce(annotation_q.c.bytes, 0),
        )
        .outerjoin(member_q, member_q.c.workspace_id == workspaces.c.id)
        .outerjoin(project_q, project_q.c.workspace_id == workspaces.c.id)
        .outerjoin(item_q, item_q.c.workspace_id == workspaces.c.id)
        .outerjoin(annotation_q, annotation_q.c.workspace_id == workspaces.c.id)
        .order_by(workspaces.c.id)
    ).all()
    return [
        WorkspaceStats(
            id=r[0],
            name=r[1],
            created_at=r[2],
            members=int(r[3]),
            projects=int(r[4]),
            items=int(r[5]),
            annotations=int(r[6]),
            content_bytes=int(r[7]),
        )
        for r in rows
    ]
