"""The access ledger: an append-only, hash-chained log of reads and changes, per workspace."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import User
from tessera.services.clock import utcnow
from tessera.storage.repositories import ledger as ledger_repo

SYSTEM_CHAIN = 0  # events that belong to no workspace: failed logins, operator actions


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
    canonical = json.dumps(
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
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    seq, prev = ledger_repo.lock_head(db, workspace_id=workspace_id)
    at = utcnow()
    fields = {
        "workspace_id": workspace_id,
        "seq": seq + 1,
        "at": at,
        "actor_id": actor.id if actor else None,
        "actor": actor.email if actor else (actor_label or "system"),
        "action": action,
        "object_type": object_type,
        "object_id": "" if object_id is None else str(object_id),
        "detail": json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False),
        "prev_hash": prev,
    }
    ledger_repo.append(db, ledger_repo.LedgerRow(**fields, hash=event_hash(**fields)))  # type: ignore[arg-type]
