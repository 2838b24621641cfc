"""Step-label questions: judge each step of a chat or an agent trajectory (process supervision).

An answer is `{"steps": [{"index", "label", "rewrite"?}], "first_error": index | null}`:
`index` is the step's position in the field's list, `label` is correct, neutral or incorrect,
and `rewrite` (when the question allows it) is a better version of a step not labelled
correct. `first_error` must be the lowest index labelled incorrect (null when none is); it
may be left out and is then filled in. With `stop_at_first_error`, steps after the first error
need no label (PRM800K-style labelling stops there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.content import ROLE_MAX_CHARS, steps_of
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import STEPPED, Field, field_ref
from tessera.domain.schema.reading import (
    Obj,
    as_list,
    as_object,
    check_unique,
    checked_str,
    is_int,
    read_bool,
    reject_unknown_keys,
)

REWRITE_MAX_CHARS = 100_000


class StepLabel(StrEnum):
    CORRECT = "correct"
    NEUTRAL = "neutral"
    INCORRECT = "incorrect"


@dataclass(frozen=True)
class StepLabelsSpec:
    field: str
    roles: tuple[str, ...] = ()  # only steps with one of these roles are judged; () = all
    require_all: bool = True
    stop_at_first_error: bool = True
    allow_rewrite: bool = True

    @property
    def needs_content(self) -> bool:
        return True

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "roles": list(self.roles),
            "require_all": self.require_all,
            "stop_at_first_error": self.stop_at_first_error,
            "allow_rewrite": self.allow_rewrite,
        }

    def judged_steps(self, value: object) -> list[int]:
        """The indices of the steps this question asks about, for an item's field value."""
        steps = steps_of(value) or []
        return [
            i
            for i, s in enumerate(steps)
            if not self.roles or (isinstance(s, Mapping) and s.get("role") in self.roles)
        ]

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        obj = as_object(answer, ctx.name, "an object with 'steps'")
        reject_unknown_keys(obj, {"steps", "first_error"}, ctx.name)
        value = ctx.field_value(self.field)
        if steps_of(value) is None:
            raise InvalidInput(f"the item's field {self.field!r} holds no steps", field=ctx.name)
        judged = self.judged_steps(value)
        eligible = set(judged)
        labelled: dict[int, dict[str, object]] = {}
        path = f"{ctx.name}.steps"
        for i, raw in enumerate(as_list(obj.get("steps"), path, max_items=len(judged))):
            step = self._step(raw, f"{path}[{i}]", eligible)
            index = cast(int, step["index"])
            if index in labelled:
                raise InvalidInput(f"step {index} is labelled twice", field=f"{path}[{i}].index")
            labelled[index] = step
        wrong = [i for i, s in labelled.items() if s["label"] == StepLabel.INCORRECT.value]
        first = min(wrong) if wrong else None
        _check_first_error(obj, first, f"{ctx.name}.first_error")
        if self.require_all:
            stop = first if self.stop_at_first_error else None
            due = [i for i in judged if stop is None or i <= stop]
            missing = [i for i in due if i not in labelled]
            if missing:
                raise InvalidInput(f"step {missing[0]} is not labelled", field=path)
        return {"steps": [labelled[i] for i in sorted(labelled)], "first_error": first}

    def _step(self, raw: object, path: str, eligible: set[int]) -> dict[str, object]:
        step = as_object(raw, path, "an object with 'index' and 'label'")
        reject_unknown_keys(step, {"index", "label", "rewrite"}, path)
        index = step.get("index")
        if not is_int(index) or index not in eligible:
            raise InvalidInput(
                "not the index of a step this question judges", field=f"{path}.index"
            )
        try:
            label = StepLabel(cast(str, step.get("label")))
        except ValueError:
            raise InvalidInput(
                "must be correct, neutral or incorrect", field=f"{path}.label"
            ) from None
        clean: dict[str, object] = {"index": index, "label": label.value}
        if "rewrite" in step:
            if not self.allow_rewrite:
                raise InvalidInput("this question takes no rewrites", field=f"{path}.rewrite")
            if label is StepLabel.CORRECT:
                raise InvalidInput("a correct step needs no rewrite", field=f"{path}.rewrite")
            clean["rewrite"] = checked_str(
                step["rewrite"], f"{path}.rewrite", min_chars=1, max_chars=REWRITE_MAX_CHARS
            )
        return clean


def _check_first_error(obj: Obj, first: int | None, path: str) -> None:
    if "first_error" not in obj:
        return
    claimed = obj["first_error"]
    if claimed is not None and not is_int(claimed):
        raise InvalidInput("must be a step index or null", field=path)
    if claimed == first:
        return
    if first is None:
        raise InvalidInput(f"says step {claimed}, but no step is labelled incorrect", field=path)
    raise InvalidInput(
        f"must be {first}, the first step labelled incorrect (got {claimed})", field=path
    )


def parse_step_labels(obj: Obj, path: str, fields: Mapping[str, Field]) -> StepLabelsSpec:
    roles = as_list(obj.get("roles", []), f"{path}.roles", max_items=20)
    for r in roles:
        if not isinstance(r, str) or not 0 < len(r) <= ROLE_MAX_CHARS:
            raise InvalidInput(f"roles must be 1-{ROLE_MAX_CHARS} characters", field=path)
    check_unique(cast(list[str], roles), f"{path}.roles")
    return StepLabelsSpec(
        field=field_ref(obj, "field", fields, STEPPED, path),
        roles=tuple(cast(list[str], roles)),
        require_all=read_bool(obj, "require_all", True, path),
        stop_at_first_error=read_bool(obj, "stop_at_first_error", True, path),
        allow_rewrite=read_bool(obj, "allow_rewrite", True, path),
    )
