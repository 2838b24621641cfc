"""Golden files read by each format, and the write -> read round trips."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tessera.formats import (
    ImportFormat,
    read_csv,
    read_json_array,
    read_jsonl,
    read_records,
    write_csv,
    write_jsonl,
)

GOLDEN = Path(__file__).parent / "golden"

RECORDS = [
    {"id": "1", "text": "Hello, world", "note": "plain"},
    {"id": "2", "text": "Ünïcödé — 日本語 🎉", "note": "emoji 👍🏽 and ⚠️"},
    {"id": "3", "text": 'She said "hi", then left', "note": "quotes, commas"},
    {"id": "4", "text": "line one\nline two", "note": "embedded newline"},
    {"id": "5", "text": "", "note": "empty text"},
]
# Line on which each record starts in each golden file.
LINES = {
    "items.json": [2, 7, 12, 17, 22],
    "items.jsonl": [1, 2, 3, 4, 5],
    "items.csv": [2, 3, 4, 5, 7],
}
FORMATS = {
    "items.json": ImportFormat.JSON,
    "items.jsonl": ImportFormat.JSONL,
    "items.csv": ImportFormat.CSV,
}


def test_golden_files_keep_their_crlf_line_endings() -> None:
    assert b"\r\n" in (GOLDEN / "items.csv").read_bytes()
    assert (GOLDEN / "items.jsonl").read_bytes().count(b"\r\n") == len(RECORDS)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_golden_file_reads_to_the_expected_records(name: str) -> None:
    with (GOLDEN / name).open("rb") as stream:
        records = list(read_records(stream, FORMATS[name]))
    assert [r.data for r in records] == RECORDS
    assert [r.line for r in records] == LINES[name]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_golden_file_reads_the_same_in_tiny_chunks(name: str) -> None:
    readers = {"items.json": read_json_array, "items.jsonl": read_jsonl, "items.csv": read_csv}
    for chunk_bytes in (1, 2, 3, 7):
        with (GOLDEN / name).open("rb") as stream:
            records = list(readers[name](stream, chunk_bytes=chunk_bytes))
        assert [r.data for r in records] == RECORDS
        assert [r.line for r in records] == LINES[name]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_read_then_write_jsonl_then_read_gives_the_same_data(name: str) -> None:
    with (GOLDEN / name).open("rb") as stream:
        first = [r.data for r in read_records(stream, FORMATS[name])]
    written = b"".join(write_jsonl(first))
    again = [r.data for r in read_jsonl(io.BytesIO(written))]
    assert again == first == RECORDS


def test_write_jsonl_is_compact_utf8_one_line_per_record() -> None:
    written = b"".join(write_jsonl(RECORDS[1:2]))
    assert written == (
        '{"id":"2","text":"Ünïcödé — 日本語 🎉","note":"emoji 👍🏽 and ⚠️"}\n'.encode()
    )


def test_write_csv_then_read_csv_gives_the_same_strings() -> None:
    header = ["id", "text", "note"]
    rows = [[r[k] for k in header] for r in RECORDS]
    written = b"".join(write_csv(header, rows))
    assert written == (GOLDEN / "items.csv").read_bytes()
    assert [r.data for r in read_csv(io.BytesIO(written))] == RECORDS


def test_golden_csv_round_trips_through_json_array() -> None:
    with (GOLDEN / "items.csv").open("rb") as stream:
        rows = [r.data for r in read_csv(stream)]
    with (GOLDEN / "items.json").open("rb") as stream:
        assert [r.data for r in read_json_array(stream)] == rows
