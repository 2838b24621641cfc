"""Gold checking and scoring, the pause decision and the live (incremental) confidence."""

from __future__ import annotations

import pytest

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import parse_label_schema
from tessera.domain.quality_rules import (
    GoldScore,
    QualitySettings,
    QuestionScore,
    live_results,
    pause_reason,
    score_gold,
    validate_gold,
)

SCHEMA = parse_label_schema(
    {
        "fields": [{"name": "text", "type": "text"}],
        "questions": [
            {"name": "label", "type": "single_choice", "options": ["a", "b", "c"]},
            {"name": "tags", "type": "multi_choice", "options": ["x", "y"], "required": False},
            {"name": "score", "type": "rating", "min": 1, "max": 5, "required": False},
            {
                "name": "rubric",
                "type": "rating",
                "required": False,
                "criteria": [{"name": "style", "min": 1, "max": 3}],
            },
        ],
    }
)


def test_gold_may_cover_some_questions_and_is_checked_like_an_answer() -> None:
    assert validate_gold(SCHEMA, {"label": "a"}, None) == {"label": "a"}
    with pytest.raises(InvalidInput) as bad:
        validate_gold(SCHEMA, {"label": "z"}, None, line=3)
    assert bad.value.field == "gold.label" and bad.value.line == 3
    for wrong in ({}, [], "a", {"nope": 1}, {"label": ""}, {"score": 9}):
        with pytest.raises(InvalidInput):
            validate_gold(SCHEMA, wrong, None)


def test_scoring_counts_every_gold_question_and_sets_match_regardless_of_order() -> None:
    gold = {"label": "a", "tags": ["x", "y"]}
    score = score_gold(
        SCHEMA,
        [({"label": "a", "tags": ["y", "x"]}, gold), ({"label": "b"}, gold)],  # b: tags missing
    )
    assert score.answers == 2
    assert score.by_question == {"label": QuestionScore(2, 1), "tags": QuestionScore(2, 1)}
    assert score.accuracy == 0.5


def test_pause_needs_enough_gold_answers_and_an_accuracy_below_the_threshold() -> None:
    rule = QualitySettings(gold_min_accuracy=0.8, gold_min_answers=3)
    low = GoldScore(answers=3, by_question={"label": QuestionScore(3, 1)})
    assert pause_reason(rule, low) is not None
    assert pause_reason(rule, GoldScore(2, {"label": QuestionScore(2, 0)})) is None
    assert pause_reason(rule, GoldScore(3, {"label": QuestionScore(3, 3)})) is None
    assert pause_reason(QualitySettings(), low) is None  # the rule is off


def test_settings_out_of_range_name_the_field() -> None:
    for kwargs, field in (
        ({"gold_rate": 1.5}, "gold_rate"),
        ({"min_confidence": -0.1}, "min_confidence"),
        ({"gold_min_answers": 0}, "gold_min_answers"),
        ({"max_annotations_per_item": 51}, "max_annotations_per_item"),
    ):
        with pytest.raises(InvalidInput) as bad:
            QualitySettings(**kwargs).check()  # type: ignore[arg-type]
        assert bad.value.field == field


def test_live_results_weigh_answers_by_skill() -> None:
    answers = [(1, {"label": "a"}), (2, {"label": "b"}), (3, {"label": "b"})]
    plain = live_results(SCHEMA, answers, {})
    assert plain["label"].value == "b" and plain["label"].n_answers == 3
    expert = live_results(SCHEMA, answers, {(1, "label"): 0.99, (2, "label"): 0.4})
    assert expert["label"].value == "a"
    assert 0.5 < expert["label"].confidence <= 1.0
    unanimous = live_results(SCHEMA, [(1, {"label": "c"}), (2, {"label": "c"})], {})
    assert unanimous["label"].confidence > plain["label"].confidence


def test_live_results_for_multi_choice_and_ratings_and_criteria() -> None:
    answers = [
        (1, {"label": "a", "tags": ["x"], "score": 4, "rubric": {"style": 3}}),
        (2, {"label": "a", "tags": ["x", "y"], "score": 4, "rubric": {"style": 3}}),
        (3, {"label": "a", "tags": ["x"], "score": 5, "rubric": {"style": 1}}),
    ]
    found = live_results(SCHEMA, answers, {})
    assert found["tags"].value == ["x"]
    assert found["score"].value == pytest.approx(13 / 3)
    assert 0 < found["score"].confidence < 1
    assert set(found) == {"label", "tags", "score", "rubric.style"}
    assert live_results(SCHEMA, answers[:1], {})["score"].confidence == 0.5
