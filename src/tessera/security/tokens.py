"""Opaque bearer secrets (API tokens, sessions, CSRF): generated here, stored only hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_TOKEN_PREFIX = "tsr_"  # noqa: S105 (a public prefix, not a secret)


def new_api_token() -> str:
    """A fresh API token; shown to its owner once, stored as `hash_token(token)`."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_token() -> str:
    """A fresh browser-session secret for the cookie."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy token: enough, because such tokens cannot be guessed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token_for(session_token: str, secret_key: bytes) -> str:
    """The CSRF token bound to one session: an HMAC, so it needs no storage of its own."""
    return hmac.new(secret_key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
