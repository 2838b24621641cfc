"""Envelope encryption: per-workspace keys, binding to purpose, tamper detection."""

from __future__ import annotations

import os

import pytest

from tessera.security.envelope import DecryptionFailed, MasterKeyCipher


def test_round_trip_and_fresh_nonces() -> None:
    c = MasterKeyCipher(os.urandom(32))
    a = c.seal(1, "item.content", b"secret")
    b = c.seal(1, "item.content", b"secret")
    assert a != b and b"secret" not in a
    assert c.open(1, "item.content", a) == b"secret"


@pytest.mark.parametrize(("ws", "purpose"), [(2, "item.content"), (1, "annotation.value")])
def test_ciphertext_is_bound_to_workspace_and_purpose(ws: int, purpose: str) -> None:
    c = MasterKeyCipher(os.urandom(32))
    sealed = c.seal(1, "item.content", b"secret")
    with pytest.raises(DecryptionFailed):
        c.open(ws, purpose, sealed)


def test_tampering_and_other_master_keys_fail() -> None:
    c = MasterKeyCipher(os.urandom(32))
    sealed = bytearray(c.seal(1, "p", b"secret"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        c.open(1, "p", bytes(sealed))
    with pytest.raises(DecryptionFailed):
        MasterKeyCipher(os.urandom(32)).open(1, "p", c.seal(1, "p", b"x"))
    with pytest.raises(DecryptionFailed):
        c.open(1, "p", b"\x02short")


def test_master_key_length_is_checked() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKeyCipher(b"short")
