"""Readers of raw JSON-like values (schema settings and answers), each naming its path on error."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import cast

from tessera.domain.errors import InvalidInput

NAME_MAX_CHARS = 64
# A NUL or a lone UTF-16 surrogate (reachable through a JSON \u escape) cannot be stored in
# PostgreSQL text/jsonb nor encoded back to UTF-8.
BAD_CHARS = re.compile("[\x00\ud800-\udfff]")

Obj = Mapping[str, object]


def as_object(raw: object, path: str, what: str = "an object") -> Obj:
    """The value as a mapping with text keys, or InvalidInput naming `path`."""
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise InvalidInput(f"must be {what}", field=path)
    return cast(Obj, raw)


def as_list(raw: object, path: str, *, max_items: int | None = None) -> Sequence[object]:
    if not isinstance(raw, list):
        raise InvalidInput("must be a list", field=path)
    if max_items is not None and len(raw) > max_items:
        raise InvalidInput(f"at most {max_items} entries are allowed", field=path)
    return raw


def reject_unknown_keys(raw: Obj, allowed: Collection[str], path: str) -> None:
    """Refuse keys the language does not define: a typo must not be silently ignored."""
    for key in raw:
        if key not in allowed:
            raise InvalidInput(f"unknown key {key[:40]!r}", field=path)


def is_number(value: object) -> bool:
    """An int or a finite float; booleans are not numbers here."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def checked_str(value: object, path: str, *, max_chars: int, min_chars: int = 0) -> str:
    """Text without NUL or lone surrogates whose length (in code points) fits."""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=path)
    if BAD_CHARS.search(value):
        raise InvalidInput("NUL characters and lone surrogates are not allowed", field=path)
    if not min_chars <= len(value) <= max_chars:
        raise InvalidInput(f"must be {min_chars}-{max_chars} characters", field=path)
    return value


def read_name(raw: Obj, path: str, key: str = "name") -> str:
    """A machine name: 1-64 letters, digits, '_' or '-' (so a question name can key a form)."""
    name = raw.get(key)
    if not isinstance(name, str) or not name or len(name) > NAME_MAX_CHARS:
        raise InvalidInput(f"'{key}' must be 1-{NAME_MAX_CHARS} characters", field=path)
    if not all(c.isalnum() or c in "_-" for c in name):
        raise InvalidInput(f"'{key}' may hold letters, digits, '_' and '-' only", field=path)
    return name


def read_title(raw: Obj, default: str, path: str) -> str:
    title = raw.get("title", default)
    if not isinstance(title, str):
        raise InvalidInput("'title' must be text", field=path)
    return checked_str(title, path, max_chars=500)


def read_bool(raw: Obj, key: str, default: bool, path: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"'{key}' must be true or false", field=path)
    return value


def read_int(raw: Obj, key: str, default: int, path: str, *, lo: int, hi: int) -> int:
    value = raw.get(key, default)
    if not is_int(value) or not lo <= cast(int, value) <= hi:
        raise InvalidInput(f"'{key}' must be a whole number from {lo} to {hi}", field=path)
    return cast(int, value)


def read_choice(raw: Obj, key: str, default: str, allowed: Sequence[str], path: str) -> str:
    value = raw.get(key, default)
    if value not in allowed:
        raise InvalidInput(f"'{key}' must be one of {', '.join(allowed)}", field=path)
    return cast(str, value)


def check_unique(names: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InvalidInput(f"duplicate name {n!r}", field=path)
        seen.add(n)


def check_json(value: object, path: str, *, max_depth: int, max_nodes: int) -> int:
    """Walk a JSON value without recursion; returns the code points of its strings.

    Refuses values deeper than `max_depth`, with more than `max_nodes` nodes, with text that
    holds NUL or lone surrogates, or holding anything that is not JSON (NaN, bytes, sets...).
    """
    chars = 0
    nodes = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise InvalidInput(f"more than {max_nodes} values", field=path)
        if depth > max_depth:
            raise InvalidInput(f"nested deeper than {max_depth} levels", field=path)
        if isinstance(node, str):
            if BAD_CHARS.search(node):
                raise InvalidInput("NUL characters and lone surrogates are not allowed", field=path)
            chars += len(node)
        elif isinstance(node, Mapping):
            for k, v in node.items():
                if not isinstance(k, str) or BAD_CHARS.search(k):
                    raise InvalidInput("object keys must be clean text", field=path)
                chars += len(k)
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif not (node is None or isinstance(node, bool) or is_number(node)):
            raise InvalidInput("not a JSON value", field=path)
    return chars
