"""Label schemas: the fields an item shows, the questions an annotator answers, their rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from tessera.domain.errors import InvalidInput

NAME_MAX_CHARS = 64
TEXT_ANSWER_MAX_CHARS = 100_000
RESERVED_HOTKEYS = frozenset({"s", "S"})  # S skips; Enter submits


class FieldType(StrEnum):
    TEXT = "text"


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    title: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hotkey: str | None


@dataclass(frozen=True)
class Question:
    name: str
    type: QuestionType
    title: str
    required: bool
    options: tuple[Option, ...] = ()
    min_length: int = 0
    max_length: int = TEXT_ANSWER_MAX_CHARS

    @property
    def is_choice(self) -> bool:
        return self.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE)


@dataclass(frozen=True)
class LabelSchema:
    """A parsed, validated label schema; build it with `parse_label_schema`."""

    fields: tuple[Field, ...]
    questions: tuple[Question, ...]

    def to_dict(self) -> dict[str, object]:
        """The canonical JSON form; `parse_label_schema(s.to_dict()) == s`."""
        return {
            "fields": [
                {"name": f.name, "type": f.type.value, "title": f.title} for f in self.fields
            ],
            "questions": [_question_to_dict(q) for q in self.questions],
        }

    def validate_content(self, content: Mapping[str, object], *, line: int | None = None) -> None:
        """Check an item's content supplies every field as text."""
        for f in self.fields:
            value = content.get(f.name)
            if not isinstance(value, str):
                raise InvalidInput("missing or not text", field=f.name, line=line)
            _reject_nul(value, f.name, line)

    def validate_answer(self, value: Mapping[str, object]) -> dict[str, object]:
        """Check a submitted answer against the questions; returns it normalised."""
        known = {q.name: q for q in self.questions}
        for key in value:
            if key not in known:
                raise InvalidInput("unknown question", field=str(key))
        clean: dict[str, object] = {}
        for q in self.questions:
            answer = value.get(q.name)
            if answer is None or answer == [] or answer == "":
                if q.required:
                    raise InvalidInput("an answer is required", field=q.name)
                continue
            clean[q.name] = _validate_one(q, answer)
        return clean


def _validate_one(q: Question, answer: object) -> object:
    allowed = {o.value for o in q.options}
    if q.type is QuestionType.SINGLE_CHOICE:
        if not isinstance(answer, str) or answer not in allowed:
            raise InvalidInput(f"unknown option {str(answer)[:50]!r}", field=q.name)
        return answer
    if q.type is QuestionType.MULTI_CHOICE:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            raise InvalidInput("expected a list of options", field=q.name)
        chosen = cast(list[str], answer)
        unknown = [a for a in chosen if a not in allowed]
        if unknown:
            raise InvalidInput(f"unknown option {unknown[0][:50]!r}", field=q.name)
        if len(set(chosen)) != len(chosen):
            raise InvalidInput("an option is chosen twice", field=q.name)
        return chosen
    if not isinstance(answer, str):
        raise InvalidInput("expected text", field=q.name)
    _reject_nul(answer, q.name, None)
    if not q.min_length <= len(answer) <= q.max_length:
        raise InvalidInput(
            f"length must be between {q.min_length} and {q.max_length} characters", field=q.name
        )
    return answer


def _reject_nul(text: str, field: str, line: int | None) -> None:
    if "\x00" in text:
        raise InvalidInput("NUL character is not allowed", field=field, line=line)


def _question_to_dict(q: Question) -> dict[str, object]:
    out: dict[str, object] = {
        "name": q.name,
        "type": q.type.value,
        "title": q.title,
        "required": q.required,
    }
    if q.is_choice:
        out["options"] = [
            {"value": o.value, "label": o.label, "hotkey": o.hotkey} for o in q.options
        ]
    if q.type is QuestionType.TEXT:
        out["min_length"] = q.min_length
        out["max_length"] = q.max_length
    return out


