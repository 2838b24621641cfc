"""Password hashing, tokens and secret files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.security import passwords, tokens
from tessera.security.keyfiles import ensure_secret_file, read_secret_file


def test_argon2id() -> None:
    h = passwords.hash_password("a long passphrase")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "a long passphrase")
    assert not passwords.verify_password(h, "wrong")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("garbage", "anything")


def test_tokens_are_random_and_hashed() -> None:
    a, b = tokens.new_api_token(), tokens.new_api_token()
    assert a != b and a.startswith("tsr_") and len(a) > 40
    assert tokens.hash_token(a) != a and len(tokens.hash_token(a)) == 64
    key = b"k" * 32
    assert tokens.csrf_token_for("s1", key) != tokens.csrf_token_for("s2", key)
    assert tokens.tokens_equal("x", "x") and not tokens.tokens_equal("x", "y")


def test_secret_files_are_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "d" / "secret.key"
    first = ensure_secret_file(path, lambda: b"one")
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_secret_file(path, lambda: b"two") == first == b"one"
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        read_secret_file(path)
