"""The incremental JSON array reader: chunk boundaries, errors with lines, properties."""

from __future__ import annotations

import io
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.formats import SourceRecord, read_json_array

# Text a record may hold: anything but NUL (rejected) and lone surrogates (not UTF-8).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))


def read(content: bytes, **kwargs: int) -> list[SourceRecord]:
    return list(read_json_array(io.BytesIO(content), **kwargs))


def error_of(content: bytes, **kwargs: int) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        read(content, **kwargs)
    return info.value


def assert_error(content: bytes, line: int, message: str) -> None:
    """The same error, at the same line, whatever the chunk size."""
    for chunk_bytes in (1, 2, 3, 7, 1 << 16):
        error = error_of(content, chunk_bytes=chunk_bytes)
        assert (error.line, error.detail) == (line, message), chunk_bytes


MULTILINE = (
    '[\n  {"id": 1, "text": "héllo wörld"},\n'
    '  {"id": 2, "text": "日本語 🎉 \\u00e9 \\ud83d\\ude00", "nested": {"list": [1, 2.5, null]}},'
    '\r\n  {"id": 3, "text": "𝄞 clef", "ok": true}\n]\n'
).encode()


def test_reads_records_with_the_line_each_starts_on() -> None:
    assert read(MULTILINE) == [
        SourceRecord(line=2, data={"id": 1, "text": "héllo wörld"}),
        SourceRecord(
            line=3,
            data={"id": 2, "text": "日本語 🎉 é 😀", "nested": {"list": [1, 2.5, None]}},
        ),
        SourceRecord(line=4, data={"id": 3, "text": "𝄞 clef", "ok": True}),
    ]


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 7, 64])
def test_any_chunk_size_gives_the_same_result(chunk_bytes: int) -> None:
    assert read(MULTILINE, chunk_bytes=chunk_bytes) == read(MULTILINE, chunk_bytes=1 << 16)


@pytest.mark.parametrize("content", [b"", b"   \n\r\n", b"[]", b" [ \n ] \n", b"\xef\xbb\xbf[]"])
def test_empty_file_or_array_yields_nothing(content: bytes) -> None:
    for chunk_bytes in (1, 1 << 16):
        assert read(content, chunk_bytes=chunk_bytes) == []


def test_a_leading_bom_is_dropped_even_when_split() -> None:
    content = b'\xef\xbb\xbf[{"a": "b"}]'
    for chunk_bytes in (1, 2, 1 << 16):
        assert read(content, chunk_bytes=chunk_bytes) == [SourceRecord(1, {"a": "b"})]


def test_many_small_elements_in_one_line() -> None:
    content = json.dumps([{"i": i} for i in range(5000)]).encode()
    records = read(content, chunk_bytes=100)
    assert [r.data for r in records] == [{"i": i} for i in range(5000)]
    assert {r.line for r in records} == {1}


def test_an_element_larger_than_a_chunk_is_reassembled() -> None:
    big = {"text": "é" * 100_000, "more": ["x" * 1000] * 20}
    content = json.dumps([big, {"small": 1}], ensure_ascii=False).encode()
    assert [r.data for r in read(content, chunk_bytes=1000)] == [big, {"small": 1}]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (
            b'[\n{"a": 1},\n{"a": 1 "b": 2}\n]',
            3,
            "invalid JSON: Expecting ',' delimiter (column 9)",
        ),
        (b'[\n{"a": 1}\n{"a": 2}\n]', 3, "invalid JSON: Expecting ',' delimiter (column 1)"),
        (b'[{"a": 1},\n]', 2, "invalid JSON: Expecting value (column 1)"),
        (b'[{"a": tru}]', 1, "invalid JSON: Expecting value (column 8)"),
        (b'[{"a": "x\ny"}]', 1, "invalid JSON: Invalid control character at column 10"),
        (b'[{"a": [1, 2}]', 1, "invalid JSON: Expecting ',' delimiter (column 13)"),
        (b"[\n  x]", 2, "invalid JSON: Expecting value (column 3)"),
        (b"nope", 1, "invalid JSON: Expecting value (column 1)"),
        (b"[-x]", 1, "invalid JSON: Expecting value (column 2)"),
        (b"[\n {},\n tru]", 3, "invalid JSON: Expecting value (column 2)"),
        (b'[{"a": NaN}]', 1, "NaN and Infinity are not allowed"),
        (b'[{"a": 1e999}]', 1, "NaN and Infinity are not allowed"),
        (b'[{"a": "\\ud800"}]', 1, "unpaired UTF-16 surrogate escape is not allowed"),
        (b'[{"a": ' + b"1" * 5000 + b"}]", 1, "invalid JSON: number has too many digits"),
        (
            b'[{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]",
            1,
            "invalid JSON: nesting is too deep",
        ),
    ],
)
def test_malformed_json_names_line_and_column(content: bytes, line: int, message: str) -> None:
    assert_error(content, line, message)


@pytest.mark.parametrize(
    ("content", "line", "kind"),
    [
        (b'[{"a": 1},\n [1, 2]]', 2, "array"),
        (b'[{"a": 1},\n\n "text"]', 3, "string"),
        (b"[-1]", 1, "number"),
        (b"[true]", 1, "boolean"),
        (b"[false]", 1, "boolean"),
        (b"[null]", 1, "null"),
    ],
)
def test_non_object_element_is_rejected(content: bytes, line: int, kind: str) -> None:
    assert_error(content, line, f"expected a JSON object, got {kind}")


