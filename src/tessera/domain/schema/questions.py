"""Questions: what an annotator answers; their options, hotkeys, conditions and settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from tessera.domain.errors import InvalidInput
from tessera.domain.schema import choices
from tessera.domain.schema.boxes import BoxesSpec, parse_boxes
from tessera.domain.schema.choices import TEXT_ANSWER_MAX_CHARS
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import Field
from tessera.domain.schema.pairwise import parse_pairwise
from tessera.domain.schema.ranking import RankingSpec, parse_ranking
from tessera.domain.schema.rating import parse_rating
from tessera.domain.schema.reading import (
    Obj,
    as_list,
    as_object,
    check_unique,
    read_bool,
    read_name,
    read_title,
    reject_unknown_keys,
)
from tessera.domain.schema.spans import parse_spans
from tessera.domain.schema.step_labels import parse_step_labels

RESERVED_HOTKEYS = frozenset({"s", "S"})  # S skips; Enter submits
DEFAULT_HOTKEYS = "123456789"
OPTION_VALUE_MAX_CHARS = 200
MAX_OPTIONS = 500


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    RATING = "rating"
    TEXT = "text"
    SPANS = "spans"
    BOXES = "boxes"
    PAIRWISE = "pairwise"
    RANKING = "ranking"
    STEP_LABELS = "step_labels"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE})
LABELLING_TYPES = frozenset({QuestionType.SPANS, QuestionType.BOXES})  # options are "labels"
# An empty list is an answer here ("nothing to mark"), not a missing one.
EMPTY_LIST_ANSWERS = LABELLING_TYPES


class QuestionSpec(Protocol):
    """The settings of a question type beyond name, title, required, options and when."""

    @property
    def needs_content(self) -> bool: ...

    def to_dict(self) -> dict[str, object]: ...

    def validate(self, answer: object, ctx: AnswerContext) -> object: ...


SpecParser = Callable[[Obj, str, Mapping[str, Field]], QuestionSpec]
SPEC_PARSERS: dict[QuestionType, SpecParser] = {
    QuestionType.RATING: lambda obj, path, _fields: parse_rating(obj, path),
    QuestionType.SPANS: parse_spans,
    QuestionType.BOXES: parse_boxes,
    QuestionType.PAIRWISE: parse_pairwise,
    QuestionType.RANKING: parse_ranking,
    QuestionType.STEP_LABELS: parse_step_labels,
}
TYPE_KEYS: dict[QuestionType, frozenset[str]] = {
    QuestionType.SINGLE_CHOICE: frozenset({"options"}),
    QuestionType.MULTI_CHOICE: frozenset({"options"}),
    QuestionType.TEXT: frozenset({"min_length", "max_length"}),
    QuestionType.RATING: frozenset({"min", "max", "criteria"}),
    QuestionType.SPANS: frozenset({"field", "labels", "allow_overlap", "max_spans"}),
    QuestionType.BOXES: frozenset({"field", "labels", "shapes", "coordinates", "max_boxes"}),
    QuestionType.PAIRWISE: frozenset({"a", "b", "allow_tie", "strength_levels", "criteria"}),
    QuestionType.RANKING: frozenset({"responses", "field"}),
    QuestionType.STEP_LABELS: frozenset(
        {"field", "roles", "require_all", "stop_at_first_error", "allow_rewrite"}
    ),
}
COMMON_KEYS = frozenset({"name", "type", "title", "required", "when"})


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hotkey: str | None


@dataclass(frozen=True)
class Condition:
    """Ask (and require) a question only when an earlier choice question has one of `values`."""

    question: str
    values: tuple[str, ...]

    def holds(self, answers: Mapping[str, object]) -> bool:
        given = answers.get(self.question)
        if isinstance(given, list):
            return any(v in self.values for v in given)
        return given in self.values


@dataclass(frozen=True)
class Question:
    name: str
    type: QuestionType
    title: str
    required: bool
    options: tuple[Option, ...] = ()  # choice options; the labels of spans and boxes
    min_length: int = 0
    max_length: int = TEXT_ANSWER_MAX_CHARS
    when: Condition | None = None
    spec: QuestionSpec | None = None

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def needs_content(self) -> bool:
        return self.spec is not None and self.spec.needs_content

    def is_blank(self, answer: object) -> bool:
        if answer is None:
            return True
        if self.type in EMPTY_LIST_ANSWERS and answer == []:
            return False
        return answer == "" or answer == [] or answer == {}

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        if self.type is QuestionType.SINGLE_CHOICE:
            return choices.single_choice(answer, ctx.labels, self.name)
        if self.type is QuestionType.MULTI_CHOICE:
            return choices.multi_choice(answer, ctx.labels, self.name)
        if self.type is QuestionType.TEXT:
            return choices.free_text(answer, self.min_length, self.max_length, self.name)
        assert self.spec is not None
        return self.spec.validate(answer, ctx)

    def check_content(self, content: Mapping[str, object]) -> None:
        """Checks of an item's content that only this question's settings make necessary."""
        if isinstance(self.spec, RankingSpec):
            self.spec.check_content(content)
        elif isinstance(self.spec, BoxesSpec):
            self.spec.check_content(content, self.name)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "type": self.type.value,
            "title": self.title,
            "required": self.required,
        }
        if self.when is not None:
            out["when"] = {"question": self.when.question, "in": list(self.when.values)}
        if self.is_choice or self.type in LABELLING_TYPES:
            out["options" if self.is_choice else "labels"] = [
                {"value": o.value, "label": o.label, "hotkey": o.hotkey} for o in self.options
            ]
        if self.type is QuestionType.TEXT:
            out["min_length"] = self.min_length
            out["max_length"] = self.max_length
        if self.spec is not None:
            out.update(self.spec.to_dict())
        return out


def parse_question(
    raw: object, i: int, fields: Mapping[str, Field], earlier: Mapping[str, Question]
) -> Question:
    path = f"questions[{i}]"
    obj = as_object(raw, path)
    name = read_name(obj, path)
    try:
        qtype = QuestionType(str(obj.get("type")))
    except ValueError:
        raise InvalidInput(f"unsupported question type {obj.get('type')!r}", field=path) from None
    reject_unknown_keys(obj, COMMON_KEYS | TYPE_KEYS[qtype], path)
    base = Question(
        name=name,
        type=qtype,
        title=read_title(obj, name, path),
        required=read_bool(obj, "required", True, path),
        when=_parse_condition(obj.get("when"), f"{path}.when", earlier),
    )
    if qtype is QuestionType.TEXT:
        lo, hi = obj.get("min_length", 0), obj.get("max_length", TEXT_ANSWER_MAX_CHARS)
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
            raise InvalidInput("need 0 <= min_length <= max_length", field=path)
        if hi > TEXT_ANSWER_MAX_CHARS:
            raise InvalidInput(f"max_length is at most {TEXT_ANSWER_MAX_CHARS}", field=path)
        return dataclasses.replace(base, min_length=lo, max_length=hi)
    if qtype in CHOICE_TYPES or qtype in LABELLING_TYPES:
        key = "options" if qtype in CHOICE_TYPES else "labels"
        base = dataclasses.replace(base, options=_parse_options(obj, key, path))
    if qtype in SPEC_PARSERS:
        base = dataclasses.replace(base, spec=SPEC_PARSERS[qtype](obj, path, fields))
    return base


def _parse_options(obj: Obj, key: str, path: str) -> tuple[Option, ...]:
    raw = as_list(obj.get(key, []), f"{path}.{key}", max_items=MAX_OPTIONS)
    options = tuple(_parse_option(o, f"{path}.{key}[{j}]") for j, o in enumerate(raw))
    if not options:
        kind = "a choice question needs options" if key == "options" else f"needs {key}"
        raise InvalidInput(kind, field=f"{path}.{key}")
    check_unique([o.value for o in options], f"{path}.{key}")
    return options


def _parse_option(raw: object, path: str) -> Option:
    if isinstance(raw, str):
        raw = {"value": raw}
    obj = as_object(raw, path, "text or an object with 'value'")
    reject_unknown_keys(obj, {"value", "label", "hotkey"}, path)
    value = obj.get("value")
    if not isinstance(value, str) or not value or len(value) > OPTION_VALUE_MAX_CHARS:
        raise InvalidInput(f"'value' must be 1-{OPTION_VALUE_MAX_CHARS} characters", field=path)
    label = obj.get("label", value)
    hotkey = obj.get("hotkey")
    if not isinstance(label, str):
        raise InvalidInput("'label' must be text", field=path)
    if hotkey is not None and (
        not isinstance(hotkey, str) or len(hotkey) != 1 or hotkey in RESERVED_HOTKEYS
    ):
        raise InvalidInput("'hotkey' must be one character other than S", field=path)
    return Option(value=value, label=label, hotkey=hotkey)


def _parse_condition(raw: object, path: str, earlier: Mapping[str, Question]) -> Condition | None:
    if raw is None:
        return None
    obj = as_object(raw, path, "an object with 'question' and 'equals' or 'in'")
    reject_unknown_keys(obj, {"question", "equals", "in"}, path)
    target = earlier.get(str(obj.get("question")))
    if target is None or not target.is_choice:
        raise InvalidInput("'question' must name an earlier choice question", field=path)
    if ("equals" in obj) == ("in" in obj):
        raise InvalidInput("give either 'equals' or 'in'", field=path)
    values = [obj["equals"]] if "equals" in obj else list(as_list(obj["in"], path))
    allowed = {o.value for o in target.options}
    if not values or not all(isinstance(v, str) and v in allowed for v in values):
        raise InvalidInput(f"values must be options of {target.name!r}", field=path)
    return Condition(question=target.name, values=tuple(dict.fromkeys(str(v) for v in values)))


def assign_hotkeys(questions: Sequence[Question]) -> tuple[Question, ...]:
    """Give options and labels without a hotkey the next free digit 1-9, across all questions."""
    explicit = [o.hotkey for q in questions for o in q.options if o.hotkey]
    if len(set(explicit)) != len(explicit):
        raise InvalidInput("two options share a hotkey", field="questions")
    free = iter([d for d in DEFAULT_HOTKEYS if d not in set(explicit)])
    return tuple(
        dataclasses.replace(
            q,
            options=tuple(
                o if o.hotkey else Option(o.value, o.label, next(free, None)) for o in q.options
            ),
        )
        for q in questions
    )
