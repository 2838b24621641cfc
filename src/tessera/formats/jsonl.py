"""JSON Lines: one JSON object per line, read and written as streams."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

from tessera.domain.errors import InvalidInput
from tessera.formats.base import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_RECORD_BYTES,
    SourceRecord,
    as_record,
    describe_json_error,
    read_lines,
)

_JSON_WHITESPACE = " \t\r\n"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def read_jsonl(
    stream: BinaryIO,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[SourceRecord]:
    """Stream the objects of a JSON Lines file; blank lines are skipped.

    Args:
        stream: the file, opened in binary mode.
        chunk_bytes: how much to read at a time.
        max_record_bytes: the longest line accepted.

    Raises:
        InvalidInput: a line is not one JSON object, or the file is not clean UTF-8.
    """
    for number, text in read_lines(
        stream, chunk_bytes=chunk_bytes, max_line_bytes=max_record_bytes
    ):
        # Without the line ending, an error at the end of the line gets this line's column.
        text = text.rstrip(_JSON_WHITESPACE)
        if not text:
            continue
        yield SourceRecord(line=number, data=as_record(_parse_line(text, number), line=number))


def _parse_line(text: str, line: int) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(describe_json_error(exc.msg, exc.colno), line=line) from None
    except ValueError:
        # int() refuses numbers with thousands of digits (CPython's int_max_str_digits).
        raise InvalidInput("invalid JSON: number has too many digits", line=line) from None
    except RecursionError:
        raise InvalidInput("invalid JSON: nesting is too deep", line=line) from None


def write_jsonl(
    records: Iterable[Mapping[str, object]], *, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[bytes]:
    """Encode records as JSON Lines: UTF-8, compact, one object per ``\\n``-terminated line.

    Yields chunks of roughly chunk_bytes, each holding whole lines.
    """
    lines: list[bytes] = []
    size = 0
    for record in records:
        # JSONEncoder serialises dict only, not every Mapping.
        obj = record if isinstance(record, dict) else dict(record)
        line = (_ENCODER.encode(obj) + "\n").encode("utf-8")
        lines.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield b"".join(lines)
            lines, size = [], 0
    if lines:
        yield b"".join(lines)
