"""Items of a project: bulk insert, keyset listing, gold answers. Their serving state (the
candidates of next-task, row locks, answer counts) is in `item_serving`."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import RowMapping, Select, bindparam, func, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from tessera.domain.entities import Item, ItemStatus, ListedItem
from tessera.domain.errors import NotFound
from tessera.storage.cipher import Purpose, item_row, open_json, open_json_text, seal_json
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, UtcDateTime, assignments, items


@dataclass(frozen=True)
class NewItem:
    external_id: str
    content: Mapping[str, object]
    priority: int
    prediction_score: float | None = None
    gold: Mapping[str, object] | None = None  # known answers: the item is then a gold item


NO_PREDICTION = 2.0  # stored instead of NULL so the uncertainty order needs no NULLS LAST
RAND_KEY_BITS = 31


def item_from_row(db: Session, row: AnyRow) -> Item:
    m = row._mapping
    return Item(
        **_fields(m),
        workspace_id=m["workspace_id"],
        project_id=m["project_id"],
        content=cast(dict[str, object], open_json(db, *_sealed_content(m))),
    )


def _fields(m: RowMapping) -> dict[str, Any]:
    """What an `Item` and a `ListedItem` read alike from an item's row."""
    stored_score = m["prediction_score"]
    return {
        "id": m["id"],
        "external_id": m["external_id"],
        "status": ItemStatus(m["status"]),
        "priority": m["priority"],
        "submitted_count": m["submitted_count"],
        "created_at": m["created_at"],
        "overlap_override": m["overlap_override"],
        "prediction_score": None if stored_score >= NO_PREDICTION else float(stored_score),
    }


def _sealed_content(m: RowMapping) -> tuple[int, Purpose, str, bytes]:
    """An item's content as `open_json` takes it: workspace, purpose, row binding, ciphertext."""
    bound = item_row(m["project_id"], m["external_id"])
    return m["workspace_id"], Purpose.ITEM_CONTENT, bound, m["content"]


def add_items(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    batch: Sequence[NewItem],
    now: datetime,
) -> int:
    """Insert a batch, skipping external ids the project already has; returns how many were new."""
    if not batch:
        return 0
    rows = [
        {
            "workspace_id": workspace_id,
            "project_id": project_id,
            "external_id": it.external_id,
            "content": seal_json(
                db,
                workspace_id,
                Purpose.ITEM_CONTENT,
                item_row(project_id, it.external_id),
                dict(it.content),
            ),
            "status": (ItemStatus.OPEN if it.gold is None else ItemStatus.GOLD).value,
            "gold": None
            if it.gold is None
            else seal_json(
                db,
                workspace_id,
                Purpose.ITEM_GOLD,
                item_row(project_id, it.external_id),
                dict(it.gold),
            ),
            "priority": it.priority,
            "rand_key": random.getrandbits(RAND_KEY_BITS),
            "prediction_score": NO_PREDICTION
            if it.prediction_score is None
            else it.prediction_score,
            "submitted_count": 0,
            "created_at": now,
        }
        for it in batch
    ]
    if not is_sqlite(db):
        return _add_items_postgres(db, workspace_id, project_id, rows, now)
    stmt = (
        sqlite.insert(items)
        .on_conflict_do_nothing(index_elements=["project_id", "external_id"])
        .returning(items.c.id)
    )
    return len(db.execute(stmt, rows).all())


# One statement with three array parameters: its text never changes, so PostgreSQL and the
# driver reuse its plan; a multi-row VALUES list costs the driver ~50 us a row just to render.
_PG_BULK_INSERT = text(
    """
    INSERT INTO items (workspace_id, project_id, external_id, content, status, priority,
                       submitted_count, created_at, rand_key, prediction_score, gold)
    SELECT :workspace_id, :project_id, t.external_id, t.content, t.status, t.priority, 0, :now,
           t.rand_key, t.prediction_score, t.gold
    FROM unnest(CAST(:external_ids AS text[]), CAST(:contents AS bytea[]),
                CAST(:priorities AS integer[]), CAST(:rand_keys AS integer[]),
                CAST(:scores AS double precision[]), CAST(:statuses AS text[]),
                CAST(:golds AS bytea[]))
         AS t(external_id, content, priority, rand_key, prediction_score, status, gold)
    ON CONFLICT (project_id, external_id) DO NOTHING
    RETURNING id
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


def _add_items_postgres(
    db: Session, workspace_id: int, project_id: int, rows: list[dict[str, Any]], now: datetime
) -> int:
    result = db.execute(
        _PG_BULK_INSERT,
        {
            "workspace_id": workspace_id,
            "project_id": project_id,
            "now": now,
            "external_ids": [r["external_id"] for r in rows],
            "contents": [r["content"] for r in rows],
            "priorities": [r["priority"] for r in rows],
            "rand_keys": [r["rand_key"] for r in rows],
            "scores": [r["prediction_score"] for r in rows],
            "statuses": [r["status"] for r in rows],
            "golds": [r["gold"] for r in rows],
        },
    )
    return len(result.all())


def get_item(
    db: Session, *, workspace_id: int, item_id: int, project_id: int | None = None
) -> Item:
    if project_id is None:
        row = db.execute(_ONE, {"id": item_id, "ws": workspace_id}).first()
    else:
        params = {"id": item_id, "ws": workspace_id, "project": project_id}
        row = db.execute(_ONE_IN_PROJECT, params).first()
    if row is None:
        raise NotFound("item", item_id)
    return item_from_row(db, row)


# Statements of the task-serving path, built once (decision 0015).
_ONE = select(items).where(items.c.id == bindparam("id"), items.c.workspace_id == bindparam("ws"))
_ONE_IN_PROJECT = _ONE.where(items.c.project_id == bindparam("project"))


@dataclass(frozen=True)
class PageOfItems:
    """Which page: a project's items in id order after `after_id` (keyset: the cost does not
    grow with depth), at most `limit`, of one status or any."""

    workspace_id: int
    project_id: int
    after_id: int
    limit: int
    status: ItemStatus | None = None

    def statement(self) -> Select[Any]:
        stmt = (
            select(items)
            .where(
                items.c.workspace_id == self.workspace_id,
                items.c.project_id == self.project_id,
                items.c.id > self.after_id,
            )
            .order_by(items.c.id)
            .limit(self.limit)
        )
        return stmt if self.status is None else stmt.where(items.c.status == self.status.value)


def list_items(db: Session, page: PageOfItems) -> list[Item]:
    """The page's items, their content parsed."""
    return [item_from_row(db, r) for r in db.execute(page.statement()).all()]


