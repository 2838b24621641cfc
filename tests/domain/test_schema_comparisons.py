"""Pairwise preferences (A / B / tie, strength, criteria) and rankings (permutations)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, parse_label_schema

FIELDS = [
    {"name": "prompt", "type": "markdown"},
    {"name": "response_a", "type": "markdown"},
    {"name": "response_b", "type": "chat"},
    {"name": "candidates", "type": "json"},
]


def schema(question: dict[str, Any]) -> LabelSchema:
    return parse_label_schema({"fields": FIELDS, "questions": [question]})


def pairwise(**settings: Any) -> LabelSchema:
    return schema(
        {"name": "preference", "type": "pairwise", "a": "response_a", "b": "response_b", **settings}
    )


def refused(s: LabelSchema, value: dict[str, Any], content: Any = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        s.validate_answer(value, content)
    return err.value


def test_pairwise_plain() -> None:
    s = pairwise()
    assert not s.needs_content
    for choice in ("a", "b", "tie"):
        assert s.validate_answer({"preference": {"choice": choice}}) == {
            "preference": {"choice": choice}
        }
    assert refused(s, {"preference": {"choice": "c"}}).field == "preference.choice"
    assert refused(s, {"preference": {"choice": "a", "strength": 1}}).field == (
        "preference.strength"
    )
    assert refused(s, {"preference": "a"}).field == "preference"
    assert refused(s, {"preference": {"choice": "a", "why": "x"}}).field == "preference"


def test_pairwise_tie_and_strength() -> None:
    s = pairwise(strength_levels=3)
    ok = s.validate_answer({"preference": {"choice": "b", "strength": 3}})
    assert ok == {"preference": {"choice": "b", "strength": 3}}
    assert s.validate_answer({"preference": {"choice": "tie"}}) == {"preference": {"choice": "tie"}}
    err = refused(s, {"preference": {"choice": "tie", "strength": 2}})
    assert err.field == "preference.strength" and "tie" in err.detail
    assert refused(s, {"preference": {"choice": "a"}}).field == "preference.strength"
    assert refused(s, {"preference": {"choice": "a", "strength": 4}}).field == "preference.strength"
    assert refused(s, {"preference": {"choice": "a", "strength": True}}).field == (
        "preference.strength"
    )
    no_tie = pairwise(allow_tie=False)
    err = refused(no_tie, {"preference": {"choice": "tie"}})
    assert err.field == "preference.choice" and "tie" in err.detail


def test_pairwise_per_criterion() -> None:
    s = pairwise(
        strength_levels=2,
        criteria=[{"name": "helpful", "title": "Helpfulness"}, {"name": "harmless"}],
    )
    value = {
        "choice": "a",
        "strength": 1,
        "criteria": {"helpful": {"choice": "a", "strength": 2}, "harmless": {"choice": "tie"}},
    }
    assert s.validate_answer({"preference": value}) == {"preference": value}
    missing = {"choice": "a", "strength": 1, "criteria": {"helpful": {"choice": "tie"}}}
    assert refused(s, {"preference": missing}).field == "preference.criteria.harmless"
    extra = {**value, "criteria": {**value["criteria"], "honest": {"choice": "a"}}}
    assert refused(s, {"preference": extra}).field == "preference.criteria.honest"
    bad = {**value, "criteria": {**value["criteria"], "helpful": {"choice": "b"}}}
    assert refused(s, {"preference": bad}).field == "preference.criteria.helpful.strength"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"a": "response_a", "b": "response_a"}, "questions[0]"),
        ({"a": "nope", "b": "response_b"}, "questions[0]"),
        ({"strength_levels": 9}, "questions[0]"),
        ({"criteria": [{"name": "x"}, {"name": "x"}]}, "questions[0].criteria"),
    ],
)
def test_bad_pairwise_settings(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        schema({"name": "p", "type": "pairwise", "a": "response_a", "b": "response_b", **settings})
    assert err.value.field == field


def test_ranking_over_fixed_fields() -> None:
    s = schema({"name": "rank", "type": "ranking", "responses": ["response_a", "response_b"]})
    assert not s.needs_content
    assert s.validate_answer({"rank": ["response_b", "response_a"]}) == {
        "rank": ["response_b", "response_a"]
    }
    err = refused(s, {"rank": ["response_a", "response_a"]})
    assert err.field == "rank[1]" and "permutation" in err.detail and "rank[0]" in err.detail
    err = refused(s, {"rank": ["response_a"]})
    assert err.field == "rank" and "'response_b' is missing" in err.detail
    assert refused(s, {"rank": ["response_a", "prompt"]}).field == "rank[1]"
    assert refused(s, {"rank": ["response_a", "response_b", "x"]}).field == "rank"
    assert refused(s, {"rank": "response_a"}).field == "rank"


def test_ranking_over_item_listed_responses() -> None:
    s = schema({"name": "rank", "type": "ranking", "field": "candidates"})
    assert s.needs_content
    item = {"candidates": [{"id": "r1", "text": "a"}, {"id": "r2"}, {"id": "r3"}]}
    assert s.validate_answer({"rank": ["r3", "r1", "r2"]}, item) == {"rank": ["r3", "r1", "r2"]}
    err = refused(s, {"rank": ["r3", "r1", "r3"]}, item)
    assert err.field == "rank[2]" and "twice" in err.detail
    assert refused(s, {"rank": ["r3", "r1"]}, item).field == "rank"
    assert refused(s, {"rank": ["r3", "r1", 2]}, item).field == "rank[2]"
    assert refused(s, {"rank": ["r1", "r2"]}, {"candidates": "broken"}).field == "rank"


def test_bad_ranking_settings() -> None:
    for settings in (
        {},
        {"responses": ["response_a"]},
        {"responses": ["response_a", "response_a"]},
        {"responses": ["response_a", "nope"]},
        {"field": "prompt"},
        {"field": "candidates", "responses": ["response_a", "response_b"]},
    ):
        with pytest.raises(InvalidInput) as err:
            schema({"name": "rank", "type": "ranking", **settings})
        assert err.value.field is not None and err.value.field.startswith("questions[0]")


@given(st.lists(st.sampled_from(["r1", "r2", "r3", "r4", "zz"]), max_size=6))
def test_only_permutations_pass(order: list[str]) -> None:
    s = schema({"name": "rank", "type": "ranking", "field": "candidates"})
    item = {"candidates": [{"id": r} for r in ("r1", "r2", "r3", "r4")]}
    try:
        s.validate_answer({"rank": order}, item)
    except InvalidInput:
        assert sorted(order) != ["r1", "r2", "r3", "r4"]
        return
    assert sorted(order) == ["r1", "r2", "r3", "r4"]
