"""Envelope encryption: per-workspace AES-256-GCM data keys, wrapped by the master key.

A workspace's data key is 32 random bytes, stored only wrapped: by the server's master key,
or, once the owner adds a passphrase, by a key derived from it (argon2id) instead, so that
the operator's master key alone cannot unwrap it. Every ciphertext names its key version and
is bound by its associated data to its workspace, its purpose (column) and its row.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Sequence

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tessera.domain.errors import TesseraError, WorkspaceLocked
from tessera.domain.keys import KeyLoader, StoredKey

MASTER_KEY_BYTES = 32
_NONCE = 12
_TAG = 16
_LEGACY = b"\x01"  # v1: HKDF-derived key, no version, no row binding (read only)
_CURRENT = b"\x02"  # v2: version byte, 4-byte key version, nonce, ciphertext+tag
LEGACY_VERSION = 0
ACTIVE_VERSION_TTL_S = 5.0  # how long a process trusts its idea of the active key version
KDF_PARAMS = "argon2id:t=3:m=65536:p=1"


class DecryptionFailed(TesseraError):
    """A ciphertext was altered, or moved to another workspace, column or row."""

    code = "decryption_failed"


def new_master_key() -> bytes:
    """32 random bytes for a new installation."""
    return os.urandom(MASTER_KEY_BYTES)


def derive_customer_kek(passphrase: str, salt: bytes, params: str = KDF_PARAMS) -> bytes:
    """The key-encryption key derived from an owner's passphrase (argon2id)."""
    fields = dict(p.split("=") for p in params.split(":")[1:])
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=int(fields["t"]),
        memory_cost=int(fields["m"]),
        parallelism=int(fields["p"]),
        hash_len=32,
        type=Type.ID,
    )


def _wrap(kek: bytes, payload: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(kek).encrypt(nonce, payload, aad)


def _unwrap(kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], aad)
    except Exception as exc:  # cryptography raises InvalidTag
        raise DecryptionFailed("a wrapped key failed authentication") from exc


def _key_aad(workspace_id: int, version: int) -> bytes:
    return f"tessera|key|ws:{workspace_id}|v:{version}".encode()


def _data_aad(workspace_id: int, purpose: str, row: str, version: int) -> bytes:
    return f"tessera|ws:{workspace_id}|{purpose}|row:{row}|v:{version}".encode()


