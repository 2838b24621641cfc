"""The access ledger's rows: append under the chain head's lock, read a chain in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, access_events, ledger_checkpoints, ledger_heads

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


_FIELDS = tuple(f.name for f in fields(LedgerRow))


def _to_row(r: AnyRow) -> LedgerRow:
    m = r._mapping
    return LedgerRow(**{name: m[name] for name in _FIELDS})


def lock_head(db: Session, *, workspace_id: int) -> tuple[int, str]:
    """The chain's last (seq, hash), locked until the transaction ends; creates the head row."""
    stmt = _HEAD if is_sqlite(db) else _HEAD_FOR_UPDATE
    row = db.execute(stmt, {"ws": workspace_id}).first()
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
        row = db.execute(stmt, {"ws": workspace_id}).first()
        assert row is not None
        return int(row[0]), str(row[1])
    return 0, GENESIS_HASH


def append(db: Session, row: LedgerRow) -> None:
    """Insert the event and move the head; the caller holds the head's lock."""
    # not dataclasses.asdict: it deep-copies every value, a cost on every served task
    values: dict[str, object] = {name: getattr(row, name) for name in _FIELDS}
    if is_sqlite(db):  # no UPDATE in a WITH there; its statements cost no round trip
        db.execute(_APPEND, values)
        db.execute(_MOVE_HEAD, {"b_ws": row.workspace_id, "seq": row.seq, "hash": row.hash})
        return
    moving = {"ev_" + name: value for name, value in values.items()}
    moving.update(b_ws=row.workspace_id, head_seq=row.seq, head_hash=row.hash)
    db.execute(_APPEND_MOVING_HEAD, moving)


# Every recorded event runs these: built once (decision 0015).
_HEAD = select(ledger_heads.c.seq, ledger_heads.c.hash).where(
    ledger_heads.c.workspace_id == bindparam("ws")
)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_APPEND = insert(access_events)
_MOVE_HEAD = update(ledger_heads).where(ledger_heads.c.workspace_id == bindparam("b_ws"))
# PostgreSQL: both in one statement, one round trip (a WITH's UPDATE always runs to completion).
# No parameter is named like a column, or SQLAlchemy would add it to the SET or the VALUES.
_APPEND_MOVING_HEAD = (
    insert(access_events)
    .values({name: bindparam("ev_" + name, type_=access_events.c[name].type) for name in _FIELDS})
    .add_cte(
        update(ledger_heads)
        .where(ledger_heads.c.workspace_id == bindparam("b_ws"))
        .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
        .cte("moved_head")
    )
)


def find_head(db: Session, *, workspace_id: int) -> tuple[int, str] | None:
    row = db.execute(
        select(ledger_heads.c.seq, ledger_heads.c.hash).where(
            ledger_heads.c.workspace_id == workspace_id
        )
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


@dataclass(frozen=True)
class CheckpointRow:
    workspace_id: int
    seq: int
    hash: str
    signed_at: datetime
    signature: str
    public_key: str


def iter_events(
    db: Session, *, workspace_id: int, after_seq: int | None = None, batch_size: int = 1000
) -> Iterator[LedgerRow]:
    """A chain's events in seq order (constant memory); all of them unless `after_seq` is given."""
    after = after_seq
    while True:
        stmt = select(access_events).where(access_events.c.workspace_id == workspace_id)
        if after is not None:
            stmt = stmt.where(access_events.c.seq > after)
        rows = db.execute(stmt.order_by(access_events.c.seq).limit(batch_size)).all()
        if not rows:
            return
        for r in rows:
            yield _to_row(r)
        after = rows[-1]._mapping["seq"]


def list_chains(db: Session) -> list[int]:
    """Every workspace id that has a chain (0 is the system chain)."""
    return [
        int(r[0])
        for r in db.execute(
            select(ledger_heads.c.workspace_id).order_by(ledger_heads.c.workspace_id)
        )
    ]


def find_event_hash(db: Session, *, workspace_id: int, seq: int) -> str | None:
    """The stored hash of one event, or None if the chain has no event with that seq."""
    value = db.execute(
        select(access_events.c.hash).where(
            access_events.c.workspace_id == workspace_id, access_events.c.seq == seq
        )
    ).scalar()
    return None if value is None else str(value)


def add_checkpoint(db: Session, row: CheckpointRow) -> None:
    """Keep a signed checkpoint beside the chain (the owner keeps a copy elsewhere)."""
    db.execute(
        insert(ledger_checkpoints).values(
            workspace_id=row.workspace_id,
            seq=row.seq,
            hash=row.hash,
            signature=row.signature,
            public_key=row.public_key,
            created_at=row.signed_at,
        )
    )


def list_checkpoints(db: Session, *, workspace_id: int) -> list[CheckpointRow]:
    """A chain's stored checkpoints, oldest first."""
    rows = db.execute(
        select(ledger_checkpoints)
        .where(ledger_checkpoints.c.workspace_id == workspace_id)
        .order_by(ledger_checkpoints.c.seq, ledger_checkpoints.c.id)
    ).all()
    return [
        CheckpointRow(
            workspace_id=r.workspace_id,
            seq=r.seq,
            hash=r.hash,
            signed_at=r.created_at,
            signature=r.signature,
            public_key=r.public_key,
        )
        for r in rows
    ]
