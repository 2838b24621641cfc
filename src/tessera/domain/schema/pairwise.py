"""Pairwise questions: which of two responses is better (A, B or a tie), how strongly, and
optionally per criterion (helpfulness, honesty, ...).

An answer is `{"choice": "a" | "b" | "tie", "strength": 1..strength_levels}`; strength is
asked only when `strength_levels > 0` and never for a tie. With criteria, the answer also
holds `"criteria": {name: {"choice", "strength"}}`, one entry per criterion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import Field, FieldType, field_ref
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

MAX_STRENGTH_LEVELS = 5
MAX_CRITERIA = 20


class Preference(StrEnum):
    A = "a"
    B = "b"
    TIE = "tie"


@dataclass(frozen=True)
class PairCriterion:
    name: str
    title: str


@dataclass(frozen=True)
class PairwiseSpec:
    a: str  # the field shown as response A
    b: str
    allow_tie: bool = True
    strength_levels: int = 0  # 0: no strength asked; 3: slightly / clearly / much better
    criteria: tuple[PairCriterion, ...] = ()

    @property
    def needs_content(self) -> bool:
        return False

    def to_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "allow_tie": self.allow_tie,
            "strength_levels": self.strength_levels,
            "criteria": [{"name": c.name, "title": c.title} for c in self.criteria],
        }

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        obj = as_object(answer, ctx.name, "an object with 'choice'")
        allowed = {"choice", "strength"} | ({"criteria"} if self.criteria else set())
        reject_unknown_keys(obj, allowed, ctx.name)
        clean = self._judgement(obj, ctx.name)
        if not self.criteria:
            return clean
        per = as_object(obj.get("criteria"), f"{ctx.name}.criteria", "an object per criterion")
        names = {c.name for c in self.criteria}
        for key in per:
            if key not in names:
                raise InvalidInput("unknown criterion", field=f"{ctx.name}.criteria.{key[:64]}")
        judged: dict[str, object] = {}
        for c in self.criteria:
            at = f"{ctx.name}.criteria.{c.name}"
            one = as_object(per.get(c.name), at, "an object with 'choice'")
            reject_unknown_keys(one, {"choice", "strength"}, at)
            judged[c.name] = self._judgement(one, at)
        clean["criteria"] = judged
        return clean

    def _judgement(self, obj: Obj, path: str) -> dict[str, object]:
        try:
            choice = Preference(cast(str, obj.get("choice")))
        except ValueError:
            raise InvalidInput("must be 'a', 'b' or 'tie'", field=f"{path}.choice") from None
        if choice is Preference.TIE and not self.allow_tie:
            raise InvalidInput("this question does not allow a tie", field=f"{path}.choice")
        strength = obj.get("strength")
        if choice is Preference.TIE or self.strength_levels == 0:
            if strength is not None:
                why = "a tie has no strength" if choice is Preference.TIE else "no strength asked"
                raise InvalidInput(why, field=f"{path}.strength")
            return {"choice": choice.value}
        if not is_int(strength) or not 1 <= cast(int, strength) <= self.strength_levels:
            raise InvalidInput(
                f"must be a whole number from 1 to {self.strength_levels}",
                field=f"{path}.strength",
            )
        return {"choice": choice.value, "strength": strength}


def parse_pairwise(obj: Obj, path: str, fields: Mapping[str, Field]) -> PairwiseSpec:
    every = set(FieldType)
    a = field_ref(obj, "a", fields, every, path)
    b = field_ref(obj, "b", fields, every, path)
    if a == b:
        raise InvalidInput("'a' and 'b' must be different fields", field=path)
    criteria: list[PairCriterion] = []
    raw = as_list(obj.get("criteria", []), f"{path}.criteria", max_items=MAX_CRITERIA)
    for j, item in enumerate(raw):
        at = f"{path}.criteria[{j}]"
        c = as_object(item, at)
        reject_unknown_keys(c, {"name", "title"}, at)
        name = read_name(c, at)
        criteria.append(PairCriterion(name, read_title(c, name, at)))
    check_unique([c.name for c in criteria], f"{path}.criteria")
    return PairwiseSpec(
        a=a,
        b=b,
        allow_tie=read_bool(obj, "allow_tie", True, path),
        strength_levels=read_int(obj, "strength_levels", 0, path, lo=0, hi=MAX_STRENGTH_LEVELS),
        criteria=tuple(criteria),
    )
