"""CSV with a header row, read and written as streams; written cells are formula-safe."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

from tessera.domain.errors import InvalidInput
from tessera.formats.base import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_RECORD_BYTES,
    SourceRecord,
    read_lines,
)

# Spreadsheets evaluate a cell starting with one of these as a formula (OWASP "CSV Injection").
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def read_csv(
    stream: BinaryIO,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[SourceRecord]:
    """Stream the rows of a CSV file as records keyed by the header row; values are strings.

    Quoted fields may span lines; each record carries the line on which it starts. Blank lines
    are skipped.

    Args:
        stream: the file, opened in binary mode.
        chunk_bytes: how much to read at a time.
        max_record_bytes: the longest physical line accepted.

    Raises:
        InvalidInput: a row's width differs from the header's, the quoting is broken, the header
            repeats a name, or the file is not clean UTF-8.
    """
    lines = read_lines(stream, chunk_bytes=chunk_bytes, max_line_bytes=max_record_bytes)
    reader = csv.reader((text for _, text in lines), strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(_describe_csv_error(exc), line=start) from None
        if not row:
            continue
        if header is None:
            header = _check_header(row, start)
            continue
        if len(row) != len(header):
            raise InvalidInput(f"row has {len(row)} columns, header has {len(header)}", line=start)
        yield SourceRecord(line=start, data=dict(zip(header, row, strict=True)))


def _describe_csv_error(exc: csv.Error) -> str:
    message = str(exc)
    # The csv module's own advice ("open the file in universal-newline mode") is for Python
    # programmers; a lone carriage return is the uploader's problem.
    if message.startswith("new-line character seen in unquoted field"):
        return "invalid CSV: line break inside an unquoted field (lines must end in \\n or \\r\\n)"
    if message.startswith("field larger than field limit"):
        return f"invalid CSV: a field is longer than {csv.field_size_limit()} characters"
    return f"invalid CSV: {message}"


def _check_header(row: list[str], line: int) -> list[str]:
    seen: set[str] = set()
    for name in row:
        if name in seen:
            raise InvalidInput(f"column name '{name}' appears twice in the header", line=line)
        seen.add(name)
    return row


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Iterator[bytes]:
    """Encode a header and rows as UTF-8 CSV (RFC 4180, ``\\r\\n`` line endings).

    Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
    tab or carriage return) get a leading ``'``; header names too. None becomes an empty cell,
    booleans ``true``/``false``, lists and dicts their JSON text.

    Yields chunks of roughly chunk_bytes, each holding whole rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_formula(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def neutralise_formula(text: str) -> str:
    """Prefix text with ``'`` when a spreadsheet would evaluate it as a formula."""
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return neutralise_formula(text)
