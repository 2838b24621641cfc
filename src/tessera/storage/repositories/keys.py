"""Stored workspace data keys (always wrapped): list, add, retire, replace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.keys import StoredKey
from tessera.storage.tables import workspace_keys


def list_keys(db: Session, *, workspace_id: int) -> list[StoredKey]:
    rows = db.execute(
        select(workspace_keys)
        .where(workspace_keys.c.workspace_id == workspace_id)
        .order_by(workspace_keys.c.version)
    ).all()
    return [
        StoredKey(
            version=r._mapping["version"],
            wrapped_key=bytes(r._mapping["wrapped_key"]),
            is_customer_held=r._mapping["is_customer_held"],
            kdf_salt=bytes(r._mapping["kdf_salt"]) if r._mapping["kdf_salt"] else None,
            kdf_params=r._mapping["kdf_params"],
            is_active=r._mapping["is_active"],
        )
        for r in rows
    ]


def next_version(db: Session, *, workspace_id: int) -> int:
    current = db.execute(
        select(func.max(workspace_keys.c.version)).where(
            workspace_keys.c.workspace_id == workspace_id
        )
    ).scalar_one_or_none()
    return int(current or 0) + 1


def add_key(
    db: Session,
    *,
    workspace_id: int,
    version: int,
    wrapped_key: bytes,
    is_customer_held: bool,
    kdf_salt: bytes | None,
    kdf_params: str | None,
    now: datetime,
) -> None:
    """Store a new version as the only active one."""
    db.execute(
        update(workspace_keys)
        .where(workspace_keys.c.workspace_id == workspace_id)
        .values(is_active=False)
    )
    db.execute(
        insert(workspace_keys).values(
            workspace_id=workspace_id,
            version=version,
            wrapped_key=wrapped_key,
            is_customer_held=is_customer_held,
            kdf_salt=kdf_salt,
            kdf_params=kdf_params,
            is_active=True,
            created_at=now,
        )
    )


def rewrap_key(
    db: Session,
    *,
    workspace_id: int,
    version: int,
    wrapped_key: bytes,
    is_customer_held: bool,
    kdf_salt: bytes | None,
    kdf_params: str | None,
) -> None:
    db.execute(
        update(workspace_keys)
        .where(workspace_keys.c.workspace_id == workspace_id, workspace_keys.c.version == version)
        .values(
            wrapped_key=wrapped_key,
            is_customer_held=is_customer_held,
            kdf_salt=kdf_salt,
            kdf_params=kdf_params,
        )
    )


def delete_keys(db: Session, *, workspace_id: int, versions: list[int] | None = None) -> None:
    """Destroy stored keys: all of a workspace's (crypto-shredding) or the given versions."""
    stmt = delete(workspace_keys).where(workspace_keys.c.workspace_id == workspace_id)
    if versions is not None:
        stmt = stmt.where(workspace_keys.c.version.in_(versions))
    db.execute(stmt)
