"""Readers and writers stream: memory stays flat however large the file."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pytest

from tessera.formats import SourceRecord, read_csv, read_json_array, read_jsonl, write_jsonl

# tracemalloc slows allocation-heavy code several times over; fewer lines for the line formats.
ELEMENTS = 200_000
LINE_ELEMENTS = 50_000
PEAK_LIMIT_BYTES = 2 << 20


class GeneratedStream(io.RawIOBase):
    """A read-only file whose bytes come from a generator, made only when read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def json_array_chunks() -> Iterator[bytes]:
    yield b"[\n"
    for i in range(ELEMENTS):
        separator = b",\n" if i else b""
        yield separator + json.dumps({"id": i, "text": f"item {i} — é🎉"}).encode()
    yield b"\n]\n"


def jsonl_chunks() -> Iterator[bytes]:
    for i in range(LINE_ELEMENTS):
        yield json.dumps({"id": i, "text": f"item {i} — é🎉"}, ensure_ascii=False).encode() + b"\n"


def csv_chunks() -> Iterator[bytes]:
    yield b"id,text\r\n"
    for i in range(LINE_ELEMENTS):
        yield f'{i},"item {i}\n— é🎉"\r\n'.encode()


def measure_peak(consume: Callable[[], int]) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = consume()
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def count_records(records: Iterator[SourceRecord]) -> int:
    count = 0
    last_line = 0
    for record in records:
        assert record.line > last_line
        last_line = record.line
        count += 1
    return count


@pytest.mark.parametrize(
    ("reader", "chunks", "expected"),
    [
        (read_json_array, json_array_chunks, ELEMENTS),
        (read_jsonl, jsonl_chunks, LINE_ELEMENTS),
        (read_csv, csv_chunks, LINE_ELEMENTS),
    ],
    ids=["json", "jsonl", "csv"],
)
def test_reading_a_large_generated_file_uses_constant_memory(
    reader: Callable[[BinaryIO], Iterator[SourceRecord]],
    chunks: Callable[[], Iterator[bytes]],
    expected: int,
) -> None:
    stream = io.BufferedReader(GeneratedStream(chunks()))
    count, peak = measure_peak(lambda: count_records(reader(stream)))
    assert count == expected
    assert peak < PEAK_LIMIT_BYTES, f"peak {peak / 1e6:.1f} MB"


def test_writing_jsonl_from_a_generator_uses_constant_memory() -> None:
    records = ({"id": i, "text": f"item {i}"} for i in range(LINE_ELEMENTS))

    def consume() -> int:
        return sum(len(chunk) for chunk in write_jsonl(records))

    size, peak = measure_peak(consume)
    assert size > LINE_ELEMENTS * 20
    assert peak < PEAK_LIMIT_BYTES, f"peak {peak / 1e6:.1f} MB"
