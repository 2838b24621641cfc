"""AES-256-GCM encryption of workspace content under keys derived from the master key."""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tessera.domain.errors import TesseraError

_VERSION = b"\x01"
_NONCE_BYTES = 12
MASTER_KEY_BYTES = 32


class DecryptionFailed(TesseraError):
    """A ciphertext was altered, or moved to another workspace or purpose."""

    code = "decryption_failed"


class MasterKeyCipher:
    """Seals content with a per-workspace AES-256-GCM key derived (HKDF-SHA256) from the master key.

    Each ciphertext is bound by its associated data to the workspace and to its purpose, so a
    value copied into another workspace or another column fails to open. Issue 3 replaces the
    derivation with wrapped random data keys; callers do not change.
    """

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError("master key must be 32 bytes")
        self._master_key = master_key
        self._aead = lru_cache(maxsize=4096)(self._derive)

    def _derive(self, workspace_id: int) -> AESGCM:
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"tessera/workspace-data-key/v1/" + str(workspace_id).encode(),
        )
        return AESGCM(hkdf.derive(self._master_key))

    def seal(self, workspace_id: int, purpose: str, plaintext: bytes) -> bytes:
        """Encrypt; the output is version byte, 12-byte nonce, ciphertext and tag."""
        nonce = os.urandom(_NONCE_BYTES)
        aad = _aad(workspace_id, purpose)
        return _VERSION + nonce + self._aead(workspace_id).encrypt(nonce, plaintext, aad)

    def open(self, workspace_id: int, purpose: str, ciphertext: bytes) -> bytes:
        """Decrypt and authenticate, or raise `DecryptionFailed`."""
        if ciphertext[:1] != _VERSION or len(ciphertext) < 1 + _NONCE_BYTES + 16:
            raise DecryptionFailed("unknown ciphertext format")
        nonce = ciphertext[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead(workspace_id).decrypt(
                nonce, ciphertext[1 + _NONCE_BYTES :], _aad(workspace_id, purpose)
            )
        except Exception as exc:  # cryptography raises InvalidTag
            raise DecryptionFailed("ciphertext failed authentication") from exc


def _aad(workspace_id: int, purpose: str) -> bytes:
    return f"tessera|ws:{workspace_id}|{purpose}".encode()


def new_master_key() -> bytes:
    """32 random bytes for a new installation."""
    return os.urandom(MASTER_KEY_BYTES)
