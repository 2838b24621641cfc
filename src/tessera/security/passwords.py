"""argon2id password hashing and the generator for one-time passwords."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_CHARS = 12


def hash_password(password: str) -> str:
    """Hash a password with argon2id; the result embeds its salt and parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, still spend the same time so timing reveals nothing."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    # made on first use, not at import: hashing costs ~100 ms on every start
    return _hasher.hash("not-a-real-password")


def generate_password() -> str:
    """A random password of about 120 bits, easy to copy (no ambiguous punctuation)."""
    return secrets.token_urlsafe(15)
