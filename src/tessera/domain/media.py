"""Uploaded media: the accepted image kinds, sniffed from their bytes, and `media:<id>` refs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tessera.domain.errors import InvalidInput, UnsupportedMediaType

MEDIA_SCHEME = "media:"
_MEDIA_REF = re.compile(r"media:([1-9][0-9]{0,17})")


class MediaType(StrEnum):
    """The only content types the server stores and serves; chosen from the bytes."""

    PNG = "image/png"
    JPEG = "image/jpeg"
    GIF = "image/gif"
    WEBP = "image/webp"


@dataclass(frozen=True)
class Media:
    """One stored upload, without its bytes."""

    id: int
    workspace_id: int
    project_id: int
    content_type: MediaType
    size_bytes: int
    sha256: str
    created_at: datetime

    @property
    def src(self) -> str:
        """The reference an item's image field uses."""
        return f"{MEDIA_SCHEME}{self.id}"


def sniff_media_type(data: bytes) -> MediaType:
    """The image kind the bytes start with; whatever the uploader declared does not count.

    Raises:
        UnsupportedMediaType: not a PNG, JPEG, GIF or WebP file.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return MediaType.GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MediaType.WEBP
    raise UnsupportedMediaType("only PNG, JPEG, GIF and WebP images are accepted")


def media_id_of(ref: str, *, field: str, line: int | None = None) -> int:
    """The id in a `media:<id>` reference.

    Raises:
        InvalidInput: any other reference (an external URL, a path, a malformed id).
    """
    found = _MEDIA_REF.fullmatch(ref)
    if found is None:
        raise InvalidInput(
            "an image must be uploaded first and referenced as media:<id> "
            "(POST .../projects/{project_id}/media); external URLs and paths are refused",
            field=field,
            line=line,
        )
    return int(found.group(1))
