"""Leases of items to annotators: live leases, history per annotator, state changes.

The statements on the task-serving path are built once, at import, with named parameters: a
statement object's compiled form is then found in SQLAlchemy's cache by identity, instead of
being rebuilt and re-keyed on every request (decision 0015).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from tessera.domain.entities import Assignment, AssignmentState, Project
from tessera.domain.errors import NotFound
from tessera.storage.engine import is_sqlite
from tessera.storage.repositories.projects import project_from_row
from tessera.storage.tables import AnyRow, assignments, projects, users


def _to_assignment(row: AnyRow, prefix: str = "") -> Assignment:
    m = row._mapping
    return Assignment(
        id=m[prefix + "id"],
        workspace_id=m[prefix + "workspace_id"],
        project_id=m[prefix + "project_id"],
        item_id=m[prefix + "item_id"],
        user_id=m[prefix + "user_id"],
        state=AssignmentState(m[prefix + "state"]),
        leased_at=m[prefix + "leased_at"],
        expires_at=m[prefix + "expires_at"],
    )


def find_live_assignment(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, now: datetime
) -> Assignment | None:
    """The caller's unexpired lease in this project, if any."""
    row = db.execute(
        _LIVE_LEASE, {"ws": workspace_id, "project": project_id, "user": user_id, "now": now}
    ).first()
    return None if row is None else _to_assignment(row)


_LIVE_LEASE = (
    select(assignments)
    .where(
        assignments.c.workspace_id == bindparam("ws"),
        assignments.c.project_id == bindparam("project"),
        assignments.c.user_id == bindparam("user"),
        assignments.c.state == AssignmentState.LEASED.value,
        assignments.c.expires_at > bindparam("now"),
    )
    .order_by(assignments.c.id)
    .limit(1)
)


def get_assignment(
    db: Session, *, workspace_id: int, assignment_id: int, user_id: int, for_update: bool = False
) -> Assignment:
    """One of the caller's own assignments; anyone else's is NotFound."""
    stmt = _OWN_FOR_UPDATE if for_update and not is_sqlite(db) else _OWN
    row = db.execute(stmt, {"id": assignment_id, "ws": workspace_id, "user": user_id}).first()
    if row is None:
        raise NotFound("task", assignment_id)
    return _to_assignment(row)


_OWN = select(assignments).where(
    assignments.c.id == bindparam("id"),
    assignments.c.workspace_id == bindparam("ws"),
    assignments.c.user_id == bindparam("user"),
)
_OWN_FOR_UPDATE = _OWN.with_for_update()


def get_assignment_with_project(
    db: Session, *, workspace_id: int, assignment_id: int, user_id: int
) -> tuple[Assignment, Project]:
    """One of the caller's own assignments and its project, in one statement (submit reads
    both first on every call); anyone else's is NotFound."""
    params = {"id": assignment_id, "ws": workspace_id, "user": user_id}
    row = db.execute(_OWN_WITH_PROJECT, params).first()
    if row is None:
        raise NotFound("task", assignment_id)
    return _to_assignment(row, prefix="task_"), project_from_row(row)


_OWN_WITH_PROJECT = select(
    projects, *(column.label("task_" + column.name) for column in assignments.c)
).where(
    assignments.c.id == bindparam("id"),
    assignments.c.workspace_id == bindparam("ws"),
    assignments.c.user_id == bindparam("user"),
    projects.c.id == assignments.c.project_id,
    projects.c.workspace_id == assignments.c.workspace_id,
)


def count_live_leases(db: Session, *, workspace_id: int, item_id: int, now: datetime) -> int:
    """Unexpired leases on one item; expired ones need no job to stop counting."""
    params = {"ws": workspace_id, "item": item_id, "now": now}
    return int(db.execute(_LIVE_ON_ITEM, params).scalar_one())


def _count_live_on_item(
    leases: FromClause, *, ws: ColumnElement[Any], item: ColumnElement[Any], now: str
) -> Select[int]:
    """The count of unexpired leases on one item, as a statement to run or to nest."""
    return (
        select(func.count())
        .select_from(leases)
        .where(
            leases.c.workspace_id == ws,
            leases.c.item_id == item,
            leases.c.state == AssignmentState.LEASED.value,
            leases.c.expires_at > bindparam(now),
        )
    )


_LIVE_ON_ITEM = _count_live_on_item(
    assignments, ws=bindparam("ws"), item=bindparam("item"), now="now"
)


def add_assignment_if_room(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    item_id: int,
    user_id: int,
    now: datetime,
    expires_at: datetime,
    live_below: int | None,
) -> Assignment | None:
    """A new lease; with `live_below`, only while the item has fewer unexpired leases (None
    only then: without a bound the row is always added).

    The bound is tested by the INSERT itself. On PostgreSQL, under the item's row lock, that
    statement's snapshot sees every lease committed before the lock was taken: it is the
    count a separate statement would give, without its round trip.
    """
    params = {
        "b_ws": workspace_id,
        "b_project": project_id,
        "b_item": item_id,
        "b_user": user_id,
        "b_state": AssignmentState.LEASED.value,
        "b_now": now,
        "b_expires": expires_at,
    }
    if live_below is None:
        statement = _ADD
    else:
        statement, params["b_room"] = _ADD_IF_ROOM, live_below
    assignment_id = db.execute(statement, params).scalar_one_or_none()
    if assignment_id is None:
        return None
    return Assignment(
        id=assignment_id,
        workspace_id=workspace_id,
        project_id=project_id,
        item_id=item_id,
        user_id=user_id,
        state=AssignmentState.LEASED,
        leased_at=now,
        expires_at=expires_at,
    )


