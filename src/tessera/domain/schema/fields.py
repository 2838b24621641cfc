"""Fields: what an item shows (text, markdown, image, chat, trajectory, code, json)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.reading import (
    Obj,
    as_object,
    read_name,
    read_title,
    reject_unknown_keys,
)

LANGUAGE = re.compile(r"[A-Za-z0-9+#._-]{1,32}")


class FieldType(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    IMAGE = "image"
    CHAT = "chat"
    TRAJECTORY = "trajectory"
    CODE = "code"
    JSON = "json"


# Fields whose content is one string (or, for code, a string with a language): spans can
# point into them.
TEXTUAL = frozenset({FieldType.TEXT, FieldType.CODE})
# Fields made of steps that step_labels can judge one by one.
STEPPED = frozenset({FieldType.CHAT, FieldType.TRAJECTORY})


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    title: str
    language: str | None = None  # code fields: the default language for highlighting

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "type": self.type.value, "title": self.title}
        if self.type is FieldType.CODE:
            out["language"] = self.language
        return out


def parse_field(raw: object, i: int) -> Field:
    path = f"fields[{i}]"
    obj = as_object(raw, path)
    name = read_name(obj, path)
    try:
        ftype = FieldType(str(obj.get("type", "text")))
    except ValueError:
        raise InvalidInput(f"unsupported field type {obj.get('type')!r}", field=path) from None
    allowed = {"name", "type", "title"} | ({"language"} if ftype is FieldType.CODE else set())
    reject_unknown_keys(obj, allowed, path)
    language = read_language(obj, path) if ftype is FieldType.CODE else None
    return Field(name=name, type=ftype, title=read_title(obj, name, path), language=language)


def read_language(obj: Obj, path: str) -> str | None:
    language = obj.get("language")
    if language is None:
        return None
    if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
        raise InvalidInput("'language' must be 1-32 letters, digits or +#._-", field=path)
    return language


def field_ref(
    obj: Obj,
    key: str,
    fields: Mapping[str, Field],
    allowed: Collection[FieldType],
    path: str,
) -> str:
    """The name of a field this question points at, checked to exist and be of a fit type."""
    name = obj.get(key)
    if not isinstance(name, str) or name not in fields:
        raise InvalidInput(f"'{key}' must name one of the schema's fields", field=path)
    if fields[name].type not in allowed:
        kinds = ", ".join(sorted(t.value for t in allowed))
        raise InvalidInput(f"'{key}' must name a field of type {kinds}", field=path)
    return name
