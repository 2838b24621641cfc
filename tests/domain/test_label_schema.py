"""Label schemas: parsing, hotkeys, and validation of content and answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import parse_label_schema

SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [
        {
            "name": "label",
            "type": "single_choice",
            "options": ["a", "b", {"value": "c", "hotkey": "x"}],
        },
        {"name": "tags", "type": "multi_choice", "options": ["t1", "t2"], "required": False},
        {"name": "why", "type": "text", "min_length": 2, "max_length": 10, "required": False},
    ],
}


def test_hotkeys_are_assigned_in_order_around_explicit_ones() -> None:
    s = parse_label_schema(SCHEMA)
    keys = [[o.hotkey for o in q.options] for q in s.questions if q.is_choice]
    assert keys == [["1", "2", "x"], ["3", "4"]]


def test_round_trip_through_dict() -> None:
    s = parse_label_schema(SCHEMA)
    assert parse_label_schema(s.to_dict()) == s


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ({"fields": [], "questions": SCHEMA["questions"]}, "fields"),
        ({"fields": [{"name": "text"}], "questions": []}, "questions"),
        ({"fields": [{"name": "bad name"}], "questions": SCHEMA["questions"]}, "fields[0]"),
        (
            {"fields": [{"name": "t", "type": "video"}], "questions": SCHEMA["questions"]},
            "fields[0]",
        ),
        (
            {"fields": [{"name": "t"}], "questions": [{"name": "q", "type": "single_choice"}]},
            "questions[0].options",
        ),
        (
            {
                "fields": [{"name": "t"}],
                "questions": [{"name": "q", "type": "single_choice", "options": ["a", "a"]}],
            },
            "questions[0].options",
        ),
        (
            {
                "fields": [{"name": "t"}],
                "questions": [
                    {
                        "name": "q",
                        "type": "single_choice",
                        "options": [{"value": "a", "hotkey": "s"}],
                    }
                ],
            },
            "questions[0].options[0]",
        ),
        ("not an object", "label_schema"),
    ],
)
def test_bad_schemas_name_the_path(schema: object, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_label_schema(schema)
    assert err.value.field == field


def test_answers() -> None:
    s = parse_label_schema(SCHEMA)
    assert s.validate_answer({"label": "a", "tags": [], "why": ""}) == {"label": "a"}
    assert s.validate_answer({"label": "c", "tags": ["t2", "t1"]}) == {
        "label": "c",
        "tags": ["t2", "t1"],
    }
    for bad, field in (
        ({}, "label"),
        ({"label": "z"}, "label"),
        ({"label": ["a"]}, "label"),
        ({"label": "a", "tags": "t1"}, "tags"),
        ({"label": "a", "tags": ["t1", "t1"]}, "tags"),
        ({"label": "a", "why": "x"}, "why"),
        ({"label": "a", "why": "x" * 11}, "why"),
        ({"label": "a", "why": "ok\x00"}, "why"),
        ({"label": "a", "extra": 1}, "extra"),
    ):
        with pytest.raises(InvalidInput) as err:
            s.validate_answer(bad)
        assert err.value.field == field, bad


def test_content_needs_every_field_as_text() -> None:
    s = parse_label_schema(SCHEMA)
    s.validate_content({"text": "hello", "extra": 1})
    with pytest.raises(InvalidInput) as err:
        s.validate_content({"text": 5}, line=7)
    assert err.value.line == 7 and err.value.field == "text"


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.text(), st.integers(), st.none())))
def test_validate_answer_never_crashes(value: dict[str, object]) -> None:
    s = parse_label_schema(SCHEMA)
    try:
        clean = s.validate_answer(value)
    except InvalidInput:
        return
    assert set(clean) <= {"label", "tags", "why"}
