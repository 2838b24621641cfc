"""CSV: header-keyed records with start lines, errors, formula-safe streaming writer."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.formats import SourceRecord, neutralise_formula, read_csv, write_csv

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))


def read(content: bytes, **kwargs: int) -> list[SourceRecord]:
    return list(read_csv(io.BytesIO(content), **kwargs))


def assert_error(content: bytes, line: int, message: str) -> None:
    for chunk_bytes in (1, 3, 1 << 16):
        with pytest.raises(InvalidInput) as info:
            read(content, chunk_bytes=chunk_bytes)
        assert (info.value.line, info.value.detail) == (line, message), chunk_bytes


def test_header_keys_the_rows_and_quoted_newlines_keep_the_start_line() -> None:
    content = (
        b'\xef\xbb\xbfid,text\r\n1,"multi\r\nline\nfield"\r\n2,"say ""hi"""\r\n'
        b"3,\xf0\x9f\x8e\x89\r\n\r\n\r\n"
    )
    for chunk_bytes in (1, 2, 1 << 16):
        assert read(content, chunk_bytes=chunk_bytes) == [
            SourceRecord(line=2, data={"id": "1", "text": "multi\r\nline\nfield"}),
            SourceRecord(line=5, data={"id": "2", "text": 'say "hi"'}),
            SourceRecord(line=6, data={"id": "3", "text": "🎉"}),
        ]


def test_blank_lines_are_skipped_and_values_stay_strings() -> None:
    assert read(b"\na,b\n\n1,\n") == [SourceRecord(line=4, data={"a": "1", "b": ""})]


@pytest.mark.parametrize("content", [b"", b"\r\n\n", b"a,b\r\n", b"\xef\xbb\xbf"])
def test_empty_file_or_header_only_yields_nothing(content: bytes) -> None:
    assert read(content) == []


def test_wrong_column_count_names_the_line() -> None:
    assert_error(b"a,b\n1,2\n3,4\n5,6,7\n", 4, "row has 3 columns, header has 2")
    assert_error(b'a,b\n1,2\n"x\ny"\n', 3, "row has 1 columns, header has 2")


def test_unclosed_quote_names_the_line_where_the_record_starts() -> None:
    assert_error(b'a,b\n1,2\n3,"open\nstill open\n', 3, "invalid CSV: unexpected end of data")


def test_stray_quote_is_an_error() -> None:
    assert_error(b'a,b\n1,"x"y\n', 2, "invalid CSV: ',' expected after '\"'")


def test_duplicate_header_name_is_an_error() -> None:
    assert_error(b"a,b,a\n1,2,3\n", 1, "column name 'a' appears twice in the header")


def test_invalid_utf8_on_line_2() -> None:
    assert_error(b"a,b\n1,caf\xe9\n", 2, "invalid UTF-8 byte sequence")


def test_nul_byte_is_rejected() -> None:
    assert_error(b"a,b\n1,2\n3,x\x00\n", 3, "NUL byte is not allowed")


def test_write_csv_neutralises_formulas_and_formats_values() -> None:
    header = ["name", "=cmd"]
    rows: list[list[object]] = [
        ["=1+1", "+49 170"],
        ["-2", "@SUM(A1)"],
        ["\tx", "\rx"],
        [None, -5],
        [True, 2.5],
        [{"k": "v"}, ["é", 1]],
        ["safe", "a=b"],
    ]
    text = b"".join(write_csv(header, rows)).decode()
    assert text == (
        "name,'=cmd\r\n"
        "'=1+1,'+49 170\r\n"
        "'-2,'@SUM(A1)\r\n"
        "'\tx,\"'\rx\"\r\n"
        ",-5\r\n"
        "true,2.5\r\n"
        '"{""k"":""v""}","[""é"",1]"\r\n'
        "safe,a=b\r\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=x", "'=x"), ("+", "'+"), ("-1", "'-1"), ("@a", "'@a"), ("", ""), ("a-b", "a-b")],
)
def test_neutralise_formula(text: str, expected: str) -> None:
    assert neutralise_formula(text) == expected


def test_write_csv_streams_in_chunks_of_whole_rows() -> None:
    rows = ([str(i), "é" * 10] for i in range(2000))
    chunks = list(write_csv(["i", "t"], rows, chunk_bytes=1000))
    assert len(chunks) > 10
    assert all(chunk.endswith(b"\r\n") for chunk in chunks)
    records = read(b"".join(chunks))
    assert [r.data["i"] for r in records] == [str(i) for i in range(2000)]


@settings(deadline=None)
@given(
    header=st.lists(TEXT, min_size=1, max_size=4, unique=True),
    cells=st.lists(st.lists(TEXT, min_size=4, max_size=4), max_size=10),
    chunk_bytes=st.integers(min_value=1, max_value=64),
)
def test_property_write_then_read_round_trips_strings(
    header: list[str], cells: list[list[str]], chunk_bytes: int
) -> None:
    rows = [row[: len(header)] for row in cells]
    content = b"".join(write_csv(header, rows, chunk_bytes=chunk_bytes))
    got = read(content, chunk_bytes=chunk_bytes)
    safe_header = [neutralise_formula(name) for name in header]
    expected = [dict(zip(safe_header, map(neutralise_formula, row), strict=True)) for row in rows]
    assert [r.data for r in got] == expected


def test_old_mac_line_endings_are_explained() -> None:
    assert_error(
        b"a,b\n1,2\r3\n",
        2,
        "invalid CSV: line break inside an unquoted field (lines must end in \\n or \\r\\n)",
    )


def test_an_overlong_field_is_an_error() -> None:
    content = b'a,b\n1,2\n"' + b"x" * 200_000 + b'",1\n'
    with pytest.raises(InvalidInput) as info:
        read(content)
    assert info.value.line == 3
    assert info.value.detail.startswith("invalid CSV: a field is longer than")
