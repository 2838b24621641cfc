"""Workspace keys: creation, rotation with re-encryption, customer-held passphrases, shredding."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tessera.domain.entities import User
from tessera.domain.errors import Conflict, InvalidInput, WorkspaceLocked
from tessera.domain.keys import StoredKey
from tessera.security.envelope import ACTIVE_VERSION_TTL_S, KDF_PARAMS, derive_customer_kek
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage import reencryption
from tessera.storage.cipher import cipher_of
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import keys as key_repo
from tessera.storage.repositories import workspaces as workspace_repo

PASSPHRASE_MIN_CHARS = 12
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class KeyStatus:
    versions: list[int]
    active_version: int
    is_customer_held: bool
    is_unlocked: bool


def create_workspace_key(db: Session, *, workspace_id: int) -> None:
    """Give a new workspace its first random data key, wrapped by the master key.

    Call inside the write transaction that creates the workspace.
    """
    _, wrapped = cipher_of(db).wrap_new_key(workspace_id, 1)
    key_repo.add_key(
        db,
        workspace_id=workspace_id,
        version=1,
        wrapped_key=wrapped,
        is_customer_held=False,
        kdf_salt=None,
        kdf_params=None,
        now=utcnow(),
    )


def key_status(db: Session, *, actor: User, workspace_id: int) -> KeyStatus:
    """Which versions exist, which is active, and whether the owner holds the key."""
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_KEYS)
        keys = key_repo.list_keys(db, workspace_id=workspace_id)
    held = any(k.is_customer_held for k in keys)
    return KeyStatus(
        versions=[k.version for k in keys],
        active_version=max((k.version for k in keys if k.is_active), default=0),
        is_customer_held=held,
        is_unlocked=not held or cipher_of(db).customer_kek(workspace_id) is not None,
    )


def set_passphrase(
    db: Session, *, actor: User, workspace_id: int, passphrase: str, current: str | None = None
) -> None:
    """Make the owner's passphrase the only way to unwrap the workspace's keys.

    Every key version is re-wrapped at once. From then on the workspace is locked after each
    restart until `unlock_workspace`. To change the passphrase give the `current` one.
    """
    if len(passphrase) < PASSPHRASE_MIN_CHARS:
        raise InvalidInput(
            f"must be at least {PASSPHRASE_MIN_CHARS} characters", field="passphrase"
        )
    cipher = cipher_of(db)
    salt = os.urandom(16)
    new_kek = derive_customer_kek(passphrase, salt)
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_KEYS)
        keys = key_repo.list_keys(db, workspace_id=workspace_id)
        old_kek = _current_kek(db, workspace_id, keys, current)
        for k in keys:
            raw = cipher.unwrap_key(workspace_id, k, old_kek)
            key_repo.rewrap_key(
                db,
                workspace_id=workspace_id,
                version=k.version,
                wrapped_key=cipher.wrap_key(workspace_id, k.version, raw, new_kek),
                is_customer_held=True,
                kdf_salt=salt,
                kdf_params=KDF_PARAMS,
            )
        ledger.record(db, workspace_id=workspace_id, actor=actor, action="key.passphrase_set")
        keys = key_repo.list_keys(db, workspace_id=workspace_id)
    cipher.forget(workspace_id)
    cipher.unlock(workspace_id, keys, new_kek)


def _current_kek(
    db: Session, workspace_id: int, keys: list[StoredKey], current: str | None
) -> bytes | None:
    held = [k for k in keys if k.is_customer_held]
    if not held:
        return None
    if current is None:
        raise Conflict("the workspace already has a passphrase: give the current one to change it")
    assert held[0].kdf_salt is not None and held[0].kdf_params is not None
    return derive_customer_kek(current, held[0].kdf_salt, held[0].kdf_params)


def unlock_workspace(db: Session, *, actor: User, workspace_id: int, passphrase: str) -> None:
    """Unwrap the keys with the owner's passphrase and keep them in this process's memory."""
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_KEYS)
        keys = key_repo.list_keys(db, workspace_id=workspace_id)
        held = [k for k in keys if k.is_customer_held]
        if not held:
            raise Conflict("this workspace has no passphrase; it is never locked")
        assert held[0].kdf_salt is not None and held[0].kdf_params is not None
        kek = derive_customer_kek(passphrase, held[0].kdf_salt, held[0].kdf_params)
        try:
            cipher_of(db).unlock(workspace_id, keys, kek)
        except Exception:
            ledger.record(db, workspace_id=workspace_id, actor=actor, action="key.unlock_failed")
            raise InvalidInput("wrong passphrase", field="passphrase") from None
        ledger.record(db, workspace_id=workspace_id, actor=actor, action="key.unlocked")


def lock_workspace(db: Session, *, actor: User, workspace_id: int) -> None:
    """Forget the unwrapped keys in this process now (they come back only with `unlock`)."""
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_KEYS)
        ledger.record(db, workspace_id=workspace_id, actor=actor, action="key.locked")
    cipher_of(db).forget(workspace_id)


def rotate_key(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    progress: Progress | None = None,
    settle_s: float = ACTIVE_VERSION_TTL_S + 1,
) -> int:
    """Start a new data key at once, re-encrypt everything under it, then destroy the old ones.

    Other server processes notice the new active version within ACTIVE_VERSION_TTL_S, so the
    sweep waits `settle_s` first: after that nothing new is sealed with an old key.

    Args:
        progress: called with (rows done, rows in all) as the sweep goes.

    Returns:
        The new key version.
    """
    cipher = cipher_of(db)
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_KEYS)
        keys = key_repo.list_keys(db, workspace_id=workspace_id)
        kek = None
        if any(k.is_customer_held for k in keys):
            kek = cipher.customer_kek(workspace_id)
            if kek is None:
                raise WorkspaceLocked()
        version = key_repo.next_version(db, workspace_id=workspace_id)
        _, wrapped = cipher.wrap_new_key(workspace_id, version, kek)
        held = [k for k in keys if k.is_customer_held]
        key_repo.add_key(
            db,
            workspace_id=workspace_id,
            version=version,
            wrapped_key=wrapped,
            is_customer_held=kek is not None,
            kdf_salt=held[0].kdf_salt if held else None,
            kdf_params=held[0].kdf_params if held else None,
            now=utcnow(),
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="key.rotated",
            detail={"version": version},
        )
    if kek is not None:
        with read_transaction(db):
            cipher.unlock(workspace_id, key_repo.list_keys(db, workspace_id=workspace_id), kek)
    else:
        cipher.forget(workspace_id)
    time.sleep(settle_s)
    reencryption.reencrypt_workspace(db, workspace_id=workspace_id, progress=progress)
    with write_transaction(db):
        old = [
            k.version
            for k in key_repo.list_keys(db, workspace_id=workspace_id)
            if k.version != version
        ]
        key_repo.delete_keys(db, workspace_id=workspace_id, versions=old)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="key.retired",
            detail={"versions": old},
        )
    return version


def delete_workspace(db: Session, *, actor: User, workspace_id: int) -> None:
    """Delete a workspace and destroy its keys: what remains anywhere, backups included, is
    ciphertext nobody can open (crypto-shredding). The ledger chain is kept; it holds no content.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.DELETE_WORKSPACE)
        ledger.record(db, workspace_id=workspace_id, actor=actor, action="workspace.deleted")
        key_repo.delete_keys(db, workspace_id=workspace_id)
        workspace_repo.delete_workspace(db, workspace_id=workspace_id)
    cipher_of(db).forget(workspace_id)
    reencryption.scrub_free_space(db)
