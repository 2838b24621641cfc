"""JSON Lines: reading with line numbers and errors, writing in chunks, properties."""

from __future__ import annotations

import io
import json
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.formats import SourceRecord, read_jsonl, write_jsonl

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))


def read(content: bytes, **kwargs: int) -> list[SourceRecord]:
    return list(read_jsonl(io.BytesIO(content), **kwargs))


def assert_error(content: bytes, line: int, message: str) -> None:
    for chunk_bytes in (1, 3, 1 << 16):
        with pytest.raises(InvalidInput) as info:
            read(content, chunk_bytes=chunk_bytes)
        assert (info.value.line, info.value.detail) == (line, message), chunk_bytes


def test_reads_one_object_per_line_skipping_blank_lines() -> None:
    content = b'\xef\xbb\xbf{"a": 1}\r\n\r\n   \n{"b": "\xc3\xa9"}\n\t\n{"c": null}'
    assert read(content) == [
        SourceRecord(line=1, data={"a": 1}),
        SourceRecord(line=4, data={"b": "é"}),
        SourceRecord(line=6, data={"c": None}),
    ]


def test_empty_file_yields_nothing() -> None:
    assert read(b"") == []
    assert read(b"\n\r\n") == []


def test_malformed_json_on_line_3() -> None:
    content = b'{"a": 1}\n{"a": 2}\n{"a": 3,, "b": 4}\n{"a": 5}\n'
    assert_error(
        content, 3, "invalid JSON: Expecting property name enclosed in double quotes (column 9)"
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b'{"a": 1}\n[1, 2]\n', 2, "expected a JSON object, got array"),
        (b'\n\n"text"\n', 3, "expected a JSON object, got string"),
        (b"42\n", 1, "expected a JSON object, got number"),
        (b'{"a": 1} {"b": 2}\n', 1, "invalid JSON: Extra data (column 10)"),
        (b'{"a": "x\ty"}\n', 1, "invalid JSON: Invalid control character at column 9"),
        (
            b'{"a": 1,\n"b": 2}\n',
            1,
            "invalid JSON: Expecting property name enclosed in double quotes (column 9)",
        ),
        (b'{"a": Infinity}\n', 1, "NaN and Infinity are not allowed"),
        (b'{"a": ' + b"9" * 5000 + b"}\n", 1, "invalid JSON: number has too many digits"),
    ],
)
def test_invalid_lines_are_rejected(content: bytes, line: int, message: str) -> None:
    assert_error(content, line, message)


def test_invalid_utf8_on_line_2() -> None:
    assert_error(b'{"a": "ok"}\n{"a": "caf\xe9"}\n{"a": 3}\n', 2, "invalid UTF-8 byte sequence")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b'{"a": 1}\n{"a": "x\x00"}\n', 2),
        (b'{"a": 1}\n\x00\n', 2),
        (b'{"a": 1}\n{"a": 2}\n{"a": "x\\u0000"}\n', 3),
        (b'{"k\\u0000": 1}\n', 1),
        (b'{"a": [{"b": {"c": "\\u0000"}}]}\n', 1),
    ],
)
def test_nul_is_rejected_raw_or_escaped(content: bytes, line: int) -> None:
    assert_error(content, line, "NUL byte is not allowed")


def test_an_oversize_line_is_rejected() -> None:
    content = b'{"a": 1}\n{"a": "' + b"x" * 500 + b'"}\n'
    with pytest.raises(InvalidInput) as info:
        read(content, max_record_bytes=100)
    assert (info.value.line, info.value.detail) == (2, "line is longer than 100 bytes")


def test_write_jsonl_batches_whole_lines_into_chunks() -> None:
    records = [{"i": i, "text": "é"} for i in range(1000)]
    chunks = list(write_jsonl(records, chunk_bytes=1000))
    assert len(chunks) > 1
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert all(len(chunk) < 1100 for chunk in chunks)
    assert b"".join(chunks).split(b"\n")[0] == '{"i":0,"text":"é"}'.encode()
    assert [r.data for r in read(b"".join(chunks))] == records


def test_write_jsonl_accepts_any_mapping_and_no_records() -> None:
    assert b"".join(write_jsonl([OrderedDict(b=1, a=2)])) == b'{"b":1,"a":2}\n'
    assert list(write_jsonl([])) == []


@settings(deadline=None)
@given(
    records=st.lists(st.dictionaries(TEXT, TEXT | st.integers() | st.none(), max_size=5)),
    chunk_bytes=st.integers(min_value=1, max_value=64),
    ensure_ascii=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_property_any_objects_read_back(
    records: list[dict[str, object]], chunk_bytes: int, ensure_ascii: bool, newline: str
) -> None:
    content = "".join(json.dumps(r, ensure_ascii=ensure_ascii) + newline for r in records)
    got = read(content.encode(), chunk_bytes=chunk_bytes)
    assert [r.data for r in got] == records
    assert [r.line for r in got] == list(range(1, len(records) + 1))


@settings(deadline=None)
@given(records=st.lists(st.dictionaries(TEXT, TEXT | st.lists(TEXT, max_size=3), max_size=5)))
def test_property_write_then_read_is_identity(records: list[dict[str, object]]) -> None:
    content = b"".join(write_jsonl(records, chunk_bytes=50))
    assert [r.data for r in read(content, chunk_bytes=7)] == records
