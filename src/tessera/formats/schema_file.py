"""Label schemas written as JSON or YAML text: read safely, then parsed by the domain.

YAML is read with PyYAML's safe loader, narrowed further: anchors and aliases are refused
(alias expansion is YAML's "billion laughs"), `yes`/`no`/`on`/`off` stay text (only
true/false are booleans, as in YAML 1.2 and JSON) and dates stay text.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

import yaml  # type: ignore[import-untyped]

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, parse_label_schema

SCHEMA_MAX_BYTES = 1 << 20
FIELD = "label_schema"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class SchemaSyntax(StrEnum):
    JSON = "json"
    YAML = "yaml"


def _schema_loader() -> Any:
    """A SafeLoader subclass whose booleans are true/false only and that has no timestamps."""
    loader: Any = type("SchemaLoader", (yaml.SafeLoader,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return loader


_LOADER = _schema_loader()


def read_schema_text(text: str | bytes, *, syntax: SchemaSyntax | None = None) -> object:
    """The raw schema (JSON-like data) from JSON or YAML text; JSON when it starts with '{'.

    Raises:
        InvalidInput: for text too large, not UTF-8, or not valid in its syntax (with the line).
    """
    if len(text) > SCHEMA_MAX_BYTES:
        raise InvalidInput(f"larger than {SCHEMA_MAX_BYTES} bytes", field=FIELD)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("not UTF-8 text", field=FIELD) from None
    if syntax is None:
        syntax = SchemaSyntax.JSON if text.lstrip().startswith("{") else SchemaSyntax.YAML
    if syntax is SchemaSyntax.JSON:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON: {exc.msg}", field=FIELD, line=exc.lineno) from None
    return _read_yaml(text)


def _read_yaml(text: str) -> object:
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                line = event.start_mark.line + 1
                raise InvalidInput(
                    "YAML anchors and aliases are not allowed", field=FIELD, line=line
                )
        value: object = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidInput(f"not valid YAML: {problem}", field=FIELD, line=line) from None
    return value


def load_label_schema(text: str | bytes, *, syntax: SchemaSyntax | None = None) -> LabelSchema:
    """A validated label schema from JSON or YAML text."""
    return parse_label_schema(read_schema_text(text, syntax=syntax))
