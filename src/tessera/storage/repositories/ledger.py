"""The access ledger's rows: append under the chain head's lock, read a chain in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tessera.storage.engine import is_sqlite
from tessera.storage.tables import access_events, ledger_heads

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class LedgerRow:
    workspace_id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str
    prev_hash: str
    hash: str


def lock_head(db: Session, *, workspace_id: int) -> tuple[int, str]:
    """The chain's last (seq, hash), locked until the transaction ends; creates the head row."""
    stmt = select(ledger_heads.c.seq, ledger_heads.c.hash).where(
        ledger_heads.c.workspace_id == workspace_id
    )
    if not is_sqlite(db):
        stmt = stmt.with_for_update()
    row = db.execute(stmt).first()
    if row is not None:
        return int(row[0]), str(row[1])
    if is_sqlite(db):
        db.execute(insert(ledger_heads).values(workspace_id=workspace_id, seq=0, hash=GENESIS_HASH))
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.execute(
            pg_insert(ledger_heads)
            .values(workspace_id=workspace_id, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing()
        )
        row = db.execute(stmt).first()
        assert row is not None
        return int(row[0]), str(row[1])
    return 0, GENESIS_HASH


def append(db: Session, row: LedgerRow) -> None:
    """Insert the event and move the head; the caller holds the head's lock."""
    db.execute(
        insert(access_events).values(
            workspace_id=row.workspace_id,
            seq=row.seq,
            at=row.at,
            actor_id=row.actor_id,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            detail=row.detail,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )
    )
    db.execute(
        update(ledger_heads)
        .where(ledger_heads.c.workspace_id == row.workspace_id)
        .values(seq=row.seq, hash=row.hash)
    )


def find_head(db: Session, *, workspace_id: int) -> tuple[int, str] | None:
    row = db.execute(
        select(ledger_heads.c.seq, ledger_heads.c.hash).where(
            ledger_heads.c.workspace_id == workspace_id
        )
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def iter_events(db: Session, *, workspace_id: int, batch_size: int = 1000) -> Iterator[LedgerRow]:
    """A chain's events in the order they are stored by seq (constant memory)."""
    after = -1
    while True:
        rows = db.execute(
            select(access_events)
            .where(access_events.c.workspace_id == workspace_id, access_events.c.seq > after)
            .order_by(access_events.c.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        for r in rows:
            m = r._mapping
            yield LedgerRow(
                workspace_id=m["workspace_id"],
                seq=m["seq"],
                at=m["at"],
                actor_id=m["actor_id"],
                actor=m["actor"],
                action=m["action"],
                object_type=m["object_type"],
                object_id=m["object_id"],
                detail=m["detail"],
                prev_hash=m["prev_hash"],
                hash=m["hash"],
            )
        after = rows[-1]._mapping["seq"]


def list_chains(db: Session) -> list[int]:
    """Every workspace id that has a chain (0 is the system chain)."""
    return [
        int(r[0])
        for r in db.execute(
            select(ledger_heads.c.workspace_id).order_by(ledger_heads.c.workspace_id)
        )
    ]
