"""Span questions: labelled ranges of a text field, in Unicode code points.

Offsets index the field's text exactly as stored (Python `str` indexing: code points, not
UTF-16 units or bytes, and CRLF counts as two). A span is `{"start", "end", "label"}` with
`0 <= start < end <= len(text)`, plus an optional `"text"` echo that must equal
`text[start:end]`. A boundary may not split a character as a reader sees it: it may not fall
inside a CRLF pair, nor before a combining mark, a zero-width joiner, a variation selector or
an emoji skin-tone modifier, nor just after a zero-width joiner.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.content import text_of
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import TEXTUAL, Field, field_ref
from tessera.domain.schema.reading import (
    Obj,
    as_list,
    as_object,
    is_int,
    read_bool,
    read_int,
    reject_unknown_keys,
)

MAX_SPANS = 10_000
SPAN_KEYS = frozenset({"start", "end", "label", "text"})
_ZWJ = "\u200d"
_ATTACHING = frozenset({_ZWJ, "\ufe0e", "\ufe0f"})


@dataclass(frozen=True)
class SpansSpec:
    field: str
    allow_overlap: bool = False
    max_spans: int = MAX_SPANS

    @property
    def needs_content(self) -> bool:
        return True

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "allow_overlap": self.allow_overlap,
            "max_spans": self.max_spans,
        }

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        spans = as_list(answer, ctx.name, max_items=self.max_spans)
        text = text_of(ctx.fields[self.field], ctx.field_value(self.field))
        if text is None:
            raise InvalidInput(f"the item's field {self.field!r} holds no text", field=ctx.name)
        clean = [_span(s, f"{ctx.name}[{i}]", text, ctx.labels) for i, s in enumerate(spans)]
        _check_overlaps(clean, ctx.name, allow_overlap=self.allow_overlap)
        return clean


def parse_spans(obj: Obj, path: str, fields: Mapping[str, Field]) -> SpansSpec:
    return SpansSpec(
        field=field_ref(obj, "field", fields, TEXTUAL, path),
        allow_overlap=read_bool(obj, "allow_overlap", False, path),
        max_spans=read_int(obj, "max_spans", MAX_SPANS, path, lo=1, hi=MAX_SPANS),
    )


def splits_character(text: str, offset: int) -> str | None:
    """Why a boundary at `offset` would cut a character in two, or None if it does not."""
    if offset <= 0 or offset >= len(text):
        return None
    before, after = text[offset - 1], text[offset]
    if before == "\r" and after == "\n":
        return "falls inside a CRLF line break"
    if before == _ZWJ:
        return "falls just after a zero-width joiner"
    if (
        after in _ATTACHING
        or unicodedata.category(after) in ("Mn", "Mc", "Me")
        or "\U0001f3fb" <= after <= "\U0001f3ff"
    ):
        return f"falls before U+{ord(after):04X}, which belongs to the character before it"
    return None


def _span(raw: object, path: str, text: str, labels: frozenset[str]) -> dict[str, object]:
    span = as_object(raw, path, "an object with 'start', 'end' and 'label'")
    reject_unknown_keys(span, SPAN_KEYS, path)
    start, end = span.get("start"), span.get("end")
    if not is_int(start):
        raise InvalidInput("must be a whole number of code points", field=f"{path}.start")
    if not is_int(end):
        raise InvalidInput("must be a whole number of code points", field=f"{path}.end")
    lo, hi = cast(int, start), cast(int, end)
    if not 0 <= lo < len(text):
        raise InvalidInput(
            f"start {lo} is outside the text (0 to {len(text) - 1})", field=f"{path}.start"
        )
    if not lo < hi <= len(text):
        raise InvalidInput(
            f"end {hi} must be after start {lo} and at most {len(text)}, the text's length",
            field=f"{path}.end",
        )
    for key, offset in (("start", lo), ("end", hi)):
        why = splits_character(text, offset)
        if why is not None:
            raise InvalidInput(f"offset {offset} {why}", field=f"{path}.{key}")
    label = span.get("label")
    if not isinstance(label, str) or label not in labels:
        raise InvalidInput(f"unknown label {str(label)[:50]!r}", field=f"{path}.label")
    clean: dict[str, object] = {"start": lo, "end": hi, "label": label}
    if "text" in span:
        if span["text"] != text[lo:hi]:
            raise InvalidInput(
                f"does not match the item's text at {lo}..{hi}", field=f"{path}.text"
            )
        clean["text"] = span["text"]
    return clean


def _check_overlaps(spans: Sequence[dict[str, object]], name: str, *, allow_overlap: bool) -> None:
    """The same span twice is always refused; overlaps only when the question does not allow them.

    Overlaps are found in one pass over the spans sorted by start (n log n for 10,000 spans).
    """
    seen: dict[tuple[object, object, object], int] = {}
    for i, s in enumerate(spans):
        key = (s["start"], s["end"], s["label"])
        if key in seen:
            raise InvalidInput(f"the same span as {name}[{seen[key]}]", field=f"{name}[{i}]")
        seen[key] = i
    if allow_overlap:
        return
    order = sorted(range(len(spans)), key=lambda i: (spans[i]["start"], spans[i]["end"], i))
    reach, reach_index = -1, -1
    for i in order:
        start, end = cast(int, spans[i]["start"]), cast(int, spans[i]["end"])
        if start < reach:
            raise InvalidInput(
                f"overlaps {name}[{reach_index}]; this question does not allow overlapping spans",
                field=f"{name}[{i}]",
            )
        if end > reach:
            reach, reach_index = end, i