@pytest.mark.parametrize(
    ("content", "kind"), [(b'{"a": 1}', "object"), (b'"text"', "string"), (b"12", "number")]
)
def test_top_level_must_be_an_array(content: bytes, kind: str) -> None:
    assert_error(content, 1, f"expected a JSON array at the top level, got {kind}")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"[", 1),
        (b'[\n{"a": 1},\n{"a": 2}', 3),
        (b'[\n{"a": 1},\n{"a": 2},\n', 4),
        (b'[\n{"a": 1},\n{"a": ', 3),
        (b'[\n{"a": {"b": [1, 2', 2),
    ],
)
def test_truncated_array_is_an_error(content: bytes, line: int) -> None:
    assert_error(content, line, "unexpected end of file: the JSON array is not closed")


def test_truncated_inside_a_string_names_the_string() -> None:
    assert_error(b'[\n{"a": "abc', 2, "invalid JSON: Unterminated string starting at column 7")


@pytest.mark.parametrize(
    ("content", "line"),
    [(b'[{"a": 1}]\n\nx', 3), (b'[{"a": 1}][]', 1), (b'[{"a": 1}]\n{"b": 2}', 2)],
)
def test_data_after_the_array_is_an_error(content: bytes, line: int) -> None:
    assert_error(content, line, "unexpected data after the JSON array")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b'[\n{"a": "caf\xe9"}\n]', 2),  # Latin-1, not UTF-8
        (b'[\n{"a": "ok"},\n{"a": "\xed\xa0\x80"}]', 3),  # encoded surrogate
        (b'[\n{"a": 1}]\n\xff', 3),  # after the array
        (b'[\n{"a": "\xe6\x97"', 2),  # truncated multibyte character at the end
    ],
)
def test_invalid_utf8_names_its_line(content: bytes, line: int) -> None:
    assert_error(content, line, "invalid UTF-8 byte sequence")


def test_an_earlier_error_wins_over_invalid_utf8_later_in_the_chunk() -> None:
    assert_error(
        b'[\n{"a" 1},\n{"a": "\xff"}]', 2, "invalid JSON: Expecting ':' delimiter (column 6)"
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b'[\n{"a": "x\x00y"}]', 2),  # raw, inside a string
        (b'[\n{"a": 1},\x00\n{"b": 2}]', 2),  # raw, between elements
        (b'[\n{"a": 1},\n{"a": "x\\u0000y"}]', 3),  # escaped, in a value
        (b'[\n{"a\\u0000": 1}]', 2),  # escaped, in a key
        (b'[\n{"a": {"b": ["ok", {"c\\u0000": 1}]}}]', 2),  # escaped, nested
        (b'[\n{"a":\n "\\u0000"}]', 2),  # the record's first line is reported
    ],
)
def test_nul_is_rejected_raw_or_escaped(content: bytes, line: int) -> None:
    assert_error(content, line, "NUL byte is not allowed")


def test_an_oversize_element_is_rejected_with_its_line() -> None:
    content = b'[\n{"a": 1},\n{"text": "' + b"x" * 5000 + b'"}]'
    for chunk_bytes in (7, 1 << 16):
        error = error_of(content, chunk_bytes=chunk_bytes, max_record_bytes=1000)
        assert (error.line, error.detail) == (3, "array element is larger than 1000 bytes")
    assert len(read(content, max_record_bytes=6000)) == 2


def test_the_size_limit_counts_utf8_bytes_not_characters() -> None:
    element = json.dumps({"t": "🎉" * 300}, ensure_ascii=False).encode()
    content = b"[" + element + b"]"
    assert 300 < 1000 < len(element)
    with pytest.raises(InvalidInput, match="larger than 1000 bytes"):
        read(content, max_record_bytes=1000)


def test_error_message_is_prefixed_with_the_line() -> None:
    assert str(error_of(b'[{"a": 1},\n 1]')) == "line 2: expected a JSON object, got number"


@settings(deadline=None)
@given(
    records=st.lists(st.dictionaries(TEXT, TEXT | st.lists(TEXT, max_size=3), max_size=5)),
    chunk_bytes=st.integers(min_value=1, max_value=64),
    ensure_ascii=st.booleans(),
    indent=st.none() | st.integers(min_value=0, max_value=2),
)
def test_property_any_list_of_objects_reads_back(
    records: list[dict[str, object]], chunk_bytes: int, ensure_ascii: bool, indent: int | None
) -> None:
    content = json.dumps(records, ensure_ascii=ensure_ascii, indent=indent).encode()
    assert [r.data for r in read(content, chunk_bytes=chunk_bytes)] == records


def test_a_large_element_in_tiny_chunks_is_parsed_in_linear_time() -> None:
    # Re-parsing the growing element on every read would take minutes here.
    big = {"text": "x" * 300_000, "list": list(range(20_000))}
    content = json.dumps([big]).encode()
    start = time.perf_counter()
    assert [r.data for r in read(content, chunk_bytes=16)] == [big]
    assert time.perf_counter() - start < 5
