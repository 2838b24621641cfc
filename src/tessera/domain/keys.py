"""Workspace data keys as stored: wrapped, versioned, optionally also wrapped by the customer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredKey:
    """One version of a workspace's data key, as the database holds it (never in clear)."""

    version: int
    wrapped_key: bytes
    is_customer_held: bool
    kdf_salt: bytes | None
    kdf_params: str | None
    is_active: bool


# Reads a workspace's stored keys; the cipher calls it only when its cache misses.
KeyLoader = Callable[[], Sequence[StoredKey]]
