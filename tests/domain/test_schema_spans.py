"""Span answers: exact code-point offsets over the stored text, labels, overlap rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, parse_label_schema


def spans_schema(*, allow_overlap: bool = False, ftype: str = "text") -> LabelSchema:
    return parse_label_schema(
        {
            "fields": [{"name": "text", "type": ftype}],
            "questions": [
                {
                    "name": "entities",
                    "type": "spans",
                    "field": "text",
                    "labels": ["PER", "ORG", {"value": "LOC", "hotkey": "l"}],
                    "allow_overlap": allow_overlap,
                }
            ],
        }
    )


def check(schema: LabelSchema, text: Any, spans: Any) -> Any:
    return schema.validate_answer({"entities": spans}, {"text": text})["entities"]


def refused(schema: LabelSchema, text: Any, spans: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        check(schema, text, spans)
    return err.value


def test_labels_get_hotkeys_like_options() -> None:
    q = spans_schema().questions[0]
    assert [(o.value, o.hotkey) for o in q.options] == [("PER", "1"), ("ORG", "2"), ("LOC", "l")]


def test_offsets_are_code_points_across_emoji_outside_the_bmp() -> None:
    text = "😀 Ada Lovelace 👩‍💻 met Babbage"
    start = text.index("Ada")
    assert start == 2  # one code point for the emoji (it is two UTF-16 units in a browser)
    clean = check(
        spans_schema(), text, [{"start": 2, "end": 14, "label": "PER", "text": text[2:14]}]
    )
    assert clean == [{"start": 2, "end": 14, "label": "PER", "text": "Ada Lovelace"}]
    # Offsets counted in UTF-16 units (3..15) land one code point late: the echo catches it.
    err = refused(
        spans_schema(), text, [{"start": 3, "end": 15, "label": "PER", "text": "Ada Lovelace"}]
    )
    assert err.field == "entities[0].text"
    b = text.index("Babbage")
    assert check(spans_schema(), text, [{"start": b, "end": len(text), "label": "PER"}])


def test_zwj_sequences_and_combining_marks_are_not_split() -> None:
    text = "dev 👩\u200d💻 cafe\u0301"  # e + U+0301 COMBINING ACUTE ACCENT
    coder = text.index("👩")
    ok = [{"start": coder, "end": coder + 3, "label": "PER", "text": "👩‍💻"}]
    assert check(spans_schema(), text, ok)[0]["text"] == "👩\u200d💻"
    for start, end, key in ((coder, coder + 1, "end"), (coder + 2, coder + 3, "start")):
        err = refused(spans_schema(), text, [{"start": start, "end": end, "label": "PER"}])
        assert err.field == f"entities[0].{key}", (start, end)
    cafe = text.index("caf")
    assert check(spans_schema(), text, [{"start": cafe, "end": cafe + 5, "label": "LOC"}])
    err = refused(spans_schema(), text, [{"start": cafe, "end": cafe + 4, "label": "LOC"}])
    assert err.field == "entities[0].end"
    assert "0301" in err.detail


def test_crlf_counts_as_two_and_cannot_be_split() -> None:
    text = "Line one\r\nParis\r\n"
    paris = text.index("Paris")
    assert paris == 10
    assert check(spans_schema(), text, [{"start": 10, "end": 15, "label": "LOC", "text": "Paris"}])
    assert refused(spans_schema(), text, [{"start": 9, "end": 15, "label": "LOC"}]).field == (
        "entities[0].start"
    )
    # a span may cover the whole line break
    assert check(spans_schema(), text, [{"start": 8, "end": 15, "label": "LOC"}])


@pytest.mark.parametrize(
    ("span", "field"),
    [
        ({"start": -1, "end": 2, "label": "PER"}, "entities[0].start"),
        ({"start": 2, "end": 2, "label": "PER"}, "entities[0].end"),
        ({"start": 3, "end": 2, "label": "PER"}, "entities[0].end"),
        ({"start": 0, "end": 6, "label": "PER"}, "entities[0].end"),
        ({"start": 5, "end": 6, "label": "PER"}, "entities[0].start"),
        ({"start": 0, "end": 2, "label": "XYZ"}, "entities[0].label"),
        ({"start": 0, "end": 2}, "entities[0].label"),
        ({"start": "0", "end": 2, "label": "PER"}, "entities[0].start"),
        ({"start": 0, "end": 2.0, "label": "PER"}, "entities[0].end"),
        ({"start": True, "end": 2, "label": "PER"}, "entities[0].start"),
        ({"start": 0, "end": 2, "label": "PER", "score": 1}, "entities[0]"),
        ({"start": 0, "end": 2, "label": "PER", "text": "Hi"}, "entities[0].text"),
        ("0:2", "entities[0]"),
    ],
)
def test_bad_spans_name_the_path(span: Any, field: str) -> None:
    assert refused(spans_schema(), "hello", [span]).field == field


def test_later_spans_are_named_by_index() -> None:
    one = {"start": 0, "end": 1, "label": "PER"}
    err = refused(spans_schema(allow_overlap=True), "hello", [one, {**one, "end": 2}, one])
    assert err.field == "entities[2]" and "entities[0]" in err.detail
    err = refused(spans_schema(), "hello", [one, {"start": 1, "end": 9, "label": "PER"}])
    assert err.field == "entities[1].end" and "at most 5" in err.detail


def test_overlap_refused_unless_allowed() -> None:
    text = "New York City"
    nested = [
        {"start": 0, "end": 13, "label": "LOC"},
        {"start": 0, "end": 8, "label": "ORG"},
    ]
    crossing = [
        {"start": 4, "end": 13, "label": "LOC"},
        {"start": 0, "end": 8, "label": "ORG"},
    ]
    for spans in (nested, crossing):
        err = refused(spans_schema(), text, spans)
        assert err.field.startswith("entities[") and "overlap" in err.detail
        assert check(spans_schema(allow_overlap=True), text, spans) == spans
    touching = [{"start": 0, "end": 3, "label": "LOC"}, {"start": 4, "end": 8, "label": "LOC"}]
    assert check(spans_schema(), text, touching) == touching
    adjacent = [{"start": 0, "end": 4, "label": "LOC"}, {"start": 4, "end": 8, "label": "LOC"}]
    assert check(spans_schema(), text, adjacent) == adjacent


def test_same_span_with_two_labels_is_an_overlap_not_a_duplicate() -> None:
    two = [{"start": 0, "end": 3, "label": "PER"}, {"start": 0, "end": 3, "label": "ORG"}]
    assert refused(spans_schema(), "Ada", two).field == "entities[1]"
    assert check(spans_schema(allow_overlap=True), "Ada", two) == two


def test_empty_list_is_an_answer_and_missing_is_not() -> None:
    s = spans_schema()
    assert s.validate_answer({"entities": []}, {"text": "nothing here"}) == {"entities": []}
    with pytest.raises(InvalidInput) as err:
        s.validate_answer({}, {"text": "nothing here"})
    assert err.value.field == "entities"


def test_spans_over_code_use_the_code_text() -> None:
    s = spans_schema(ftype="code")
    code = {"code": "def f(): pass", "language": "python"}
    assert check(s, code, [{"start": 4, "end": 5, "label": "ORG", "text": "f"}])


def test_content_is_required_to_check_spans() -> None:
    with pytest.raises(ValueError, match="content"):
        spans_schema().validate_answer({"entities": []})
    err = refused(spans_schema(), None, [])
    assert err.field == "entities"  # the item lacks the field (a newer schema, say)


@given(st.text(max_size=30), st.integers(-2, 40), st.integers(-2, 40))
def test_accepted_spans_slice_the_stored_text(text: str, start: int, end: int) -> None:
    s = spans_schema()
    try:
        clean = check(s, text, [{"start": start, "end": end, "label": "PER"}])
    except InvalidInput as exc:
        assert exc.field is not None and exc.field.startswith("entities")
        return
    assert 0 <= start < end <= len(text)
    assert clean == [{"start": start, "end": end, "label": "PER"}]