class Keyring:
    """Seals and opens workspace content; caches unwrapped data keys for this process.

    Keys held by a customer passphrase stay usable only after `unlock` in this process, and
    are never evicted while unlocked. `forget` drops everything known about a workspace.
    """

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError("master key must be 32 bytes")
        self._master = master_key
        self._lock = threading.Lock()
        self._keys: dict[tuple[int, int], AESGCM] = {}
        self._active: dict[int, tuple[int, float]] = {}
        self._customer_keks: dict[int, bytes] = {}

    # -- wrapping, for the key-management service ------------------------------------------

    def wrap_new_key(
        self, workspace_id: int, version: int, customer_kek: bytes | None = None
    ) -> tuple[bytes, bytes]:
        """A fresh data key, returned as (raw, wrapped for storage)."""
        raw = os.urandom(32)
        return raw, self.wrap_key(workspace_id, version, raw, customer_kek)

    def wrap_key(
        self, workspace_id: int, version: int, raw: bytes, customer_kek: bytes | None
    ) -> bytes:
        """Wrap a data key by the customer's key if given (then the master key cannot open it),
        else by the master key."""
        return _wrap(customer_kek or self._master, raw, _key_aad(workspace_id, version))

    def unwrap_key(self, workspace_id: int, key: StoredKey, customer_kek: bytes | None) -> bytes:
        """The raw data key of a stored version (the customer's key is needed if it holds one)."""
        aad = _key_aad(workspace_id, key.version)
        if not key.is_customer_held:
            return _unwrap(self._master, key.wrapped_key, aad)
        if customer_kek is None:
            raise WorkspaceLocked()
        return _unwrap(customer_kek, key.wrapped_key, aad)

    def unlock(self, workspace_id: int, keys: Sequence[StoredKey], customer_kek: bytes) -> None:
        """Check the customer's key against every stored version and keep them unwrapped."""
        unwrapped = {
            k.version: AESGCM(self.unwrap_key(workspace_id, k, customer_kek)) for k in keys
        }
        with self._lock:
            self._customer_keks[workspace_id] = customer_kek
            for version, aead in unwrapped.items():
                self._keys[(workspace_id, version)] = aead
            self._active.pop(workspace_id, None)

    def customer_kek(self, workspace_id: int) -> bytes | None:
        """The unlocked customer key of a workspace, if this process holds one."""
        return self._customer_keks.get(workspace_id)

    def forget(self, workspace_id: int) -> None:
        """Drop every key of the workspace from memory (lock, rotation, deletion)."""
        with self._lock:
            self._customer_keks.pop(workspace_id, None)
            self._active.pop(workspace_id, None)
            for k in [k for k in self._keys if k[0] == workspace_id]:
                del self._keys[k]

    # -- content ---------------------------------------------------------------------------

    def seal(
        self, workspace_id: int, purpose: str, row: str, plaintext: bytes, keys: KeyLoader
    ) -> bytes:
        """Encrypt under the workspace's active key, bound to purpose and row."""
        version = self._active_version(workspace_id, keys)
        aead = self._aead(workspace_id, version, keys)
        nonce = os.urandom(_NONCE)
        body = aead.encrypt(nonce, plaintext, _data_aad(workspace_id, purpose, row, version))
        return _CURRENT + struct.pack(">I", version) + nonce + body

    def open(
        self, workspace_id: int, purpose: str, row: str, ciphertext: bytes, keys: KeyLoader
    ) -> bytes:
        """Decrypt and authenticate, or raise DecryptionFailed (WorkspaceLocked if locked)."""
        if ciphertext[:1] == _LEGACY:
            return self._open_legacy(workspace_id, purpose, ciphertext)
        if ciphertext[:1] != _CURRENT or len(ciphertext) < 5 + _NONCE + _TAG:
            raise DecryptionFailed("unknown ciphertext format")
        (version,) = struct.unpack(">I", ciphertext[1:5])
        aead = self._aead(workspace_id, version, keys)
        nonce = ciphertext[5 : 5 + _NONCE]
        try:
            return aead.decrypt(
                nonce, ciphertext[5 + _NONCE :], _data_aad(workspace_id, purpose, row, version)
            )
        except Exception as exc:  # cryptography raises InvalidTag
            raise DecryptionFailed("ciphertext failed authentication") from exc

    @staticmethod
    def key_version_of(ciphertext: bytes) -> int:
        """The key version a ciphertext was sealed with (0 for the legacy format)."""
        if ciphertext[:1] == _CURRENT:
            return int(struct.unpack(">I", ciphertext[1:5])[0])
        return LEGACY_VERSION

    def _active_version(self, workspace_id: int, keys: KeyLoader) -> int:
        cached = self._active.get(workspace_id)
        if cached and time.monotonic() - cached[1] < ACTIVE_VERSION_TTL_S:
            return cached[0]
        stored = keys()
        active = [k.version for k in stored if k.is_active]
        version = max(active) if active else LEGACY_VERSION
        with self._lock:
            self._active[workspace_id] = (version, time.monotonic())
        return version

    def _aead(self, workspace_id: int, version: int, keys: KeyLoader) -> AESGCM:
        found = self._keys.get((workspace_id, version))
        if found is not None:
            return found
        if version == LEGACY_VERSION:
            aead = AESGCM(self._legacy_key(workspace_id))
        else:
            stored = next((k for k in keys() if k.version == version), None)
            if stored is None:
                raise DecryptionFailed("the key of this ciphertext no longer exists")
            kek = self._customer_keks.get(workspace_id)
            aead = AESGCM(self.unwrap_key(workspace_id, stored, kek))
        with self._lock:
            self._keys[(workspace_id, version)] = aead
        return aead

    def _legacy_key(self, workspace_id: int) -> bytes:
        # Version 0.1's derivation; kept so data written before wrapped keys stays readable.
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"tessera/workspace-data-key/v1/" + str(workspace_id).encode(),
        )
        return hkdf.derive(self._master)

    def _open_legacy(self, workspace_id: int, purpose: str, ciphertext: bytes) -> bytes:
        aead = self._aead(workspace_id, LEGACY_VERSION, lambda: ())
        nonce = ciphertext[1 : 1 + _NONCE]
        aad = f"tessera|ws:{workspace_id}|{purpose}".encode()
        try:
            return aead.decrypt(nonce, ciphertext[1 + _NONCE :], aad)
        except Exception as exc:
            raise DecryptionFailed("ciphertext failed authentication") from exc
