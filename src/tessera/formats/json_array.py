"""A top-level JSON array of objects, parsed incrementally in constant memory."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import BinaryIO, NoReturn

from tessera.domain.errors import InvalidInput
from tessera.formats.base import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_RECORD_BYTES,
    SourceRecord,
    as_record,
    describe_json_error,
)

_DECODER = json.JSONDecoder()
_NON_WHITESPACE = re.compile(r"[^ \t\n\r]")
_STRUCTURAL = re.compile(r'[{}\[\]"]')
_STRING_SPECIAL = re.compile(r'["\\\x00-\x1f]')
_VALUE_START = re.compile(r'[{\["]|-?[0-9]|true|false|null')
_CLOSER = {"}": "{", "]": "["}
_KIND_BY_FIRST_CHAR = {
    "{": "object",
    "[": "array",
    '"': "string",
    "t": "boolean",
    "f": "boolean",
    "n": "null",
    **dict.fromkeys("-0123456789", "number"),
}
_UNCLOSED = "unexpected end of file: the JSON array is not closed"


def read_json_array(
    stream: BinaryIO,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[SourceRecord]:
    """Stream the objects of a file holding one top-level JSON array.

    Memory stays bounded by chunk_bytes plus the largest element, whatever the file's size.
    An empty file yields nothing.

    Args:
        stream: the file, opened in binary mode.
        chunk_bytes: how much to read at a time.
        max_record_bytes: the largest element accepted, in UTF-8 bytes.

    Raises:
        InvalidInput: the file is not an array of objects, is truncated, has data after the
            array, holds a NUL, or is not valid UTF-8; the error names the line.
    """
    return _ArrayParser(stream, chunk_bytes, max_record_bytes).records()


class _ArrayParser:
    """Holds a sliding text window ``buf[pos:]`` over the stream and the line at ``pos``."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int, max_record_bytes: int) -> None:
        self._stream = stream
        self._chunk_bytes = chunk_bytes
        self._max_record_bytes = max_record_bytes
        # utf-8-sig drops a leading BOM, even one split across reads.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._buf = ""
        self._pos = 0
        self._line = 1  # line of buf[pos]
        self._col_base = 0  # characters of buf[0]'s line that came before buf[0]
        self._eof = False
        # Set when the input turned bad: the text before the fault is still parsed first, so
        # errors come out in file order.
        self._fault: str | None = None

    def records(self) -> Iterator[SourceRecord]:
        first = self._peek()
        if first is None:
            self._raise_fault()
            return
        if first != "[":
            kind = self._kind_at_pos()
            raise InvalidInput(
                f"expected a JSON array at the top level, got {kind}", line=self._line
            )
        self._advance(self._pos + 1)
        if self._peek() == "]":
            self._advance(self._pos + 1)
        else:
            yield from self._elements()
        if self._peek() is not None:
            raise InvalidInput("unexpected data after the JSON array", line=self._line)
        self._raise_fault()

    def _elements(self) -> Iterator[SourceRecord]:
        while True:
            yield self._element()
            char = self._peek()
            if char is None:
                self._raise_end()
            if char not in ",]":
                self._raise_json("Expecting ',' delimiter", self._pos)
            self._advance(self._pos + 1)
            if char == "]":
                return

    def _element(self) -> SourceRecord:
        char = self._peek()
        if char is None:
            self._raise_end()
        if char != "{":
            kind = self._kind_at_pos()
            raise InvalidInput(f"expected a JSON object, got {kind}", line=self._line)
        line = self._line
        value, end = self._decode_object(line)
        if end - self._pos > self._max_record_bytes // 4:
            self._check_size(self._buf[self._pos : end], line)
        record = as_record(value, line=line)
        self._advance(end)
        return SourceRecord(line=line, data=record)

    def _decode_object(self, line: int) -> tuple[object, int]:
        """Decode the object at pos, reading more while it is incomplete."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
                return value, end
            except json.JSONDecodeError as exc:
                if _is_closed(self._buf, self._pos):
                    self._raise_json(exc.msg, exc.pos)
                error_msg, error_offset = exc.msg, exc.pos - self._pos
            except ValueError:
                # int() refuses numbers with thousands of digits (CPython's int_max_str_digits).
                raise InvalidInput("invalid JSON: number has too many digits", line=line) from None
            except RecursionError:
                raise InvalidInput("invalid JSON: nesting is too deep", line=line) from None
            pending = len(self._buf) - self._pos
            if pending > self._max_record_bytes // 4:
                self._check_size(self._buf[self._pos :], line)
            # Doubling the window before retrying keeps re-parsing linear in the element size;
            # past the limit (in characters, so also in bytes) the size check above fails.
            self._fill(min(2 * pending, self._max_record_bytes + 1))
            if len(self._buf) - self._pos == pending:
                self._raise_fault()
                if error_offset < pending:  # the fault lies before the end of the file
                    self._raise_json(error_msg, self._pos + error_offset)
                self._raise_end()

    def _kind_at_pos(self) -> str:
        """Name the type of the value starting at pos, without decoding it."""
        self._fill(5)
        match = _VALUE_START.match(self._buf, self._pos)
        if match is None:
            self._raise_json("Expecting value", self._pos)
        return _KIND_BY_FIRST_CHAR[match.group()[0]]

    def _check_size(self, text: str, line: int) -> None:
        if len(text.encode("utf-8")) > self._max_record_bytes:
            raise InvalidInput(
                f"array element is larger than {self._max_record_bytes} bytes", line=line
            )

    def _peek(self) -> str | None:
        """Skip whitespace and return the next character, or None at the end of the input."""
        while True:
            match = _NON_WHITESPACE.search(self._buf, self._pos)
            if match is not None:
                self._advance(match.start())
                return match.group()
            self._advance(len(self._buf))
            if not self._fill(1):
                return None

    def _advance(self, pos: int) -> None:
        self._line += self._buf.count("\n", self._pos, pos)
        self._pos = pos

    def _fill(self, wanted: int) -> bool:
        """Read until ``buf[pos:]`` holds at least wanted characters; False if it cannot."""
        have = len(self._buf) - self._pos
        pieces: list[str] = []
        while have < wanted and not self._eof and self._fault is None:
            text = self._read_text()
            pieces.append(text)
            have += len(text)
        if pieces:
            # Drop the consumed text; join once so many tiny reads stay linear.
            newline = self._buf.rfind("\n", 0, self._pos)
            self._col_base = self._pos - newline - 1 if newline >= 0 else self._col_base + self._pos
            self._buf = self._buf[self._pos :] + "".join(pieces)
            self._pos = 0
        return have >= wanted

    def _read_text(self) -> str:
        data = self._stream.read(self._chunk_bytes)
        self._eof = not data
        try:
            text = self._decoder.decode(data, self._eof)
        except UnicodeDecodeError as exc:
            text = bytes(exc.object[: exc.start]).decode("utf-8")
            self._fault = "invalid UTF-8 byte sequence"
        nul = text.find("\x00")
        if nul >= 0:
            text = text[:nul]
            self._fault = "NUL byte is not allowed"
        return text

    def _raise_fault(self) -> None:
        if self._fault is not None:
            end = len(self._buf)
            raise InvalidInput(self._fault, line=self._line + self._buf.count("\n", self._pos, end))

    def _raise_end(self) -> NoReturn:
        self._raise_fault()
        end = len(self._buf)
        raise InvalidInput(_UNCLOSED, line=self._line + self._buf.count("\n", self._pos, end))

    def _raise_json(self, message: str, pos: int) -> NoReturn:
        line = self._line + self._buf.count("\n", self._pos, pos)
        newline = self._buf.rfind("\n", 0, pos)
        column = pos - newline if newline >= 0 else self._col_base + pos + 1
        raise InvalidInput(describe_json_error(message, column), line=line)


def _is_closed(text: str, start: int) -> bool:
    """Whether the value starting at text[start] ends, or is certainly malformed, within text.

    A cheap bracket matcher: when it says no, the decoder's failure may only mean the value
    continues in the next chunk.
    """
    stack: list[str] = []
    pos = start
    while (match := _STRUCTURAL.search(text, pos)) is not None:
        char, pos = match.group(), match.end()
        if char == '"':
            closed = _string_end(text, pos)
            if closed is None:
                return False
            if closed < 0:
                return True
            pos = closed
        elif char in "{[":
            stack.append(char)
        elif not stack or stack.pop() != _CLOSER[char] or not stack:
            return True
    return False


def _string_end(text: str, pos: int) -> int | None:
    """Index after the closing quote; None if the text ends first; -1 on a raw control char."""
    while (match := _STRING_SPECIAL.search(text, pos)) is not None:
        char = match.group()
        if char == '"':
            return match.end()
        if char != "\\":
            return -1
        if match.end() >= len(text):
            return None
        pos = match.end() + 1
    return None
