"""What one answer is checked against: its question's name and labels, and the item's content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.fields import Field


@dataclass(frozen=True)
class AnswerContext:
    name: str  # the question's name: the first part of every error path
    labels: frozenset[str]  # the values of the question's options or labels
    fields: Mapping[str, Field]
    content: Mapping[str, object] | None  # None: only the answer's own shape is checked

    def field_value(self, field_name: str) -> object:
        """The item's value of a field; the caller has checked `content` is given."""
        assert self.content is not None
        value = self.content.get(field_name)
        if value is None:
            raise InvalidInput(
                f"the item has no value for field {field_name!r} to answer against",
                field=self.name,
            )
        return value
