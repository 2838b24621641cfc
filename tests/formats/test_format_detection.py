"""Format detection, reader dispatch and the shared line reader."""

from __future__ import annotations

import io

import pytest

from tessera.domain.errors import InvalidInput
from tessera.formats import ImportFormat, SourceRecord, detect_format, read_lines, read_records


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("tasks.json", None, ImportFormat.JSON),
        ("TASKS.JSONL", None, ImportFormat.JSONL),
        ("tasks.ndjson", "application/json", ImportFormat.JSONL),
        ("export.csv", None, ImportFormat.CSV),
        ("archive.tar.gz", "text/csv; charset=utf-8", ImportFormat.CSV),
        (None, "application/json", ImportFormat.JSON),
        (None, "application/x-ndjson", ImportFormat.JSONL),
        ("upload", "application/jsonl", ImportFormat.JSONL),
        (None, "Text/CSV", ImportFormat.CSV),
        ("notes.txt", "text/plain", None),
        (None, None, None),
        ("", "", None),
    ],
)
def test_detect_format(
    filename: str | None, content_type: str | None, expected: ImportFormat | None
) -> None:
    assert detect_format(filename, content_type) == expected


def test_import_format_values_are_the_wire_names() -> None:
    assert [f.value for f in ImportFormat] == ["json", "jsonl", "csv"]
    assert ImportFormat("jsonl") is ImportFormat.JSONL


@pytest.mark.parametrize(
    ("fmt", "content", "line"),
    [
        (ImportFormat.JSON, b'[{"a": "1"}]', 1),
        (ImportFormat.JSONL, b'{"a": "1"}\n', 1),
        (ImportFormat.CSV, b"a\n1\n", 2),
    ],
)
def test_read_records_dispatches_on_the_format(
    fmt: ImportFormat, content: bytes, line: int
) -> None:
    records = list(read_records(io.BytesIO(content), fmt))
    assert records == [SourceRecord(line=line, data={"a": "1"})]


def test_read_lines_keeps_line_endings_and_drops_the_bom() -> None:
    content = b"\xef\xbb\xbffirst\r\nsecond\n\nlast"
    for chunk_bytes in (1, 4, 1 << 16):
        lines = list(read_lines(io.BytesIO(content), chunk_bytes=chunk_bytes))
        assert lines == [(1, "first\r\n"), (2, "second\n"), (3, "\n"), (4, "last")]


def test_read_lines_rejects_a_line_longer_than_the_limit() -> None:
    content = b"short\n" + b"x" * 50 + b"\nshort\n"
    for chunk_bytes in (3, 1 << 16):
        with pytest.raises(InvalidInput) as info:
            list(read_lines(io.BytesIO(content), chunk_bytes=chunk_bytes, max_line_bytes=20))
        assert info.value.line == 2
        assert info.value.detail == "line is longer than 20 bytes"


def test_read_lines_accepts_a_line_exactly_at_the_limit_with_crlf() -> None:
    content = b"x" * 20 + b"\r\n"
    assert list(read_lines(io.BytesIO(content), max_line_bytes=20)) == [(1, "x" * 20 + "\r\n")]
