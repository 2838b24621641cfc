"""An item's serving state: next-task's candidates in the serving order, the item's row lock,
its answer count and status, a manager's per-item overrides."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from tessera.domain.entities import AssignmentState, Item, ItemStatus, ServingOrder
from tessera.storage.engine import is_sqlite
from tessera.storage.repositories.items import item_from_row
from tessera.storage.repositories.projects import ADD_TO_COUNTS
from tessera.storage.tables import AnyRow, UtcDateTime, assignments, items


@dataclass(frozen=True)
class LockedItem:
    project_id: int
    status: ItemStatus
    submitted_count: int
    overlap_override: int | None
    priority: int


CandidateKey = tuple[float, int]  # (the serving order's sort value, item id)


class Candidate(NamedTuple):
    """An open item the caller may be served, in the serving order."""

    sort_value: float
    item_id: int
    lapsed_lease_id: int | None  # the caller's own expired lease on it, to renew

    @property
    def key(self) -> CandidateKey:
        return (self.sort_value, self.item_id)


def first_candidate(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    order: ServingOrder,
    after: CandidateKey | None,
    available_to: tuple[int, int, datetime],
    at_least: int | None = None,
    below: int | None = None,
) -> tuple[Candidate, Item | None] | None:
    """The first open item in the serving order that `available_to=(user_id, overlap, now)`
    may take, after `after`; None when there is none.

    Each order walks an index of its own (`ix_items_serving*`), so the cost does not grow with
    the project. `after` continues from the last pair seen (keyset, no OFFSET); `at_least` /
    `below` bound the random order's key, to scan from a random start and wrap. The same
    statement drops items whose answers and live leases already fill their overlap and items
    that user answered or skipped, and brings the user's own lapsed lease on the item.

    On PostgreSQL another transaction may lease or close an item at any moment: the statement
    also locks the row for this transaction and reads it whole, passing over rows others hold
    (`SKIP LOCKED`), and returns it with the candidate. A row that changed between the
    statement's snapshot and its lock is checked again as it is now; the caller still checks
    its live leases, which this snapshot may not show. On SQLite the candidate is read under
    the write lock BEGIN IMMEDIATE took: nothing changes before the lease is written, and no
    row comes with it.
    """
    params: dict[str, object] = {"ws": workspace_id, "project": project_id}
    if after is not None:
        params["after_key"], params["after_id"] = after
    params["user"], params["overlap"], params["now"] = available_to
    if at_least is not None:
        params["at_least"] = at_least
    if below is not None:
        params["below"] = below
    shape = (order, after is not None, at_least is not None, below is not None)
    if is_sqlite(db):
        found = db.execute(_candidates_statement(*shape), params).first()
        return None if found is None else (Candidate(found[0], found[1], found[2]), None)
    row = db.execute(_locking_statement(*shape), params).first()
    if row is None:
        return None
    m = row._mapping
    return Candidate(m["sort_value"], m["id"], m["lapsed_lease_id"]), item_from_row(db, row)


@functools.lru_cache(maxsize=16)
def _locking_statement(
    order: ServingOrder, after: bool, at_least: bool, below: bool
) -> Select[Any]:
    candidates = _candidates_statement(order, after, at_least, below)
    sort_value, _, lapsed = candidates.selected_columns
    return candidates.with_only_columns(
        sort_value.label("sort_value"), lapsed.label("lapsed_lease_id"), *items.c
    ).with_for_update(skip_locked=True, of=items)


@functools.lru_cache(maxsize=16)
def _candidates_statement(
    order: ServingOrder, after: bool, at_least: bool, below: bool
) -> Select[tuple[Any, int, int | None]]:
    """Built once per shape, with bound parameters: next-task runs it on every request."""
    column, descending = {
        ServingOrder.PRIORITY: (items.c.priority, True),
        ServingOrder.UNCERTAINTY: (items.c.prediction_score, False),
        ServingOrder.RANDOM: (items.c.rand_key, False),
    }[order]
    # (item, user) is unique in assignments, and answered or skipped items are filtered out
    # below: what is left of the caller's own is a lease that lapsed.
    own = assignments.alias("own")
    lapsed = (
        select(own.c.id)
        .where(own.c.item_id == items.c.id, own.c.user_id == bindparam("user"))
        .scalar_subquery()
    )
    stmt = (
        select(column, items.c.id, lapsed)
        .where(
            items.c.workspace_id == bindparam("ws"),
            items.c.project_id == bindparam("project"),
            items.c.status == ItemStatus.OPEN.value,
            *_available(),
        )
        .order_by(column.desc() if descending else column.asc(), items.c.id)
        .limit(1)
    )
    if after:
        key = bindparam("after_key", type_=column.type)
        beyond = column < key if descending else column > key
        stmt = stmt.where(beyond | ((column == key) & (items.c.id > bindparam("after_id"))))
    if at_least:
        stmt = stmt.where(column >= bindparam("at_least", type_=column.type))
    if below:
        stmt = stmt.where(column < bindparam("below", type_=column.type))
    return stmt


def _available() -> list[ColumnElement[bool]]:
    """Overlap not yet filled by answers and live leases, and not answered or skipped by the
    caller. Both are scalar subqueries, run per candidate row through an index: as an
    anti-join, PostgreSQL planned the second as a scan of the caller's whole history (a cost
    that grew with every answer) whenever its statistics still saw few assignments."""
    held = assignments.alias("held")
    live = (
        select(func.count())
        .select_from(held)
        .where(
            held.c.item_id == items.c.id,
            held.c.state == AssignmentState.LEASED.value,
            held.c.expires_at > bindparam("now", type_=UtcDateTime()),
        )
        .scalar_subquery()
    )
    mine = assignments.alias("mine")
    my_state = (
        select(mine.c.state)
        .where(mine.c.item_id == items.c.id, mine.c.user_id == bindparam("user"))
        .scalar_subquery()
    )
    closed = [AssignmentState.SUBMITTED.value, AssignmentState.SKIPPED.value]
    needed = func.coalesce(items.c.overlap_override, bindparam("overlap", type_=Integer()))
    return [items.c.submitted_count + live < needed, func.coalesce(my_state, "").not_in(closed)]


def lock_item(
    db: Session, *, workspace_id: int, item_id: int, skip_locked: bool
) -> LockedItem | None:
    """Lock one item row for this transaction and read its serving state.

    On PostgreSQL `skip_locked` returns None when another transaction holds the row; SQLite's
    BEGIN IMMEDIATE already serialises writers, so there the row is simply read.
    """
    if is_sqlite(db):
        stmt = _SERVING_STATE
    else:
        stmt = _SERVING_STATE_SKIP_LOCKED if skip_locked else _SERVING_STATE_FOR_UPDATE
    return _locked_item(db.execute(stmt, {"id": item_id, "ws": workspace_id}).first())


def lock_item_of_task(
    db: Session, *, workspace_id: int, assignment_id: int, user_id: int
) -> LockedItem | None:
    """Lock the item of one of the caller's assignments and read its serving state, waiting
    for another transaction that holds it; None when the assignment is not the caller's.

    Found through the assignment in the same statement, so a submit takes the lock before
    reading anything else: what it reads afterwards is current. SQLite's BEGIN IMMEDIATE
    already serialises writers, so there the row is simply read.
    """
    stmt = _SERVING_STATE_OF_TASK if is_sqlite(db) else _SERVING_STATE_OF_TASK_FOR_UPDATE
    params = {"task": assignment_id, "ws": workspace_id, "user": user_id}
    return _locked_item(db.execute(stmt, params).first())


def _locked_item(row: AnyRow | None) -> LockedItem | None:
    """`_SERVING_COLUMNS` read by a statement, or None when it found no row."""
    if row is None:
        return None
    return LockedItem(int(row[0]), ItemStatus(row[1]), int(row[2]), row[3], int(row[4]))


_SERVING_COLUMNS = (
    items.c.project_id,
    items.c.status,
    items.c.submitted_count,
    items.c.overlap_override,
    items.c.priority,
)
_SERVING_STATE = select(*_SERVING_COLUMNS).where(
    items.c.id == bindparam("id"), items.c.workspace_id == bindparam("ws")
)
_SERVING_STATE_FOR_UPDATE = _SERVING_STATE.with_for_update()
_SERVING_STATE_SKIP_LOCKED = _SERVING_STATE.with_for_update(skip_locked=True)
_SERVING_STATE_OF_TASK = select(*_SERVING_COLUMNS).where(
    items.c.id
    == select(assignments.c.item_id)
    .where(
        assignments.c.id == bindparam("task"),
        assignments.c.workspace_id == bindparam("ws"),
        assignments.c.user_id == bindparam("user"),
    )
    .scalar_subquery(),
    items.c.workspace_id == bindparam("ws"),
)
_SERVING_STATE_OF_TASK_FOR_UPDATE = _SERVING_STATE_OF_TASK.with_for_update(of=items)


def set_item_state(
    db: Session,
    *,
    workspace_id: int,
    item_id: int,
    status: ItemStatus,
    overlap_override: int | None,
    priority: int,
) -> None:
    """Store a manager's per-item settings and the status they imply."""
    db.execute(
        update(items)
        .where(items.c.id == item_id, items.c.workspace_id == workspace_id)
        .values(status=status.value, overlap_override=overlap_override, priority=priority)
    )


