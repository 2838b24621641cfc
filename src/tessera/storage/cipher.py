"""The one seam through which workspace content is sealed and opened: purpose, row and key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from functools import partial
from typing import Protocol

from sqlalchemy.orm import Session

from tessera.domain.keys import KeyLoader, StoredKey
from tessera.storage.repositories import keys as key_repo


class Purpose(StrEnum):
    """What a ciphertext holds; bound into it, so it cannot be moved to another column."""

    ITEM_CONTENT = "item.content"
    ANNOTATION_VALUE = "annotation.value"
    PROJECT_GUIDELINES = "project.guidelines"
    REVIEW_REASON = "review.reason"
    REVIEW_FIXED_VALUE = "review.fixed_value"
    REVIEW_REPLACED_VALUE = "review.replaced_value"
    MEDIA_CONTENT = "media.content"
    ITEM_GOLD = "item.gold"
    QUALITY_RESULT = "quality.result"


class ContentCipher(Protocol):
    """Encrypts per workspace; implemented by `tessera.security.envelope.Keyring`, wired in app."""

    def seal(
        self, workspace_id: int, purpose: str, row: str, plaintext: bytes, keys: KeyLoader
    ) -> bytes: ...

    def open(
        self, workspace_id: int, purpose: str, row: str, ciphertext: bytes, keys: KeyLoader
    ) -> bytes: ...

    def wrap_new_key(
        self, workspace_id: int, version: int, customer_kek: bytes | None = None
    ) -> tuple[bytes, bytes]: ...

    def wrap_key(
        self, workspace_id: int, version: int, raw: bytes, customer_kek: bytes | None
    ) -> bytes: ...

    def unwrap_key(
        self, workspace_id: int, key: StoredKey, customer_kek: bytes | None
    ) -> bytes: ...

    def unlock(self, workspace_id: int, keys: Sequence[StoredKey], customer_kek: bytes) -> None: ...

    def customer_kek(self, workspace_id: int) -> bytes | None: ...

    def key_version_of(self, ciphertext: bytes) -> int: ...

    def forget(self, workspace_id: int) -> None: ...


CIPHER_KEY = "tessera.cipher"


def cipher_of(db: Session) -> ContentCipher:
    """The cipher the session was opened with (see `Database.session`)."""
    cipher = db.info.get(CIPHER_KEY)
    if cipher is None:
        raise RuntimeError("session opened without a cipher; use Database.session()")
    return cipher  # type: ignore[no-any-return]


def key_loader(db: Session, workspace_id: int) -> KeyLoader:
    """Reads the workspace's stored keys on this session (it sees keys this transaction added)."""
    return partial(key_repo.list_keys, db, workspace_id=workspace_id)


def seal_json(db: Session, workspace_id: int, purpose: Purpose, row: str, value: object) -> bytes:
    """Serialise to compact JSON and seal, bound to the workspace, the purpose and the row."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return cipher_of(db).seal(workspace_id, purpose.value, row, raw, key_loader(db, workspace_id))


def open_json(db: Session, workspace_id: int, purpose: Purpose, row: str, sealed: bytes) -> object:
    """Open and parse what `seal_json` wrote for the same workspace, purpose and row."""
    return json.loads(open_json_text(db, workspace_id, purpose, row, sealed))


def open_json_text(
    db: Session, workspace_id: int, purpose: Purpose, row: str, sealed: bytes
) -> bytes:
    """Open what `seal_json` wrote, leaving it the JSON text it was (UTF-8), for a response that
    passes it on: the seal authenticates it, so it is the text `seal_json` produced. That is
    strict JSON where the value was (item content is: imports refuse NaN and Infinity)."""
    return cipher_of(db).open(
        workspace_id, purpose.value, row, bytes(sealed), key_loader(db, workspace_id)
    )


def item_row(project_id: int, external_id: str) -> str:
    """An item's identity for binding: stable from before its insert (its id is not)."""
    return f"item:{project_id}:{external_id}"


def annotation_row(assignment_id: int) -> str:
    return f"annotation:{assignment_id}"


def guidelines_row(project_id: int) -> str:
    return f"project:{project_id}:guidelines"


def review_row(review_id: int) -> str:
    """A review round's identity for binding (its columns differ by purpose)."""
    return f"review:{review_id}"


def result_row(item_id: int, question: str) -> str:
    """An aggregated result's identity: its item and question (one result per pair)."""
    return f"result:{item_id}:{question}"


def media_row(media_id: int) -> str:
    return f"media:{media_id}"
