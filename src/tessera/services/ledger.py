"""The access ledger: an append-only, hash-chained log of reads and changes, per workspace."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from tessera.domain.entities import User
from tessera.domain.errors import Conflict, InvalidInput
from tessera.security import signing
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import Database, is_sqlite, read_transaction, write_transaction
from tessera.storage.repositories import ledger as ledger_repo
from tessera.storage.repositories.ledger import GENESIS_HASH, LedgerRow

SYSTEM_CHAIN = 0  # events that belong to no workspace: failed logins, operator actions
CHECKPOINT_CONTEXT = b"tessera-ledger-checkpoint-v1\n"  # domain separation for signatures
_MOVED_SEARCH_LIMIT = 100_000  # how far back to look for where a moved event was written


def event_hash(
    *,
    workspace_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of every field and the previous hash."""
    canonical = _canonical(
        [
            workspace_id,
            seq,
            at.isoformat(),
            actor_id,
            actor,
            action,
            object_type,
            object_id,
            detail,
            prev_hash,
        ]
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(values: list[object]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def record(
    db: Session,
    *,
    workspace_id: int,
    actor: User | None,
    action: str,
    object_type: str = "",
    object_id: str | int | None = None,
    detail: Mapping[str, object] | None = None,
    actor_label: str | None = None,
) -> None:
    """Append one event to a workspace's chain, inside the caller's write transaction.

    The event commits or rolls back with the work it describes. Appends to one chain are
    serialised by a lock on the chain's head row.

    Args:
        action: a dotted name such as `task.served`, `member.added`, `login.failed`.
        actor_label: who acted when there is no user (`system`, an email that failed to log in).
    """
    at = utcnow()
    actor_id = actor.id if actor else None
    who = actor.email if actor else (actor_label or "system")
    placed = "" if object_id is None else str(object_id)
    details = json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False)
    # `event_hash`'s canonical form around the seq and previous hash the chain's head supplies
    pre = _canonical([workspace_id])[:-1] + ","  # [workspace_id,
    middle = _canonical([at.isoformat(), actor_id, who, action, object_type, placed, details])
    ledger_repo.append(
        db,
        ledger_repo.NewEvent(
            workspace_id=workspace_id,
            at=at,
            actor_id=actor_id,
            actor=who,
            action=action,
            object_type=object_type,
            object_id=placed,
            detail=details,
            hash_pre=pre.encode("utf-8"),
            hash_mid=("," + middle[1:-1] + ',"').encode("utf-8"),
            hash_post=b'"]',
        ),
    )


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking a chain: `first_bad_seq` and `reason` name the first break."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement "this chain's event `seq` had hash `hash`", kept outside the server."""

    workspace_id: int
    seq: int
    hash: str
    signed_at: datetime
    signature: str  # base64 Ed25519 signature of `message()`
    public_key: str  # base64 raw Ed25519 public key

    def message(self) -> bytes:
        """The exact bytes that are signed."""
        body = json.dumps(
            [self.workspace_id, self.seq, self.hash, self.signed_at.isoformat()],
            separators=(",", ":"),
        )
        return CHECKPOINT_CONTEXT + body.encode("ascii")

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (the file `tessera audit checkpoint` writes)."""
        return {
            "workspace_id": self.workspace_id,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at.isoformat(),
            "signature": self.signature,
            "public_key": self.public_key,
        }

    @classmethod
    def from_dict(cls, data: object) -> Checkpoint:
        """Parse the JSON form.

        Raises:
            InvalidInput: a field is missing or has the wrong type.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput("a checkpoint is a JSON object")
        try:
            signed_at = datetime.fromisoformat(str(data["signed_at"]))
            cp = cls(
                workspace_id=_int(data["workspace_id"]),
                seq=_int(data["seq"]),
                hash=str(data["hash"]),
                signed_at=signed_at,
                signature=str(data["signature"]),
                public_key=str(data["public_key"]),
            )
        except KeyError as exc:
            raise InvalidInput("missing", field=str(exc.args[0])) from None
        except ValueError as exc:
            raise InvalidInput(f"not a checkpoint: {exc}") from None
        if signed_at.tzinfo is None:
            raise InvalidInput("must carry a time zone", field="signed_at")
        return cp


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("workspace_id and seq must be integers")
    return value


def row_hash(row: LedgerRow) -> str:
    """The hash an event's stored fields should have (compare with `row.hash`)."""
    stored = asdict(row)
    del stored["hash"]
    return event_hash(**stored)


@dataclass
class _Walk:
    """How far a walk along a chain got: the last good event, or the first break."""

    events: int = 0
    seq: int = 0
    hash: str = GENESIS_HASH
    bad_seq: int | None = None
    reason: str = ""

    def fail(self, seq: int, reason: str) -> _Walk:
        self.bad_seq, self.reason = seq, reason
        return self


def _missing(first: int, last: int) -> str:
    return f"event {first} is missing" if first == last else f"events {first} to {last} are missing"


def _written_as(row: LedgerRow, limit: int) -> int | None:
    """The seq an event was written under, if it now sits under another one (reordering)."""
    for seq in range(1, min(limit, _MOVED_SEARCH_LIMIT) + 1):
        if seq != row.seq and row_hash(_with_seq(row, seq)) == row.hash:
            return seq
    return None


def _with_seq(row: LedgerRow, seq: int) -> LedgerRow:
    return LedgerRow(**{**row.__dict__, "seq": seq})


def _walk(db: Session, workspace_id: int, walk: _Walk, *, search_limit: int) -> _Walk:
    """Follow the chain from `walk`'s position; stop at the first break."""
    after = None if walk.seq == 0 else walk.seq  # from the start, rows with seq <= 0 show up too
    for row in ledger_repo.iter_events(db, workspace_id=workspace_id, after_seq=after):
        expected = walk.seq + 1
        if row.seq < expected:
            return walk.fail(row.seq, f"event {row.seq} was inserted outside the chain")
        if row.seq > expected:
            return walk.fail(expected, _missing(expected, row.seq - 1))
        if row_hash(row) != row.hash:
            origin = _written_as(row, max(search_limit, row.seq + 1))
            if origin is not None:
                return walk.fail(row.seq, f"event {row.seq} was moved (written as event {origin})")
            return walk.fail(row.seq, f"event {row.seq} was altered")
        if row.prev_hash != walk.hash:
            return walk.fail(
                row.seq,
                f"event {row.seq} does not follow event {row.seq - 1} "
                "(an event before it was replaced or reordered)",
            )
        walk.events, walk.seq, walk.hash = walk.events + 1, row.seq, row.hash
    return walk


def _check_head(db: Session, workspace_id: int, walk: _Walk) -> _Walk:
    head = ledger_repo.find_head(db, workspace_id=workspace_id)
    if head is None:
        return walk if walk.seq == 0 else walk.fail(1, "the chain's head is missing")
    head_seq, head_hash = head
    if head_seq > walk.seq:
        return walk.fail(walk.seq + 1, _missing(walk.seq + 1, head_seq) + " (chain truncated)")
    if head_seq < walk.seq:
        return walk.fail(head_seq + 1, f"event {head_seq + 1} was appended outside the ledger")
    if head_hash != walk.hash:
        return walk.fail(head_seq, f"the chain's head does not match event {head_seq} (forged)")
    return walk


def _snapshot(db: Session) -> None:
    # One consistent view of head and rows while appends go on (SQLite's is one already).
    if not is_sqlite(db):
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _verify_open(db: Session, workspace_id: int) -> _Walk:
    head = ledger_repo.find_head(db, workspace_id=workspace_id)
    walk = _walk(db, workspace_id, _Walk(), search_limit=head[0] if head else 0)
    return walk if walk.bad_seq is not None else _check_head(db, workspace_id, walk)


def _report(walk: _Walk) -> VerifyReport:
    if walk.bad_seq is None:
        return VerifyReport(ok=True, events=walk.events)
    return VerifyReport(
        ok=False, events=walk.events, first_bad_seq=walk.bad_seq, reason=walk.reason
    )


def verify_chain(db: Session, workspace_id: int) -> VerifyReport:
    """Check one chain end to end: every hash, every link, no gap, and the head.

    For the operator's `tessera audit verify`; members use `verify_workspace_ledger`.
    """
    with read_transaction(db):
        _snapshot(db)
        return _report(_verify_open(db, workspace_id))


def verify_all(db: Session) -> dict[int, VerifyReport]:
    """Check every chain (the system chain is workspace 0), by workspace id."""
    with read_transaction(db):
        chains = ledger_repo.list_chains(db)
    return {ws: verify_chain(db, ws) for ws in chains}


def verify_checkpoint(db: Session, checkpoint: Checkpoint) -> VerifyReport:
    """Check a checkpoint's signature and that the chain still holds its event unchanged.

    A history rewritten with consistently recomputed hashes passes `verify_chain` but fails
    here, because the signed hash of event `seq` no longer matches.
    """
    if not signing.verify(checkpoint.public_key, checkpoint.message(), checkpoint.signature):
        return VerifyReport(ok=False, events=0, reason="the checkpoint's signature is not valid")
    seq = checkpoint.seq
    with read_transaction(db):
        if seq == 0:
            stored: str | None = GENESIS_HASH
        else:
            stored = ledger_repo.find_event_hash(db, workspace_id=checkpoint.workspace_id, seq=seq)
    if stored is None:
        return VerifyReport(ok=False, events=0, first_bad_seq=seq, reason=_missing(seq, seq))
    if stored != checkpoint.hash:
        return VerifyReport(
            ok=False,
            events=0,
            first_bad_seq=seq,
            reason=f"event {seq} does not match the signed checkpoint (history rewritten)",
        )
    return VerifyReport(ok=True, events=seq)


def _authorize_ledger(db: Session, actor: User, workspace_id: int) -> None:
    authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_LEDGER)


