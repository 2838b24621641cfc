"""What each question's widget needs on the annotate page, and reading its answer from the form.

Choice and text questions are plain form inputs. Structured questions (rating, spans, boxes,
pairwise, ranking, step labels) are drawn by their ES module in static/widgets/ from a JSON
config, and post their answer as JSON in one hidden input `q.<name>`, in exactly the shape
the schema validates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.datastructures import FormData

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import (
    BoxesSpec,
    Field,
    LabelSchema,
    Question,
    QuestionType,
    RankingSpec,
    SpansSpec,
    StepLabelsSpec,
)
from tessera.domain.schema.content import image_size, text_of
from tessera.domain.schema.ranking import response_ids

QUESTION_PREFIX = "q."
PLAIN_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE, QuestionType.TEXT})
ANSWER_JSON_MAX_CHARS = 8_000_000
_PATH_HEAD = re.compile(r"[^.\[]+")


@dataclass(frozen=True)
class Widget:
    """One question as the page shows it."""

    question: Question
    config_json: str  # for the widget's script (structured questions)
    value_json: str  # the previous answer as JSON ("" when none)
    previous: object  # the previous answer (plain questions)
    is_visible: bool  # its `when` condition holds for the previous answers
    error: str | None  # a 422 message that names this question

    @property
    def is_plain(self) -> bool:
        return self.question.type in PLAIN_TYPES

    @property
    def when_json(self) -> str:
        when = self.question.when
        if when is None:
            return ""
        return json.dumps({"question": when.question, "values": list(when.values)})


def build_widgets(
    schema: LabelSchema,
    content: Mapping[str, object],
    answers: Mapping[str, object],
    error: InvalidInput | None = None,
) -> list[Widget]:
    """The widgets of every question, pre-filled with `answers` (a 422 retry or a reload)."""
    failed = question_of_error(error)
    out: list[Widget] = []
    for q in schema.questions:
        previous = answers.get(q.name)
        visible = q.when is None or q.when.holds(answers)
        out.append(
            Widget(
                question=q,
                config_json=""
                if q.type in PLAIN_TYPES
                else json.dumps(config_of(q, content, schema.fields)),
                value_json="" if previous is None else json.dumps(previous, ensure_ascii=False),
                previous=previous,
                is_visible=visible,
                error=error.detail if error is not None and failed == q.name else None,
            )
        )
    return out


def question_of_error(error: InvalidInput | None) -> str | None:
    """The question a validation error is about: the head of its path (`tags[2].end` -> tags)."""
    if error is None or not error.field:
        return None
    head = _PATH_HEAD.match(error.field)
    return head.group(0) if head else None


def config_of(
    q: Question, content: Mapping[str, object], schema_fields: Sequence[Field]
) -> dict[str, object]:
    """The question's settings for its script, plus what it needs from the item."""
    config = q.to_dict()
    spec = q.spec
    if isinstance(spec, BoxesSpec):
        size = image_size(content.get(spec.field))
        config["image"] = None if size is None else {"width": size.width, "height": size.height}
    elif isinstance(spec, RankingSpec) and spec.field is not None:
        config["items"] = _ranked_items(content.get(spec.field), spec.field)
    elif isinstance(spec, StepLabelsSpec):
        config["judged"] = spec.judged_steps(content.get(spec.field))
    elif isinstance(spec, SpansSpec):
        fields = {f.name: f for f in schema_fields}
        config["text"] = text_of(fields[spec.field], content.get(spec.field)) or ""
    return config


def _ranked_items(value: object, field: str) -> list[dict[str, str]]:
    """The responses an item lists for a ranking: id and the text to show for each."""
    try:
        ids = response_ids(value, field)
    except InvalidInput:
        return []
    assert isinstance(value, list)
    out = []
    for rid, r in zip(ids, value, strict=True):
        text = next(
            (r[k] for k in ("text", "content", "response") if isinstance(r.get(k), str)), None
        )
        out.append({"id": rid, "text": text if text is not None else json.dumps(r, indent=2)})
    return out


def span_fields(schema: LabelSchema) -> frozenset[str]:
    """Fields spans point into: shown as plain text so offsets map onto what is on screen."""
    return frozenset(q.spec.field for q in schema.questions if isinstance(q.spec, SpansSpec))


def pair_sides(schema: LabelSchema) -> dict[str, str]:
    """Field name -> 'a' or 'b' for the responses a pairwise question compares side by side."""
    sides: dict[str, str] = {}
    for q in schema.questions:
        spec = q.spec
        if q.type is QuestionType.PAIRWISE and spec is not None:
            config = spec.to_dict()
            sides.setdefault(str(config["a"]), "a")
            sides.setdefault(str(config["b"]), "b")
    return sides


def answer_from_form(schema: LabelSchema, form: FormData) -> dict[str, object]:
    """Build the answer: a value per single choice, a list per multi choice, text as typed,
    and the decoded JSON of each structured question.

    Unanswered questions are left out, so the schema decides whether they were required.
    Inputs are named `q.<question>` ('.' cannot occur in a question's name), so a question
    can never collide with the form's own fields (the CSRF token, the skip reason).
    """
    value: dict[str, object] = {}
    for q in schema.questions:
        key = QUESTION_PREFIX + q.name
        if q.type is QuestionType.MULTI_CHOICE:
            chosen = [v for v in form.getlist(key) if isinstance(v, str) and v]
            if chosen:
                value[q.name] = chosen
            continue
        raw = form.get(key)
        if not isinstance(raw, str) or raw == "":
            continue
        value[q.name] = raw if q.type in PLAIN_TYPES else _decode(raw, q.name)
    return value


def _decode(raw: str, name: str) -> object:
    if len(raw) > ANSWER_JSON_MAX_CHARS:
        raise InvalidInput("the answer is too large", field=name)
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except ValueError:
        raise InvalidInput("the widget sent an answer that is not JSON", field=name) from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
