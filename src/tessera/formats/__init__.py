"""Streaming readers and writers of import/export file formats, in constant memory."""

from tessera.formats.base import (
    ChunkWriter,
    ImportFormat,
    Record,
    RecordReader,
    SourceRecord,
    detect_format,
    read_lines,
)
from tessera.formats.csv import neutralise_formula, read_csv, write_csv
from tessera.formats.json_array import read_json_array
from tessera.formats.jsonl import read_jsonl, write_jsonl
from tessera.formats.readers import read_records

__all__ = [
    "ChunkWriter",
    "ImportFormat",
    "Record",
    "RecordReader",
    "SourceRecord",
    "detect_format",
    "neutralise_formula",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_lines",
    "read_records",
    "write_csv",
    "write_jsonl",
]
