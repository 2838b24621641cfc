"""The access ledger's rows: append under the chain head's lock, read a chain in order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    LargeBinary,
    Text,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, access_events, ledger_checkpoints, ledger_heads

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class EventFields:
    """What an event says, before the chain places it."""

    workspace_id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str


@dataclass(frozen=True)
class LedgerRow(EventFields):
    """A stored event: what it says, where the chain placed it, and its hash."""

    seq: int
    prev_hash: str
    hash: str


_FIELDS = tuple(f.name for f in fields(LedgerRow))


def _to_row(r: AnyRow) -> LedgerRow:
    m = r._mapping
    return LedgerRow(**{name: m[name] for name in _FIELDS})


@dataclass(frozen=True)
class NewEvent(EventFields):
    """An event to append, with the bytes its hash is made of around the two values only the
    chain's head supplies: `sha256(hash_pre + seq + hash_mid + prev_hash + hash_post)` in
    lowercase hex, with `seq` in decimal and `prev_hash` as stored, both ASCII.
    """

    hash_pre: bytes
    hash_mid: bytes
    hash_post: bytes


_EVENT_FIELDS = tuple(f.name for f in fields(EventFields))


def append(db: Session, event: NewEvent) -> None:
    """Place the event after its chain's head and move the head onto it (a new chain's head is
    created). The head's row stays locked until the transaction ends: appends to one chain
    run one at a time."""
    if is_sqlite(db):  # SQLite's write lock is held; its statements cost no round trip
        seq, prev = _sqlite_head(db, event.workspace_id)
        values: dict[str, object] = {name: getattr(event, name) for name in _EVENT_FIELDS}
        values.update(seq=seq + 1, prev_hash=prev, hash=_chain_hash(event, seq + 1, prev))
        db.execute(_APPEND, values)
        db.execute(_MOVE_HEAD, {"b_ws": event.workspace_id, "seq": seq + 1, "hash": values["hash"]})
        return
    # PostgreSQL: one statement, one round trip. A chain's first event finds no head to
    # place itself after: the head is created and the statement runs again.
    params: dict[str, object] = {"ev_" + name: getattr(event, name) for name in _EVENT_FIELDS}
    params.update(pre=event.hash_pre, mid=event.hash_mid, post=event.hash_post)
    if _placed(db, params):
        return
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    db.execute(
        pg_insert(ledger_heads)
        .values(workspace_id=event.workspace_id, seq=0, hash=GENESIS_HASH)
        .on_conflict_do_nothing()
    )
    assert _placed(db, params), "the chain has a head now"


def _placed(db: Session, params: dict[str, object]) -> bool:
    result = cast(CursorResult[Any], db.execute(_APPEND_AT_HEAD, params))
    return result.rowcount == 1


def _sqlite_head(db: Session, workspace_id: int) -> tuple[int, str]:
    row = db.execute(_HEAD, {"ws": workspace_id}).first()
    if row is not None:
        return int(row[0]), str(row[1])
    db.execute(insert(ledger_heads).values(workspace_id=workspace_id, seq=0, hash=GENESIS_HASH))
    return 0, GENESIS_HASH


def _chain_hash(event: NewEvent, seq: int, prev_hash: str) -> str:
    """`NewEvent`'s hash, as `_APPEND_AT_HEAD` computes it in PostgreSQL."""
    canonical = b"".join(
        (event.hash_pre, str(seq).encode(), event.hash_mid, prev_hash.encode(), event.hash_post)
    )
    return hashlib.sha256(canonical).hexdigest()


def _bytes_cat(*parts: ColumnElement[Any]) -> ColumnElement[Any]:
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||", return_type=LargeBinary)(part)
    return joined


def _append_at_head() -> Insert:
    """PostgreSQL's append in one statement (`sha256` is built in since PostgreSQL 11):

        WITH head AS (SELECT seq, hash FROM ledger_heads WHERE workspace_id = :ws FOR UPDATE),
        moved AS (UPDATE ledger_heads SET seq = head.seq + 1, hash = <hash> FROM head WHERE ...
                  RETURNING ledger_heads.seq, ledger_heads.hash, head.hash AS prev_hash)
        INSERT INTO access_events (...) SELECT :ev_..., moved.seq, moved.prev_hash, moved.hash
        FROM moved

    `FOR UPDATE` waits for a concurrent append to commit and reads the head it left; the
    `UPDATE` moves that row version. With no head row nothing is inserted. No parameter is
    named like a column, or SQLAlchemy would add it to the SET or the VALUES.
    """
    ws = bindparam("ev_workspace_id", type_=ledger_heads.c.workspace_id.type)
    head = (
        select(ledger_heads.c.workspace_id, ledger_heads.c.seq, ledger_heads.c.hash)
        .where(ledger_heads.c.workspace_id == ws)
        .with_for_update()
        .cte("head")
    )
    seq = head.c.seq + 1
    chained = _bytes_cat(
        bindparam("pre", type_=LargeBinary),
        func.convert_to(seq.cast(Text), literal_column("'UTF8'")),
        bindparam("mid", type_=LargeBinary),
        func.convert_to(head.c.hash, literal_column("'UTF8'")),
        bindparam("post", type_=LargeBinary),
    )
    moved = (
        update(ledger_heads)
        .where(ledger_heads.c.workspace_id == head.c.workspace_id)
        .values(seq=seq, hash=func.encode(func.sha256(chained), literal_column("'hex'")))
        .returning(ledger_heads.c.seq, ledger_heads.c.hash, head.c.hash.label("prev_hash"))
        .cte("moved")
    )
    placed: dict[str, ColumnElement[Any]] = {
        name: bindparam("ev_" + name, type_=access_events.c[name].type) for name in _EVENT_FIELDS
    }
    placed.update(seq=moved.c.seq, prev_hash=moved.c.prev_hash, hash=moved.c.hash)
    return (
        insert(access_events)
        .from_select(list(placed), select(*(column.label(name) for name, column in placed.items())))
        .execution_options(preserve_rowcount=True)  # an INSERT's count is kept only if asked
    )


# Every recorded event runs these: built once (decision 0015).
_HEAD = select(ledger_heads.c.seq, ledger_heads.c.hash).where(
    ledger_heads.c.workspace_id == bindparam("ws")
)
_APPEND = insert(access_events)
_MOVE_HEAD = update(ledger_heads).where(ledger_heads.c.workspace_id == bindparam("b_ws"))
_APPEND_AT_HEAD = _append_at_head()


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