def check_ledger_access(db: Session, *, actor: User, workspace_id: int) -> None:
    """Refuse unless the actor is an owner or auditor of the workspace.

    Raises:
        NotFound: the actor is not a member (the workspace's existence stays hidden).
        Forbidden: the actor is a member with another role.
    """
    with read_transaction(db):
        _authorize_ledger(db, actor, workspace_id)


def verify_workspace_ledger(
    db: Session, *, actor: User, workspace_id: int, checkpoint: Checkpoint | None = None
) -> VerifyReport:
    """Verify a workspace's chain, and a checkpoint the caller kept, for an owner or auditor.

    Raises:
        NotFound: the actor is not a member of the workspace.
        Forbidden: the actor is neither an owner nor an auditor.
        InvalidInput: the checkpoint belongs to another workspace.
    """
    if checkpoint is not None and checkpoint.workspace_id != workspace_id:
        raise InvalidInput("belongs to another workspace", field="workspace_id")
    with read_transaction(db):
        _snapshot(db)
        _authorize_ledger(db, actor, workspace_id)
        report = _report(_verify_open(db, workspace_id))
    if checkpoint is None or not report.ok:
        return report
    checked = verify_checkpoint(db, checkpoint)
    return report if checked.ok else VerifyReport(**{**checked.__dict__, "events": report.events})


