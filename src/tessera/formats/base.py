"""Shared types of the streaming formats: records, format detection, line reading, JSON checks."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, Protocol

from tessera.domain.errors import InvalidInput

Record = dict[str, object]

DEFAULT_CHUNK_BYTES = 1 << 16
DEFAULT_MAX_RECORD_BYTES = 16 << 20

_BOM = b"\xef\xbb\xbf"
# A NUL or a lone UTF-16 surrogate (only reachable through a JSON \u escape) cannot be stored
# in PostgreSQL text/jsonb nor encoded back to UTF-8.
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class SourceRecord:
    """One record read from a file, with the 1-based line on which it starts."""

    line: int
    data: Record


class ImportFormat(StrEnum):
    """File formats a task import accepts."""

    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


class RecordReader(Protocol):
    """Streams records out of a binary file object, in constant memory."""

    def __call__(self, stream: BinaryIO, /) -> Iterator[SourceRecord]: ...


class ChunkWriter(Protocol):
    """Streams records into encoded byte chunks, in constant memory."""

    def __call__(self, records: Iterable[Mapping[str, object]], /) -> Iterator[bytes]: ...


_EXTENSIONS = {
    ".json": ImportFormat.JSON,
    ".jsonl": ImportFormat.JSONL,
    ".ndjson": ImportFormat.JSONL,
    ".csv": ImportFormat.CSV,
}
_CONTENT_TYPES = {
    "application/json": ImportFormat.JSON,
    "application/x-ndjson": ImportFormat.JSONL,
    "application/jsonl": ImportFormat.JSONL,
    "application/jsonlines": ImportFormat.JSONL,
    "application/x-jsonlines": ImportFormat.JSONL,
    "text/csv": ImportFormat.CSV,
}


def detect_format(filename: str | None, content_type: str | None) -> ImportFormat | None:
    """Guess a file's format from its extension, else from its content type.

    Args:
        filename: the uploaded file's name, if any; its extension wins over the content type.
        content_type: a MIME type, parameters such as ``; charset=utf-8`` allowed.

    Returns:
        The format, or None when neither says anything recognisable.
    """
    if filename:
        ext = os.path.splitext(filename)[1].lower()
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
    if content_type:
        mime = content_type.split(";", 1)[0].strip().lower()
        return _CONTENT_TYPES.get(mime)
    return None


def read_lines(
    stream: BinaryIO,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[tuple[int, str]]:
    """Stream the lines of a UTF-8 file as (1-based line number, text with its line ending).

    Splits on ``\\n`` only, so ``\\r\\n`` endings stay on the text. A UTF-8 BOM at the start is
    dropped.

    Raises:
        InvalidInput: a line is not valid UTF-8, holds a NUL byte, or exceeds max_line_bytes.
    """
    pending: list[bytes] = []
    pending_bytes = 0
    number = 0
    while chunk := stream.read(chunk_bytes):
        pieces = chunk.split(b"\n")
        for piece in pieces[:-1]:
            number += 1
            if pending:
                pending.append(piece)
                piece = b"".join(pending)
                pending, pending_bytes = [], 0
            yield number, _decode_line(piece + b"\n", number, max_line_bytes)
        tail = pieces[-1]
        if tail:
            pending.append(tail)
            pending_bytes += len(tail)
            if pending_bytes > max_line_bytes:
                raise InvalidInput(f"line is longer than {max_line_bytes} bytes", line=number + 1)
    if pending:
        number += 1
        yield number, _decode_line(b"".join(pending), number, max_line_bytes)


def _decode_line(raw: bytes, number: int, max_line_bytes: int) -> str:
    if number == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    ending = 2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0
    if len(raw) - ending > max_line_bytes:
        raise InvalidInput(f"line is longer than {max_line_bytes} bytes", line=number)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("invalid UTF-8 byte sequence", line=number) from None
    if "\x00" in text:
        raise InvalidInput("NUL byte is not allowed", line=number)
    return text


def json_kind(value: object) -> str:
    """Name a decoded JSON value's type the way JSON does (object, array, string ...)."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null"


def describe_json_error(message: str, column: int) -> str:
    """Phrase a JSON decoder message for people: ``invalid JSON: <message> (column N)``."""
    # The standard library ends some messages with a dangling "at" ("Invalid control
    # character at"), leaving the position to its own formatting.
    if message.endswith(" at"):
        return f"invalid JSON: {message} column {column}"
    return f"invalid JSON: {message} (column {column})"


def as_record(value: object, *, line: int) -> Record:
    """Check that a decoded JSON value is an object that can be stored, and return it.

    Raises:
        InvalidInput: the value is not an object, or holds a NUL, an unpaired surrogate escape
            or a non-finite number anywhere (keys and nested values included).
    """
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a JSON object, got {json_kind(value)}", line=line)
    # Iterative walk: nesting depth is bounded only by the JSON parser, not by our stack.
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, line)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, line)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput("NaN and Infinity are not allowed", line=line)
    return value


def _check_text(text: str, line: int) -> None:
    match = _BAD_CHAR.search(text)
    if match is None:
        return
    if match.group() == "\x00":
        raise InvalidInput("NUL byte is not allowed", line=line)
    raise InvalidInput("unpaired UTF-16 surrogate escape is not allowed", line=line)
