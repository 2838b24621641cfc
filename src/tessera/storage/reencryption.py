"""Bulk key work in the database: re-encrypt a workspace's rows, scrub deleted bytes."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.orm import Session

from tessera.storage.cipher import (
    Purpose,
    annotation_row,
    cipher_of,
    guidelines_row,
    item_row,
    key_loader,
    media_row,
    result_row,
    review_row,
)
from tessera.storage.engine import is_sqlite, write_transaction
from tessera.storage.tables import annotations as annotation_table
from tessera.storage.tables import items, media, projects, quality_results, reviews

BATCH_ROWS = 500
Progress = Callable[[int, int], None]

# (table, sealed column, purpose, how to name a row for binding)
_SEALED: list[tuple[Table, str, Purpose, Callable[[Any], str]]] = [
    (items, "content", Purpose.ITEM_CONTENT, lambda m: item_row(m["project_id"], m["external_id"])),
    (
        annotation_table,
        "value",
        Purpose.ANNOTATION_VALUE,
        lambda m: annotation_row(m["assignment_id"]),
    ),
    (projects, "guidelines", Purpose.PROJECT_GUIDELINES, lambda m: guidelines_row(m["id"])),
    (reviews, "reason", Purpose.REVIEW_REASON, lambda m: review_row(m["id"])),
    (reviews, "fixed_value", Purpose.REVIEW_FIXED_VALUE, lambda m: review_row(m["id"])),
    (reviews, "replaced_value", Purpose.REVIEW_REPLACED_VALUE, lambda m: review_row(m["id"])),
    (items, "gold", Purpose.ITEM_GOLD, lambda m: item_row(m["project_id"], m["external_id"])),
    (
        quality_results,
        "value",
        Purpose.QUALITY_RESULT,
        lambda m: result_row(m["item_id"], m["question"]),
    ),
    (media, "content", Purpose.MEDIA_CONTENT, lambda m: media_row(m["id"])),
]


def reencrypt_workspace(db: Session, *, workspace_id: int, progress: Progress | None = None) -> int:
    """Open every sealed value of the workspace and seal it again under the active key.

    Works in batches, each its own transaction, so the server keeps serving meanwhile.
    Returns how many values were rewritten.
    """
    total = sum(_count(db, t, col, workspace_id) for t, col, _, _ in _SEALED)
    done = rewritten = 0
    for table, column, purpose, row_of in _SEALED:
        after = 0
        while True:
            with write_transaction(db):
                rows = db.execute(
                    select(table)
                    .where(
                        table.c.workspace_id == workspace_id,
                        table.c.id > after,
                        table.c[column].is_not(None),
                    )
                    .order_by(table.c.id)
                    .limit(BATCH_ROWS)
                ).all()
                for r in rows:
                    rewritten += _reseal(db, table, column, purpose, row_of(r._mapping), r)
            if not rows:
                break
            after = rows[-1]._mapping["id"]
            done += len(rows)
            if progress:
                progress(done, total)
    return rewritten


def _count(db: Session, table: Table, column: str, workspace_id: int) -> int:
    with write_transaction(db):
        return int(
            db.execute(
                select(func.count())
                .select_from(table)
                .where(table.c.workspace_id == workspace_id, table.c[column].is_not(None))
            ).scalar_one()
        )


def _reseal(db: Session, table: Table, column: str, purpose: Purpose, row: str, r: Any) -> int:
    cipher = cipher_of(db)
    m = r._mapping
    ws = m["workspace_id"]
    loader = key_loader(db, ws)
    sealed = bytes(m[column])
    plain = cipher.open(ws, purpose.value, row, sealed, loader)
    fresh = cipher.seal(ws, purpose.value, row, plain, loader)
    if cipher.key_version_of(fresh) == cipher.key_version_of(sealed):
        return 0
    db.execute(update(table).where(table.c.id == m["id"]).values({column: fresh}))
    return 1


def scrub_free_space(db: Session) -> None:
    """Make deleted rows unrecoverable from the database files where the engine allows it.

    SQLite runs with secure_delete (deleted cells are zeroed); this also empties the WAL.
    On PostgreSQL deleted tuples stay until VACUUM reclaims them; see docs/security.md.
    """
    if is_sqlite(db):
        with db.get_bind().connect() as conn:  # type: ignore[union-attr]
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with db.get_bind().connect() as conn:  # type: ignore[union-attr]
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("workspace_keys", "items", "annotations", "projects", "media"):
            conn.execute(text(f"VACUUM {table}"))
