"""Rating questions: one Likert scale, or a rubric of criteria each with its own scale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.reading import (
    Obj,
    as_list,
    as_object,
    check_unique,
    is_int,
    read_bool,
    read_int,
    read_name,
    read_title,
    reject_unknown_keys,
)

SCALE_BOUND = 1000
MAX_CRITERIA = 50
RATING_KEYS = frozenset({"min", "max", "criteria"})


@dataclass(frozen=True)
class Criterion:
    name: str
    title: str
    min: int
    max: int
    required: bool = True


@dataclass(frozen=True)
class RatingSpec:
    """Without criteria the answer is a whole number min..max; with them, one per criterion."""

    min: int = 1
    max: int = 5
    criteria: tuple[Criterion, ...] = ()

    @property
    def needs_content(self) -> bool:
        return False

    def to_dict(self) -> dict[str, object]:
        return {
            "min": self.min,
            "max": self.max,
            "criteria": [
                {
                    "name": c.name,
                    "title": c.title,
                    "min": c.min,
                    "max": c.max,
                    "required": c.required,
                }
                for c in self.criteria
            ],
        }

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        if not self.criteria:
            return _score(answer, self.min, self.max, ctx.name)
        if not isinstance(answer, Mapping):
            raise InvalidInput("expected an object with a score per criterion", field=ctx.name)
        known = {c.name for c in self.criteria}
        for key in answer:
            if key not in known:
                raise InvalidInput("unknown criterion", field=f"{ctx.name}.{str(key)[:64]}")
        clean: dict[str, int] = {}
        for c in self.criteria:
            score = answer.get(c.name)
            if score is None:
                if c.required:
                    raise InvalidInput("a score is required", field=f"{ctx.name}.{c.name}")
                continue
            clean[c.name] = _score(score, c.min, c.max, f"{ctx.name}.{c.name}")
        return clean


def _score(value: object, lo: int, hi: int, path: str) -> int:
    if not is_int(value) or not lo <= cast(int, value) <= hi:
        raise InvalidInput(f"must be a whole number from {lo} to {hi}", field=path)
    return cast(int, value)


def _scale(obj: Obj, path: str, default: tuple[int, int]) -> tuple[int, int]:
    lo = read_int(obj, "min", default[0], path, lo=-SCALE_BOUND, hi=SCALE_BOUND)
    hi = read_int(obj, "max", default[1], path, lo=-SCALE_BOUND, hi=SCALE_BOUND)
    if lo >= hi:
        raise InvalidInput("need min < max", field=path)
    return lo, hi


def parse_rating(obj: Obj, path: str) -> RatingSpec:
    lo, hi = _scale(obj, path, (1, 5))
    criteria: list[Criterion] = []
    raw = as_list(obj.get("criteria", []), f"{path}.criteria", max_items=MAX_CRITERIA)
    for j, item in enumerate(raw):
        at = f"{path}.criteria[{j}]"
        c = as_object(item, at)
        reject_unknown_keys(c, {"name", "title", "min", "max", "required"}, at)
        name = read_name(c, at)
        c_lo, c_hi = _scale(c, at, (lo, hi))
        required = read_bool(c, "required", True, at)
        criteria.append(Criterion(name, read_title(c, name, at), c_lo, c_hi, required))
    check_unique([c.name for c in criteria], f"{path}.criteria")
    return RatingSpec(min=lo, max=hi, criteria=tuple(criteria))
