"""Choose the streaming reader for an import format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from tessera.formats.base import ImportFormat, RecordReader, SourceRecord
from tessera.formats.csv import read_csv
from tessera.formats.json_array import read_json_array
from tessera.formats.jsonl import read_jsonl

READERS: dict[ImportFormat, RecordReader] = {
    ImportFormat.JSON: read_json_array,
    ImportFormat.JSONL: read_jsonl,
    ImportFormat.CSV: read_csv,
}


def read_records(stream: BinaryIO, fmt: ImportFormat) -> Iterator[SourceRecord]:
    """Stream the records of a file in the given format.

    Raises:
        InvalidInput: the file is malformed; the error names the line.
    """
    return READERS[fmt](stream)