def list_item_page(db: Session, page: PageOfItems) -> list[ListedItem]:
    """The page's items for a client: each item's content left the JSON text it was stored as."""
    return [_listed_from_row(db, r) for r in db.execute(page.statement()).all()]


def _listed_from_row(db: Session, row: AnyRow) -> ListedItem:
    m = row._mapping
    return ListedItem(**_fields(m), content_json=open_json_text(db, *_sealed_content(m)))


def refresh_statistics(db: Session) -> None:
    """Have PostgreSQL re-sample the items table now rather than when autovacuum gets to it.

    Right after a bulk import the planner's estimates still describe the table before it, and
    it may then sort a whole project to list one page. SQLite plans from its indexes alone.
    """
    if not is_sqlite(db):
        db.execute(text("ANALYZE items"))


def iter_items(
    db: Session, *, workspace_id: int, project_id: int, batch_size: int = 500
) -> Iterable[list[Item]]:
    """Every item of the project in id order, a batch at a time (constant memory)."""
    after = 0
    while True:
        page = list_items(db, PageOfItems(workspace_id, project_id, after, batch_size))
        if not page:
            return
        yield page
        after = page[-1].id


def get_gold(db: Session, *, workspace_id: int, item_id: int) -> dict[str, object] | None:
    """An item's known answers, opened (None when it is not a gold item)."""
    row = db.execute(
        select(items.c.project_id, items.c.external_id, items.c.gold).where(
            items.c.id == item_id, items.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound("item", item_id)
    if row[2] is None:
        return None
    bound = item_row(row[0], row[1])
    return cast(dict[str, object], open_json(db, workspace_id, Purpose.ITEM_GOLD, bound, row[2]))


def set_gold(
    db: Session,
    *,
    workspace_id: int,
    item_id: int,
    gold: Mapping[str, object] | None,
    status: ItemStatus,
) -> None:
    """Seal and store an item's known answers (None clears them) with the status they imply."""
    row = db.execute(
        select(items.c.project_id, items.c.external_id).where(
            items.c.id == item_id, items.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound("item", item_id)
    sealed = (
        None
        if gold is None
        else seal_json(db, workspace_id, Purpose.ITEM_GOLD, item_row(row[0], row[1]), dict(gold))
    )
    db.execute(
        update(items)
        .where(items.c.id == item_id, items.c.workspace_id == workspace_id)
        .values(gold=sealed, status=status.value)
    )


def gold_of_project(
    db: Session, *, workspace_id: int, project_id: int
) -> dict[int, dict[str, object]]:
    """Every gold item's known answers, by item id (gold sets are small: a few hundred)."""
    rows = db.execute(
        select(items.c.id, items.c.external_id, items.c.gold).where(
            items.c.workspace_id == workspace_id,
            items.c.project_id == project_id,
            items.c.status == ItemStatus.GOLD.value,
        )
    ).all()
    return {
        int(r[0]): cast(
            dict[str, object],
            open_json(db, workspace_id, Purpose.ITEM_GOLD, item_row(project_id, r[1]), r[2]),
        )
        for r in rows
        if r[2] is not None
    }


def unseen_gold_items(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, start: int, limit: int
) -> list[int]:
    """Gold items this user was never assigned, from a random key `start` on (wrapping once)."""
    seen = (
        select(assignments.c.id)
        .where(assignments.c.item_id == items.c.id, assignments.c.user_id == user_id)
        .exists()
    )
    base = select(items.c.id).where(
        items.c.workspace_id == workspace_id,
        items.c.project_id == project_id,
        items.c.status == ItemStatus.GOLD.value,
        ~seen,
    )
    found = db.execute(
        base.where(items.c.rand_key >= start).order_by(items.c.rand_key, items.c.id).limit(limit)
    ).all()
    if not found:
        found = db.execute(
            base.where(items.c.rand_key < start).order_by(items.c.rand_key, items.c.id).limit(limit)
        ).all()
    return [int(r[0]) for r in found]


def count_gold(db: Session, *, workspace_id: int, project_id: int) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(items)
            .where(
                items.c.workspace_id == workspace_id,
                items.c.project_id == project_id,
                items.c.status == ItemStatus.GOLD.value,
            )
        ).scalar_one()
    )