def record_submission(
    db: Session, *, workspace_id: int, item_id: int, project_id: int, is_done: bool
) -> None:
    """Count one more answer for the item, closing it when it has its overlap, and in its
    project's counters (on PostgreSQL in one statement: a round trip fewer per submission)."""
    params = {"b_id": item_id, "b_ws": workspace_id, "b_project": project_id}
    params |= {"items": 0, "done": 1 if is_done else 0, "answers": 1}
    if is_sqlite(db):  # no UPDATE in a WITH there; its statements cost no round trip
        db.execute(_ANSWERED_DONE if is_done else _ANSWERED, params)
        db.execute(ADD_TO_COUNTS, params)
        return
    db.execute(_ANSWERED_DONE_COUNTED if is_done else _ANSWERED_COUNTED, params)


_ANSWERED = (
    update(items)
    .where(items.c.id == bindparam("b_id"), items.c.workspace_id == bindparam("b_ws"))
    .values(submitted_count=items.c.submitted_count + 1)
)
_ANSWERED_DONE = _ANSWERED.values(status=ItemStatus.DONE.value)
# PostgreSQL: the item's count and the project's counters in one statement.
_ANSWERED_COUNTED = ADD_TO_COUNTS.add_cte(_ANSWERED.cte("answered"))
_ANSWERED_DONE_COUNTED = ADD_TO_COUNTS.add_cte(_ANSWERED_DONE.cte("answered"))


def release_submission(db: Session, *, workspace_id: int, item_id: int, reopen: bool) -> None:
    """Count one answer fewer for the item (a reviewer sent it back to the pool), reopening a
    done item when it needs an answer again. The caller holds the item's lock."""
    values: dict[str, object] = {"submitted_count": items.c.submitted_count - 1}
    if reopen:
        values["status"] = ItemStatus.OPEN.value
    db.execute(
        update(items)
        .where(items.c.id == item_id, items.c.workspace_id == workspace_id)
        .values(**values)
    )


def set_overlap_override(db: Session, *, workspace_id: int, item_id: int, overlap: int) -> None:
    """Raise one item's overlap (the confidence rule), reopening it; the caller holds its lock."""
    db.execute(
        update(items)
        .where(items.c.id == item_id, items.c.workspace_id == workspace_id)
        .values(overlap_override=overlap, status=ItemStatus.OPEN.value)
    )
