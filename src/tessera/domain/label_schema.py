"""Label schemas: the fields an item shows, the questions an annotator answers, their rules.

This module holds the aggregate (`LabelSchema`, `parse_label_schema`) and re-exports the
public names of its parts, which live in `tessera.domain.schema`. The language itself is
described in docs/user-guide/schemas.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.boxes import BoxesSpec, Coordinates, Shape
from tessera.domain.schema.choices import TEXT_ANSWER_MAX_CHARS
from tessera.domain.schema.content import check_field
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import Field, FieldType, parse_field
from tessera.domain.schema.pairwise import PairCriterion, PairwiseSpec, Preference
from tessera.domain.schema.questions import (
    RESERVED_HOTKEYS,
    Condition,
    Option,
    Question,
    QuestionSpec,
    QuestionType,
    assign_hotkeys,
    parse_question,
)
from tessera.domain.schema.ranking import RankingSpec
from tessera.domain.schema.rating import Criterion, RatingSpec
from tessera.domain.schema.reading import NAME_MAX_CHARS, as_list, check_unique
from tessera.domain.schema.spans import SpansSpec
from tessera.domain.schema.step_labels import StepLabel, StepLabelsSpec

MAX_FIELDS = 100
MAX_QUESTIONS = 100

__all__ = [
    "MAX_FIELDS",
    "MAX_QUESTIONS",
    "NAME_MAX_CHARS",
    "RESERVED_HOTKEYS",
    "TEXT_ANSWER_MAX_CHARS",
    "BoxesSpec",
    "Condition",
    "Coordinates",
    "Criterion",
    "Field",
    "FieldType",
    "LabelSchema",
    "Option",
    "PairCriterion",
    "PairwiseSpec",
    "Preference",
    "Question",
    "QuestionSpec",
    "QuestionType",
    "RankingSpec",
    "RatingSpec",
    "Shape",
    "SpansSpec",
    "StepLabel",
    "StepLabelsSpec",
    "parse_label_schema",
]


@dataclass(frozen=True)
class LabelSchema:
    """A parsed, validated label schema; build it with `parse_label_schema`."""

    fields: tuple[Field, ...]
    questions: tuple[Question, ...]

    @property
    def needs_content(self) -> bool:
        """Whether answers can only be checked against the item (spans, pixel boxes, ...)."""
        return any(q.needs_content for q in self.questions)

    def to_dict(self) -> dict[str, object]:
        """The canonical JSON form; `parse_label_schema(s.to_dict()) == s`."""
        return {
            "fields": [f.to_dict() for f in self.fields],
            "questions": [q.to_dict() for q in self.questions],
        }

    def validate_content(self, content: Mapping[str, object], *, line: int | None = None) -> None:
        """Check an item's content supplies every field in the form its type needs.

        Keys the schema does not name are allowed (and kept).
        """
        for f in self.fields:
            check_field(f, content.get(f.name), line)
        for q in self.questions:
            try:
                q.check_content(content)
            except InvalidInput as exc:
                raise InvalidInput(exc.detail, field=exc.field, line=line) from None

    def validate_answer(
        self, value: Mapping[str, object], content: Mapping[str, object] | None = None
    ) -> dict[str, object]:
        """Check a submitted answer against the questions; returns it normalised.

        Args:
            value: question name -> answer.
            content: the item's content. Needed when `needs_content` (spans, boxes in
                pixels, ranking over an item's list, step labels); omitting it then is a
                programming error (ValueError), never a silently weaker check.

        Raises:
            InvalidInput: naming the path of the first problem, such as `entities[2].end`.
        """
        if content is None and self.needs_content:
            raise ValueError("this schema checks answers against the item: pass its content")
        if not isinstance(value, Mapping):
            raise InvalidInput("must be an object of answers by question name", field="value")
        known = {q.name: q for q in self.questions}
        for key in value:
            if key not in known:
                raise InvalidInput("unknown question", field=str(key)[:100])
        by_name = {f.name: f for f in self.fields}
        clean: dict[str, object] = {}
        for q in self.questions:
            answer = value.get(q.name)
            applies = q.when is None or q.when.holds(clean)
            if q.is_blank(answer):
                if q.required and applies:
                    raise InvalidInput("an answer is required", field=q.name)
                continue
            if not applies:
                assert q.when is not None
                shown = " or ".join(repr(v) for v in q.when.values)
                raise InvalidInput(
                    f"this question is asked only when {q.when.question!r} is {shown}",
                    field=q.name,
                )
            labels = frozenset(o.value for o in q.options)
            ctx = AnswerContext(name=q.name, labels=labels, fields=by_name, content=content)
            clean[q.name] = q.validate(answer, ctx)
        return clean


def parse_label_schema(raw: object) -> LabelSchema:
    """Validate a schema given as JSON-like data and assign default hotkeys 1-9 to options.

    Raises:
        InvalidInput: naming the offending path, such as `questions[1].options`.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object with 'fields' and 'questions'", field="label_schema")
    for key in raw:
        if key not in ("fields", "questions"):
            raise InvalidInput(f"unknown key {str(key)[:40]!r}", field="label_schema")
    raw_fields = as_list(raw.get("fields", []), "fields", max_items=MAX_FIELDS)
    fields = tuple(parse_field(f, i) for i, f in enumerate(raw_fields))
    check_unique([f.name for f in fields], "fields")
    if not fields:
        raise InvalidInput("at least one field is needed", field="fields")
    by_name = {f.name: f for f in fields}
    questions: dict[str, Question] = {}
    raw_questions = as_list(raw.get("questions", []), "questions", max_items=MAX_QUESTIONS)
    for i, q in enumerate(raw_questions):
        parsed = parse_question(q, i, by_name, questions)
        if parsed.name in questions:
            raise InvalidInput(f"duplicate name {parsed.name!r}", field="questions")
        questions[parsed.name] = parsed
    if not questions:
        raise InvalidInput("at least one question is needed", field="questions")
    return LabelSchema(fields=fields, questions=assign_hotkeys(list(questions.values())))
