"""Envelope encryption: wrapped per-workspace keys, binding, versions, customer-held keys."""

from __future__ import annotations

import os

import pytest

from tessera.domain.errors import WorkspaceLocked
from tessera.domain.keys import StoredKey
from tessera.security.envelope import DecryptionFailed, Keyring, derive_customer_kek


def _key(ring: Keyring, ws: int, version: int = 1, kek: bytes | None = None) -> StoredKey:
    _, wrapped = ring.wrap_new_key(ws, version, kek)
    return StoredKey(version, wrapped, kek is not None, b"s" * 16 if kek else None, None, True)


def test_round_trip_fresh_nonces_and_versions() -> None:
    ring = Keyring(os.urandom(32))
    keys = [_key(ring, 1)]
    a = ring.seal(1, "item.content", "row1", b"secret", lambda: keys)
    b = ring.seal(1, "item.content", "row1", b"secret", lambda: keys)
    assert a != b and b"secret" not in a
    assert ring.key_version_of(a) == 1
    assert ring.open(1, "item.content", "row1", a, lambda: keys) == b"secret"


@pytest.mark.parametrize(
    ("ws", "purpose", "row"),
    [(2, "item.content", "row1"), (1, "annotation.value", "row1"), (1, "item.content", "row2")],
)
def test_ciphertext_is_bound_to_workspace_purpose_and_row(ws: int, purpose: str, row: str) -> None:
    ring = Keyring(os.urandom(32))
    keys = {1: [_key(ring, 1)], 2: [_key(ring, 2)]}
    sealed = ring.seal(1, "item.content", "row1", b"secret", lambda: keys[1])
    with pytest.raises(DecryptionFailed):
        ring.open(ws, purpose, row, sealed, lambda: keys[ws])


def test_tampering_and_other_master_keys_fail() -> None:
    ring = Keyring(os.urandom(32))
    keys = [_key(ring, 1)]
    sealed = bytearray(ring.seal(1, "p", "r", b"secret", lambda: keys))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        ring.open(1, "p", "r", bytes(sealed), lambda: keys)
    other = Keyring(os.urandom(32))
    with pytest.raises(DecryptionFailed):
        other.open(1, "p", "r", ring.seal(1, "p", "r", b"x", lambda: keys), lambda: keys)
    with pytest.raises(DecryptionFailed):
        ring.open(1, "p", "r", b"\x09short", lambda: keys)


def test_customer_held_key_locks_until_unlocked() -> None:
    master = os.urandom(32)
    kek = derive_customer_kek("a long passphrase", b"s" * 16)
    ring = Keyring(master)
    keys = [_key(ring, 7, kek=kek)]
    ring.unlock(7, keys, kek)
    sealed = ring.seal(7, "p", "r", b"secret", lambda: keys)
    restarted = Keyring(master)  # a new process: same master key, nothing unlocked
    with pytest.raises(WorkspaceLocked):
        restarted.open(7, "p", "r", sealed, lambda: keys)
    with pytest.raises(DecryptionFailed):
        restarted.unlock(7, keys, derive_customer_kek("wrong passphrase!", b"s" * 16))
    restarted.unlock(7, keys, kek)
    assert restarted.open(7, "p", "r", sealed, lambda: keys) == b"secret"
    restarted.forget(7)
    with pytest.raises(WorkspaceLocked):
        restarted.open(7, "p", "r", sealed, lambda: keys)


def test_old_versions_stay_readable_and_new_writes_use_the_active_one() -> None:
    ring = Keyring(os.urandom(32))
    v1 = _key(ring, 1)
    old = ring.seal(1, "p", "r", b"old", lambda: [v1])
    v2 = _key(ring, 1, 2)
    keys = [StoredKey(1, v1.wrapped_key, False, None, None, False), v2]
    ring.forget(1)
    assert ring.open(1, "p", "r", old, lambda: keys) == b"old"
    assert ring.key_version_of(ring.seal(1, "p", "r", b"new", lambda: keys)) == 2


def test_master_key_length_is_checked() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Keyring(b"short")
