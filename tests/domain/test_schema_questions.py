"""Questions: rating rubrics, text bounds, conditions, hotkeys, strict keys, and the round trip
`parse_label_schema(s.to_dict()) == s` for every field and question type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import (
    FieldType,
    LabelSchema,
    QuestionType,
    parse_label_schema,
)

FIELDS: list[dict[str, Any]] = [
    {"name": "text", "type": "text"},
    {"name": "notes", "type": "markdown", "title": "Notes"},
    {"name": "photo", "type": "image"},
    {"name": "dialog", "type": "chat"},
    {"name": "run", "type": "trajectory"},
    {"name": "snippet", "type": "code", "language": "python"},
    {"name": "extra", "type": "json"},
]


def schema(*questions: dict[str, Any]) -> LabelSchema:
    return parse_label_schema({"fields": FIELDS, "questions": list(questions)})


def refused(s: LabelSchema, value: dict[str, Any], content: Any = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        s.validate_answer(value, content)
    return err.value


def test_single_scale_rating() -> None:
    s = schema({"name": "quality", "type": "rating", "min": 1, "max": 7})
    assert s.validate_answer({"quality": 7}) == {"quality": 7}
    for bad in (0, 8, 3.5, "3", True, [3]):
        assert refused(s, {"quality": bad}).field == "quality", bad


def test_rubric_of_criteria_with_own_scales() -> None:
    s = schema(
        {
            "name": "rubric",
            "type": "rating",
            "criteria": [
                {"name": "accuracy", "title": "Factual accuracy"},
                {"name": "tone", "min": -2, "max": 2},
                {"name": "format", "required": False},
            ],
        }
    )
    assert s.validate_answer({"rubric": {"accuracy": 5, "tone": -2}}) == {
        "rubric": {"accuracy": 5, "tone": -2}
    }
    assert refused(s, {"rubric": {"accuracy": 5}}).field == "rubric.tone"
    assert refused(s, {"rubric": {"accuracy": 5, "tone": 3}}).field == "rubric.tone"
    assert refused(s, {"rubric": {"accuracy": 5, "tone": 0, "style": 1}}).field == "rubric.style"
    assert refused(s, {"rubric": 4}).field == "rubric"


@pytest.mark.parametrize(
    "settings",
    [
        {"min": 5, "max": 5},
        {"min": 1, "max": 10_000},
        {"max": 2.5},
        {"criteria": [{"name": "a"}, {"name": "a"}]},
        {"criteria": [{"name": "a", "weight": 2}]},
        {"criteria": "accuracy"},
    ],
)
def test_bad_rating_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        schema({"name": "r", "type": "rating", **settings})
    assert err.value.field is not None and err.value.field.startswith("questions[0]")


def test_text_length_bounds_in_code_points() -> None:
    s = schema({"name": "rewrite", "type": "text", "min_length": 2, "max_length": 3})
    assert s.validate_answer({"rewrite": "😀😀😀"}) == {"rewrite": "😀😀😀"}
    assert refused(s, {"rewrite": "😀😀😀😀"}).field == "rewrite"
    assert refused(s, {"rewrite": "a"}).field == "rewrite"


def test_conditional_question_is_required_only_when_shown() -> None:
    s = schema(
        {"name": "safe", "type": "single_choice", "options": ["yes", "no"]},
        {
            "name": "harm",
            "type": "multi_choice",
            "options": ["violence", "privacy", "other"],
            "when": {"question": "safe", "equals": "no"},
        },
        {
            "name": "detail",
            "type": "text",
            "when": {"question": "harm", "in": ["other"]},
        },
    )
    assert s.validate_answer({"safe": "yes"}) == {"safe": "yes"}
    err = refused(s, {"safe": "no"})
    assert err.field == "harm" and "required" in err.detail
    assert s.validate_answer({"safe": "no", "harm": ["privacy"]}) == {
        "safe": "no",
        "harm": ["privacy"],
    }
    assert refused(s, {"safe": "no", "harm": ["other"]}).field == "detail"
    err = refused(s, {"safe": "yes", "harm": ["privacy"]})
    assert err.field == "harm" and "only when 'safe' is 'no'" in err.detail
    # a hidden question's empty leftover is not an answer
    assert s.validate_answer({"safe": "yes", "harm": [], "detail": ""}) == {"safe": "yes"}


@pytest.mark.parametrize(
    "when",
    [
        {"question": "later", "equals": "x"},
        {"question": "free", "equals": "x"},
        {"question": "safe", "equals": "maybe"},
        {"question": "safe", "in": []},
        {"question": "safe"},
        {"question": "safe", "equals": "yes", "in": ["no"]},
        {"question": "safe", "is": "yes"},
        "safe == yes",
    ],
)
def test_bad_conditions(when: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        schema(
            {"name": "safe", "type": "single_choice", "options": ["yes", "no"]},
            {"name": "free", "type": "text"},
            {"name": "q", "type": "text", "when": when},
            {"name": "later", "type": "single_choice", "options": ["x"]},
        )
    assert err.value.field == "questions[2].when"


def test_hotkeys_run_across_choices_and_labels_around_explicit_ones() -> None:
    s = schema(
        {"name": "kind", "type": "single_choice", "options": ["a", {"value": "b", "hotkey": "3"}]},
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG"]},
        {"name": "free", "type": "text", "required": False},
        {"name": "objects", "type": "boxes", "field": "photo", "labels": ["car"]},
    )
    keys = [[o.hotkey for o in q.options] for q in s.questions]
    assert keys == [["1", "3"], ["2", "4"], [], ["5"]]
    with pytest.raises(InvalidInput):
        schema(
            {"name": "a", "type": "single_choice", "options": [{"value": "x", "hotkey": "k"}]},
            {
                "name": "b",
                "type": "spans",
                "field": "text",
                "labels": [{"value": "y", "hotkey": "k"}],
            },
        )
    with pytest.raises(InvalidInput) as err:
        schema({"name": "a", "type": "single_choice", "options": [{"value": "x", "hotkey": "S"}]})
    assert err.value.field == "questions[0].options[0]"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"fields": FIELDS, "questions": [{"name": "q", "type": "text"}], "v": 2}, "label_schema"),
        (
            {"fields": FIELDS, "questions": [{"name": "q", "type": "text", "options": ["a"]}]},
            "questions[0]",
        ),
        (
            {"fields": FIELDS, "questions": [{"name": "q", "type": "text", "reqired": False}]},
            "questions[0]",
        ),
        (
            {
                "fields": FIELDS,
                "questions": [
                    {
                        "name": "q",
                        "type": "single_choice",
                        "options": [{"value": "a", "color": "red"}],
                    }
                ],
            },
            "questions[0].options[0]",
        ),
        ({"fields": FIELDS, "questions": [{"name": "text", "type": "text"}] * 2}, "questions"),
    ],
)
def test_unknown_keys_and_duplicates_are_refused(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_label_schema(raw)
    assert err.value.field == field


def test_answers_to_unknown_questions_and_non_objects() -> None:
    s = schema({"name": "q", "type": "text"})
    assert refused(s, {"q": "x", "r": 1}).field == "r"
    with pytest.raises(InvalidInput) as err:
        s.validate_answer(["q"])  # type: ignore[arg-type]
    assert err.value.field == "value"


# ---- the round trip, for every type ------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
labels = st.lists(names, min_size=1, max_size=4, unique=True)
criteria = st.lists(names, max_size=3, unique=True).map(lambda ns: [{"name": n} for n in ns])
scale = st.tuples(st.integers(-5, 5), st.integers(1, 5)).map(lambda t: (t[0], t[0] + t[1]))


def _question(kind: str, draw: Any) -> dict[str, Any]:
    q: dict[str, Any] = {"type": kind, "required": draw(st.booleans())}
    if kind in ("single_choice", "multi_choice"):
        q["options"] = draw(labels)
    elif kind == "text":
        lo = draw(st.integers(0, 50))
        q.update(min_length=lo, max_length=lo + draw(st.integers(0, 500)))
    elif kind == "rating":
        lo, hi = draw(scale)
        q.update(min=lo, max=hi, criteria=draw(criteria))
    elif kind == "spans":
        q.update(
            field=draw(st.sampled_from(["text", "snippet"])),
            labels=draw(labels),
            allow_overlap=draw(st.booleans()),
        )
    elif kind == "boxes":
        shapes = draw(st.sampled_from([["rectangle"], ["polygon"], ["polygon", "rectangle"]]))
        q.update(
            field="photo",
            labels=draw(labels),
            shapes=shapes,
            coordinates=draw(st.sampled_from(["pixels", "normalized"])),
        )
    elif kind == "pairwise":
        q.update(
            a="notes",
            b=draw(st.sampled_from(["text", "dialog", "snippet"])),
            allow_tie=draw(st.booleans()),
            strength_levels=draw(st.integers(0, 5)),
            criteria=draw(criteria),
        )
    elif kind == "ranking":
        if draw(st.booleans()):
            q["field"] = "extra"
        else:
            q["responses"] = draw(
                st.sampled_from([["text", "notes"], ["dialog", "run", "snippet"]])
            )
    else:
        q.update(
            field=draw(st.sampled_from(["dialog", "run"])),
            roles=draw(st.lists(st.sampled_from(["user", "assistant", "tool"]), unique=True)),
            require_all=draw(st.booleans()),
            stop_at_first_error=draw(st.booleans()),
            allow_rewrite=draw(st.booleans()),
        )
    return q


@st.composite
def raw_schemas(draw: Any) -> dict[str, Any]:
    kinds = draw(
        st.lists(st.sampled_from([t.value for t in QuestionType]), min_size=1, max_size=12)
    )
    questions = []
    for i, kind in enumerate(kinds):
        q = {"name": f"q{i}", **_question(kind, draw)}
        if i and questions[0]["type"] == "single_choice" and draw(st.booleans()):
            q["when"] = {"question": "q0", "in": questions[0]["options"][:1]}
        questions.append(q)
    return {"fields": FIELDS, "questions": questions}


def test_every_type_is_covered_by_the_round_trip() -> None:
    assert {f["type"] for f in FIELDS} == {t.value for t in FieldType}


@given(raw_schemas())
def test_round_trip_through_dict_and_json(raw: dict[str, Any]) -> None:
    s = parse_label_schema(raw)
    assert parse_label_schema(s.to_dict()) == s
    assert parse_label_schema(json.loads(json.dumps(s.to_dict()))) == s
    assert parse_label_schema(s.to_dict()).to_dict() == s.to_dict()


# ---- any JSON as an answer: refused with a path, never a crash ---------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 50) | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
EVERY_TYPE = schema(
    {"name": "c", "type": "single_choice", "options": ["a", "b"]},
    {
        "name": "m",
        "type": "multi_choice",
        "options": ["a", "b"],
        "when": {"question": "c", "equals": "a"},
    },
    {"name": "r", "type": "rating", "criteria": [{"name": "x"}]},
    {"name": "t", "type": "text", "required": False},
    {"name": "s", "type": "spans", "field": "text", "labels": ["PER"]},
    {"name": "b", "type": "boxes", "field": "photo", "labels": ["car"]},
    {"name": "p", "type": "pairwise", "a": "text", "b": "notes", "strength_levels": 2},
    {"name": "k", "type": "ranking", "field": "extra"},
    {"name": "l", "type": "step_labels", "field": "run"},
)
CONTENT = {
    "text": "Ada 😀",
    "notes": "n",
    "photo": {"src": "a.png", "width": 10, "height": 10},
    "dialog": [{"role": "user", "content": "hi"}],
    "run": [{"thought": "t"}, {"content": "c"}],
    "snippet": "x = 1",
    "extra": [{"id": "r1"}, {"id": "r2"}],
}
answer_parts = {
    "c": st.sampled_from(["a", "b"]) | json_values,
    "m": st.lists(st.sampled_from(["a", "b"]), max_size=2) | json_values,
    "r": st.fixed_dictionaries({"x": st.integers(0, 6)}) | json_values,
    "t": json_values,
    "s": st.lists(
        st.fixed_dictionaries(
            {"start": st.integers(-1, 6), "end": st.integers(-1, 6), "label": st.just("PER")}
        ),
        max_size=3,
    )
    | json_values,
    "b": st.lists(
        st.fixed_dictionaries(
            {
                "label": st.just("car"),
                "x": st.integers(-1, 11),
                "y": st.integers(0, 5),
                "width": st.integers(0, 6),
                "height": st.integers(1, 3),
            }
        ),
        max_size=3,
    )
    | json_values,
    "p": st.fixed_dictionaries(
        {"choice": st.sampled_from(["a", "b", "tie", "c"]), "strength": st.integers(0, 3)}
    )
    | json_values,
    "k": st.permutations(["r1", "r2"]) | json_values,
    "l": st.fixed_dictionaries(
        {
            "steps": st.lists(
                st.fixed_dictionaries(
                    {
                        "index": st.integers(-1, 2),
                        "label": st.sampled_from(["correct", "incorrect", "neutral", "?"]),
                    }
                ),
                max_size=3,
            ),
        }
    )
    | json_values,
}


@given(st.fixed_dictionaries({}, optional=answer_parts))
def test_any_answer_is_refused_with_a_path_or_accepted(value: dict[str, Any]) -> None:
    try:
        clean = EVERY_TYPE.validate_answer(value, CONTENT)
    except InvalidInput as exc:
        assert exc.field
        return
    assert set(clean) <= set(answer_parts)
    assert EVERY_TYPE.validate_answer(clean, CONTENT) == clean  # clean answers are stable
