"""Ranking questions: order N responses, best first; the answer must be a permutation of them.

The responses are either fixed fields of the schema (`"responses": ["model_a", "model_b"]`,
ids are the field names) or a `json` field whose value in each item is a list of objects
with unique `"id"`s (`"field": "candidates"`), so the number of responses may vary by item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import Field, FieldType, field_ref
from tessera.domain.schema.reading import Obj, as_list

MAX_RESPONSES = 100
RESPONSE_ID_MAX_CHARS = 200


@dataclass(frozen=True)
class RankingSpec:
    responses: tuple[str, ...] = ()  # fixed responses: field names
    field: str | None = None  # or responses listed by each item in this json field

    @property
    def needs_content(self) -> bool:
        return self.field is not None

    def to_dict(self) -> dict[str, object]:
        if self.field is not None:
            return {"field": self.field}
        return {"responses": list(self.responses)}

    def check_content(self, content: Mapping[str, object]) -> None:
        """Each item must list at least two responses with distinct text ids."""
        if self.field is not None:
            response_ids(content.get(self.field), self.field)

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        if self.field is None:
            expected: Sequence[str] = self.responses
        else:
            expected = response_ids(ctx.field_value(self.field), ctx.name)
        order = as_list(answer, ctx.name, max_items=len(expected))
        position: dict[str, int] = {}
        known = set(expected)
        for i, rid in enumerate(order):
            if not isinstance(rid, str) or rid not in known:
                raise InvalidInput(f"unknown response {str(rid)[:50]!r}", field=f"{ctx.name}[{i}]")
            if rid in position:
                raise InvalidInput(
                    f"ranking is not a permutation: {rid!r} is ranked twice "
                    f"(also at {ctx.name}[{position[rid]}])",
                    field=f"{ctx.name}[{i}]",
                )
            position[rid] = i
        missing = [r for r in expected if r not in position]
        if missing:
            raise InvalidInput(
                f"ranking is not a permutation: {missing[0]!r} is missing", field=ctx.name
            )
        return list(order)


def response_ids(value: object, path: str) -> list[str]:
    """The ids of the responses an item lists, in the item's order."""
    responses = value if isinstance(value, list) else None
    if responses is None or not 2 <= len(responses) <= MAX_RESPONSES:
        raise InvalidInput(
            f"must list 2-{MAX_RESPONSES} responses as objects with an 'id'", field=path
        )
    ids: list[str] = []
    for i, r in enumerate(responses):
        rid = r.get("id") if isinstance(r, Mapping) else None
        if not isinstance(rid, str) or not 0 < len(rid) <= RESPONSE_ID_MAX_CHARS:
            raise InvalidInput(
                f"'id' must be 1-{RESPONSE_ID_MAX_CHARS} characters", field=f"{path}[{i}].id"
            )
        if rid in ids:
            raise InvalidInput(f"duplicate id {rid[:50]!r}", field=f"{path}[{i}].id")
        ids.append(rid)
    return ids


def parse_ranking(obj: Obj, path: str, fields: Mapping[str, Field]) -> RankingSpec:
    if ("field" in obj) == ("responses" in obj):
        raise InvalidInput("give either 'responses' (field names) or 'field'", field=path)
    if "field" in obj:
        return RankingSpec(field=field_ref(obj, "field", fields, {FieldType.JSON}, path))
    names = as_list(obj["responses"], f"{path}.responses", max_items=MAX_RESPONSES)
    every = set(FieldType)
    refs = [
        field_ref({"field": n}, "field", fields, every, f"{path}.responses[{j}]")
        for j, n in enumerate(names)
    ]
    if len(refs) < 2 or len(set(refs)) != len(refs):
        raise InvalidInput("needs at least two different fields", field=f"{path}.responses")
    return RankingSpec(responses=tuple(refs))
