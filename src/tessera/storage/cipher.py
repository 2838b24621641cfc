"""The one seam through which item content and annotation values are sealed and opened."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session


class Purpose(StrEnum):
    """What a ciphertext holds; bound into it, so it cannot be moved to another column."""

    ITEM_CONTENT = "item.content"
    ANNOTATION_VALUE = "annotation.value"


class ContentCipher(Protocol):
    """Encrypts per workspace; implemented in `tessera.security.envelope` and wired in app.py."""

    def seal(self, workspace_id: int, purpose: str, plaintext: bytes) -> bytes: ...

    def open(self, workspace_id: int, purpose: str, ciphertext: bytes) -> bytes: ...


CIPHER_KEY = "tessera.cipher"


def cipher_of(db: Session) -> ContentCipher:
    """The cipher the session was opened with (see `Database.session`)."""
    cipher = db.info.get(CIPHER_KEY)
    if cipher is None:
        raise RuntimeError("session opened without a cipher; use Database.session()")
    return cipher  # type: ignore[no-any-return]


def seal_json(db: Session, workspace_id: int, purpose: Purpose, value: object) -> bytes:
    """Serialise to compact JSON and seal."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return cipher_of(db).seal(workspace_id, purpose.value, raw)


def open_json(db: Session, workspace_id: int, purpose: Purpose, sealed: bytes) -> object:
    """Open and parse what `seal_json` wrote."""
    return json.loads(cipher_of(db).open(workspace_id, purpose.value, sealed))
