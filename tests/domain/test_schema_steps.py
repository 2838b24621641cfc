"""Step labels over chats and trajectories: coverage, first-error consistency, rewrites."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, parse_label_schema

CHAT = [
    {"role": "user", "content": "What is 12 * 13?"},
    {"role": "assistant", "content": "12 * 13 = 12 * 10 + 12 * 3"},
    {"role": "assistant", "content": "= 120 + 36 = 146"},
    {"role": "assistant", "content": "So the answer is 146."},
]
TRAJECTORY = [
    {"thought": "I need the file list"},
    {"tool_calls": [{"name": "ls", "arguments": {"path": "/"}}]},
    {"observation": "bin etc home"},
]


def steps_schema(ftype: str = "chat", **settings: Any) -> LabelSchema:
    return parse_label_schema(
        {
            "fields": [{"name": "solution", "type": ftype}],
            "questions": [
                {"name": "review", "type": "step_labels", "field": "solution", **settings}
            ],
        }
    )


def check(s: LabelSchema, answer: Any, steps: Any = CHAT) -> Any:
    return s.validate_answer({"review": answer}, {"solution": steps})["review"]


def refused(s: LabelSchema, answer: Any, steps: Any = CHAT) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        check(s, answer, steps)
    return err.value


def labels(*pairs: tuple[int, str]) -> list[dict[str, Any]]:
    return [{"index": i, "label": label} for i, label in pairs]


def test_all_correct_has_no_first_error() -> None:
    s = steps_schema()
    answer = {"steps": labels((0, "correct"), (1, "correct"), (2, "neutral"), (3, "correct"))}
    assert check(s, answer) == {**answer, "first_error": None}
    assert check(s, {**answer, "first_error": None})["first_error"] is None


def test_first_error_is_derived_and_checked() -> None:
    s = steps_schema(roles=["assistant"])
    answer = {"steps": labels((1, "correct"), (2, "incorrect"), (3, "incorrect"))}
    assert check(s, answer)["first_error"] == 2
    assert check(s, {**answer, "first_error": 2})["first_error"] == 2
    err = refused(s, {**answer, "first_error": 3})
    assert err.field == "review.first_error" and "must be 2" in err.detail
    err = refused(s, {**answer, "first_error": None})
    assert err.field == "review.first_error"
    ok = {"steps": labels((1, "correct"), (2, "correct"), (3, "correct"))}
    err = refused(s, {**ok, "first_error": 1})
    assert err.field == "review.first_error" and "no step is labelled incorrect" in err.detail
    assert refused(s, {**ok, "first_error": "2"}).field == "review.first_error"


def test_stop_at_first_error_needs_steps_up_to_it_only() -> None:
    s = steps_schema(roles=["assistant"])
    answer = {"steps": labels((2, "incorrect"), (1, "correct")), "first_error": 2}
    clean = check(s, answer)
    assert [st["index"] for st in clean["steps"]] == [1, 2]  # stored in step order
    err = refused(s, {"steps": labels((1, "correct"), (3, "incorrect"))})
    assert err.field == "review.steps" and "step 2 is not labelled" in err.detail
    must_finish = steps_schema(roles=["assistant"], stop_at_first_error=False)
    err = refused(must_finish, answer)
    assert err.field == "review.steps" and "step 3" in err.detail
    partial = steps_schema(roles=["assistant"], require_all=False)
    assert check(partial, {"steps": labels((3, "neutral"))})["first_error"] is None


def test_roles_restrict_which_steps_are_judged() -> None:
    s = steps_schema(roles=["assistant"])
    err = refused(s, {"steps": labels((0, "correct"))})
    assert err.field == "review.steps[0].index"
    everything = steps_schema()
    err = refused(everything, {"steps": labels((1, "correct"), (2, "correct"), (3, "correct"))})
    assert "step 0 is not labelled" in err.detail


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"index": 9, "label": "correct"}, "review.steps[0].index"),
        ({"index": -1, "label": "correct"}, "review.steps[0].index"),
        ({"index": "1", "label": "correct"}, "review.steps[0].index"),
        ({"index": 1, "label": "good"}, "review.steps[0].label"),
        ({"index": 1, "label": "correct", "rewrite": "x"}, "review.steps[0].rewrite"),
        ({"index": 1, "label": "incorrect", "rewrite": ""}, "review.steps[0].rewrite"),
        ({"index": 1, "label": "incorrect", "rewrite": "a\x00"}, "review.steps[0].rewrite"),
        ({"index": 1, "label": "incorrect", "score": 1}, "review.steps[0]"),
    ],
)
def test_bad_steps_name_the_path(step: dict[str, Any], field: str) -> None:
    s = steps_schema(roles=["assistant"], require_all=False)
    assert refused(s, {"steps": [step]}).field == field


def test_rewrites_of_wrong_steps() -> None:
    s = steps_schema(roles=["assistant"])
    fix = {"index": 2, "label": "incorrect", "rewrite": "= 120 + 36 = 156"}
    clean = check(s, {"steps": [{"index": 1, "label": "correct"}, fix]})
    assert clean["steps"][1] == fix
    no_rewrites = steps_schema(roles=["assistant"], allow_rewrite=False)
    err = refused(no_rewrites, {"steps": [{"index": 1, "label": "correct"}, fix]})
    assert err.field == "review.steps[1].rewrite"


def test_a_step_labelled_twice() -> None:
    s = steps_schema(require_all=False)
    err = refused(s, {"steps": labels((1, "correct"), (1, "neutral"))})
    assert err.field == "review.steps[1].index"


def test_trajectory_steps() -> None:
    s = steps_schema("trajectory")
    answer = {"steps": labels((0, "correct"), (1, "incorrect"))}
    assert check(s, answer, TRAJECTORY)["first_error"] == 1
    err = refused(s, {"steps": labels((0, "correct"), (1, "correct"))}, TRAJECTORY)
    assert "step 2 is not labelled" in err.detail


def test_answer_shape() -> None:
    s = steps_schema()
    assert refused(s, ["correct"]).field == "review"
    assert refused(s, {"labels": []}).field == "review"
    assert refused(s, {"steps": "all good"}).field == "review.steps"
    assert refused(s, {"steps": labels((0, "correct"))}, steps="not a chat").field == "review"


def test_step_labels_need_a_chat_or_trajectory() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_label_schema(
            {
                "fields": [{"name": "t"}],
                "questions": [{"name": "s", "type": "step_labels", "field": "t"}],
            }
        )
    assert err.value.field == "questions[0]"