_NEW_LEASE_COLUMNS = (
    "workspace_id", "project_id", "item_id", "user_id", "state", "leased_at", "expires_at"
)  # fmt: skip
_NEW_LEASE = select(
    *(
        bindparam(name, type_=assignments.c[column].type)
        for name, column in zip(
            ("b_ws", "b_project", "b_item", "b_user", "b_state", "b_now", "b_expires"),
            _NEW_LEASE_COLUMNS,
            strict=True,
        )
    )
)
_ADD = insert(assignments).from_select(_NEW_LEASE_COLUMNS, _NEW_LEASE).returning(assignments.c.id)

_live = assignments.alias("live")  # the other leases, beside the row a statement writes
_ADD_IF_ROOM = (
    insert(assignments)
    .from_select(
        _NEW_LEASE_COLUMNS,
        _NEW_LEASE.where(
            _count_live_on_item(
                _live, ws=bindparam("b_ws"), item=bindparam("b_item"), now="b_now"
            ).scalar_subquery()
            < bindparam("b_room")
        ),
    )
    .returning(assignments.c.id)
)


def renew_assignment(
    db: Session,
    *,
    workspace_id: int,
    assignment_id: int,
    now: datetime,
    expires_at: datetime,
    live_below: int | None = None,
) -> bool:
    """Lease an item again to the same annotator after their earlier lease lapsed.

    False, changing nothing, if that lease was answered or skipped meanwhile (a late submit
    of the same annotator's committed after next-task read its candidates): the row's state is
    tested by the UPDATE itself, which on PostgreSQL sees the latest committed version. With
    `live_below`, also False unless the item has fewer unexpired leases (as in
    `add_assignment_if_room`).
    """
    params = {
        "b_id": assignment_id,
        "b_ws": workspace_id,
        "state": AssignmentState.LEASED.value,
        "leased_at": now,
        "expires_at": expires_at,
    }
    if live_below is None:
        statement = _RENEW
    else:
        statement = _RENEW_IF_ROOM
        params |= {"b_now": now, "b_room": live_below}
    result = db.execute(statement, params)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# The SET clause comes from the keys of the parameters that name columns.
_SET_ONE = update(assignments).where(
    assignments.c.id == bindparam("b_id"), assignments.c.workspace_id == bindparam("b_ws")
)
_RENEW = _SET_ONE.where(
    assignments.c.state.in_([AssignmentState.LEASED.value, AssignmentState.EXPIRED.value])
)
_RENEW_IF_ROOM = _RENEW.where(
    _count_live_on_item(
        _live, ws=bindparam("b_ws"), item=assignments.c.item_id, now="b_now"
    ).scalar_subquery()
    < bindparam("b_room")
)


def close_assignment(
    db: Session,
    *,
    workspace_id: int,
    assignment_id: int,
    state: AssignmentState,
    now: datetime,
    skip_reason: str | None = None,
) -> None:
    db.execute(
        _SET_ONE,
        {
            "b_id": assignment_id,
            "b_ws": workspace_id,
            "state": state.value,
            "closed_at": now,
            "skip_reason": skip_reason,
        },
    )


def count_load(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, now: datetime
) -> int:
    """Items this annotator answered or holds now in the project (for a per-annotator cap)."""
    live = (assignments.c.state == AssignmentState.LEASED.value) & (assignments.c.expires_at > now)
    return int(
        db.execute(
            select(func.count())
            .select_from(assignments)
            .where(
                assignments.c.workspace_id == workspace_id,
                assignments.c.project_id == project_id,
                assignments.c.user_id == user_id,
                (assignments.c.state == AssignmentState.SUBMITTED.value) | live,
            )
        ).scalar_one()
    )


def lease_counts(
    db: Session, *, workspace_id: int, project_id: int, now: datetime
) -> tuple[int, int]:
    """(live leases, lapsed leases nobody closed) in the project."""
    live = assignments.c.expires_at > now
    row = db.execute(
        select(func.sum(case((live, 1), else_=0)), func.sum(case((live, 0), else_=1))).where(
            assignments.c.workspace_id == workspace_id,
            assignments.c.project_id == project_id,
            assignments.c.state == AssignmentState.LEASED.value,
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def progress_by_annotator(
    db: Session, *, workspace_id: int, project_id: int, now: datetime
) -> list[tuple[int, str, int, int, int]]:
    """Per annotator: (user id, email, submitted, skipped, live leases), most submitted first."""
    live = (assignments.c.state == AssignmentState.LEASED.value) & (assignments.c.expires_at > now)
    rows = db.execute(
        select(
            assignments.c.user_id,
            users.c.email,
            func.sum(case((assignments.c.state == AssignmentState.SUBMITTED.value, 1), else_=0)),
            func.sum(case((assignments.c.state == AssignmentState.SKIPPED.value, 1), else_=0)),
            func.sum(case((live, 1), else_=0)),
        )
        .join(users, users.c.id == assignments.c.user_id)
        .where(
            assignments.c.workspace_id == workspace_id,
            assignments.c.project_id == project_id,
        )
        .group_by(assignments.c.user_id, users.c.email)
    ).all()
    out = [(int(r[0]), str(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows]
    return sorted(out, key=lambda t: (-t[2], t[1]))