def parse_label_schema(raw: object) -> LabelSchema:
    """Validate a schema given as JSON-like data and assign default hotkeys 1-9 to options.

    Raises:
        InvalidInput: naming the offending path, such as `questions[1].options`.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object with 'fields' and 'questions'", field="label_schema")
    fields = tuple(_parse_field(f, i) for i, f in enumerate(_list(raw, "fields")))
    questions = [_parse_question(q, i) for i, q in enumerate(_list(raw, "questions"))]
    _check_unique([f.name for f in fields], "fields")
    _check_unique([q.name for q in questions], "questions")
    if not fields:
        raise InvalidInput("at least one field is needed", field="fields")
    if not questions:
        raise InvalidInput("at least one question is needed", field="questions")
    return LabelSchema(fields=fields, questions=_assign_hotkeys(questions))


def _list(raw: Mapping[object, object], key: str) -> Sequence[object]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise InvalidInput("must be a list", field=key)
    return value


def _name(raw: Mapping[object, object], path: str) -> str:
    name = raw.get("name")
    if not isinstance(name, str) or not name or len(name) > NAME_MAX_CHARS:
        raise InvalidInput(f"'name' must be 1-{NAME_MAX_CHARS} characters", field=path)
    if not all(c.isalnum() or c in "_-" for c in name):
        raise InvalidInput("'name' may hold letters, digits, '_' and '-' only", field=path)
    return name


def _title(raw: Mapping[object, object], default: str, path: str) -> str:
    title = raw.get("title", default)
    if not isinstance(title, str):
        raise InvalidInput("'title' must be text", field=path)
    return title


def _parse_field(raw: object, i: int) -> Field:
    path = f"fields[{i}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object", field=path)
    name = _name(raw, path)
    try:
        ftype = FieldType(raw.get("type", "text"))
    except ValueError:
        raise InvalidInput(f"unsupported field type {raw.get('type')!r}", field=path) from None
    return Field(name=name, type=ftype, title=_title(raw, name, path))


def _parse_question(raw: object, i: int) -> Question:
    path = f"questions[{i}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object", field=path)
    name = _name(raw, path)
    try:
        qtype = QuestionType(str(raw.get("type")))
    except ValueError:
        raise InvalidInput(f"unsupported question type {raw.get('type')!r}", field=path) from None
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise InvalidInput("'required' must be true or false", field=path)
    title = _title(raw, name, path)
    if qtype is QuestionType.TEXT:
        lo, hi = raw.get("min_length", 0), raw.get("max_length", TEXT_ANSWER_MAX_CHARS)
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
            raise InvalidInput("need 0 <= min_length <= max_length", field=path)
        if hi > TEXT_ANSWER_MAX_CHARS:
            raise InvalidInput(f"max_length is at most {TEXT_ANSWER_MAX_CHARS}", field=path)
        return Question(name, qtype, title, required, min_length=lo, max_length=hi)
    options = tuple(
        _parse_option(o, f"{path}.options[{j}]") for j, o in enumerate(_list(raw, "options"))
    )
    if not options:
        raise InvalidInput("a choice question needs options", field=f"{path}.options")
    _check_unique([o.value for o in options], f"{path}.options")
    return Question(name, qtype, title, required, options=options)


def _parse_option(raw: object, path: str) -> Option:
    if isinstance(raw, str):
        raw = {"value": raw}
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be text or an object with 'value'", field=path)
    value = raw.get("value")
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput("'value' must be 1-200 characters", field=path)
    label = raw.get("label", value)
    hotkey = raw.get("hotkey")
    if not isinstance(label, str):
        raise InvalidInput("'label' must be text", field=path)
    if hotkey is not None and (
        not isinstance(hotkey, str) or len(hotkey) != 1 or hotkey in RESERVED_HOTKEYS
    ):
        raise InvalidInput("'hotkey' must be one character other than S", field=path)
    return Option(value=value, label=label, hotkey=hotkey)


def _check_unique(names: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InvalidInput(f"duplicate name {n!r}", field=path)
        seen.add(n)


def _assign_hotkeys(questions: list[Question]) -> tuple[Question, ...]:
    """Give options without a hotkey the next free digit 1-9, across all choice questions."""
    taken = {o.hotkey for q in questions for o in q.options if o.hotkey}
    free = iter([d for d in "123456789" if d not in taken])
    out: list[Question] = []
    for q in questions:
        opts = tuple(
            o if o.hotkey else Option(o.value, o.label, next(free, None)) for o in q.options
        )
        if len({o.hotkey for o in opts if o.hotkey}) != len([o for o in opts if o.hotkey]):
            raise InvalidInput("two options share a hotkey", field=f"{q.name}.options")
        out.append(Question(q.name, q.type, q.title, q.required, opts, q.min_length, q.max_length))
    if len(taken) != len([o for q in questions for o in q.options if o.hotkey]):
        raise InvalidInput("two options share a hotkey", field="questions")
    return tuple(out)