def create_checkpoint(
    db: Session, *, actor: User, workspace_id: int, signing_key: Ed25519PrivateKey
) -> Checkpoint:
    """Verify the chain, record the checkpoint on it, then sign and store its new head.

    The checkpoint covers its own `ledger.checkpointed` event. The long walk runs before the
    head is locked, so appends are held up only while the few newest events are checked.

    Raises:
        Conflict: the chain is broken; nothing is signed.
    """
    with read_transaction(db):
        _snapshot(db)
        _authorize_ledger(db, actor, workspace_id)
        walk = _verify_open(db, workspace_id)
    if walk.bad_seq is not None:
        raise Conflict(f"the ledger is broken ({walk.reason}); no checkpoint was signed")
    with write_transaction(db):
        _authorize_ledger(db, actor, workspace_id)
        record(db, workspace_id=workspace_id, actor=actor, action="ledger.checkpointed")
        walk = _check_head(db, workspace_id, _walk(db, workspace_id, walk, search_limit=0))
        if walk.bad_seq is not None:
            raise Conflict(f"the ledger is broken ({walk.reason}); no checkpoint was signed")
        unsigned = Checkpoint(workspace_id, walk.seq, walk.hash, utcnow(), "", "")
        cp = Checkpoint(
            workspace_id=workspace_id,
            seq=walk.seq,
            hash=walk.hash,
            signed_at=unsigned.signed_at,
            signature=signing.sign(signing_key, unsigned.message()),
            public_key=signing.public_key_b64(signing_key),
        )
        ledger_repo.add_checkpoint(db, ledger_repo.CheckpointRow(**cp.__dict__))
        return cp


def _event_json(row: LedgerRow) -> bytes:
    doc = {**row.__dict__, "at": row.at.isoformat()}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def open_ledger_export(
    database: Database, *, actor: User, workspace_id: int, after_seq: int = 0
) -> Iterator[bytes]:
    """Record `ledger.exported`, then stream the chain as JSONL on a session of its own.

    Each line holds every stored field, `detail` as the exact string that was hashed, so a
    client can recompute every hash without trusting the server.

    Raises:
        NotFound: the actor is not a member of the workspace.
        Forbidden: the actor is neither an owner nor an auditor.
    """
    if after_seq < 0:
        raise InvalidInput("must be 0 or more", field="after_seq")
    db = database.session()
    try:
        with write_transaction(db):
            _authorize_ledger(db, actor, workspace_id)
            record(
                db,
                workspace_id=workspace_id,
                actor=actor,
                action="ledger.exported",
                detail={"after_seq": after_seq},
            )
    except Exception:
        db.close()
        raise

    def stream() -> Iterator[bytes]:
        try:
            with read_transaction(db):
                for row in ledger_repo.iter_events(
                    db, workspace_id=workspace_id, after_seq=after_seq
                ):
                    yield _event_json(row)
        finally:
            db.close()

    return stream()


def public_key_fingerprint(public_key: str) -> str:
    """A short SHA-256 fingerprint of a base64 public key, for people comparing keys."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]
