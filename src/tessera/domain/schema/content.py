"""Checks of an item's content, one per field type; errors name the path, such as `chat[2].role`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.fields import LANGUAGE, Field, FieldType
from tessera.domain.schema.reading import BAD_CHARS, check_json, is_int

FIELD_MAX_CHARS = 4_000_000  # a 100,000-token agent trajectory is about 400,000
JSON_MAX_DEPTH = 64
JSON_MAX_NODES = 500_000
MAX_STEPS = 20_000  # chat turns or trajectory steps
ROLE_MAX_CHARS = 64
MEDIA_REF_MAX_CHARS = 2048
IMAGE_MAX_SIDE_PX = 100_000
MEDIA_SCHEMES = frozenset({"http", "https", "s3", "media"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_NO_SPACE = re.compile(r"[^\s\x00-\x1f\x7f]+")
TRAJECTORY_PARTS = ("thought", "content", "tool_calls", "observation")


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int


def check_field(field: Field, value: object, line: int | None) -> None:
    """Raise InvalidInput (with the file line, if any) unless `value` fits the field's type."""
    path = field.name
    if value is None:
        raise InvalidInput("missing", field=path, line=line)
    try:
        if field.type in (FieldType.TEXT, FieldType.MARKDOWN):
            if not isinstance(value, str):
                raise InvalidInput("missing or not text", field=path)
            _check_size(value, path)
        else:
            _CHECKS[field.type](value, path)
    except InvalidInput as exc:
        if exc.line is not None or line is None:
            raise
        raise InvalidInput(exc.detail, field=exc.field, line=line) from None


def text_of(field: Field, value: object) -> str | None:
    """The string that spans index into: a text field's value or a code field's code."""
    if field.type is FieldType.CODE and isinstance(value, Mapping):
        value = value.get("code")
    return value if isinstance(value, str) else None


def image_size(value: object) -> ImageSize | None:
    """The image's size in pixels when the item states it (`{"src", "width", "height"}`)."""
    if not isinstance(value, Mapping):
        return None
    width, height = value.get("width"), value.get("height")
    if is_int(width) and is_int(height):
        return ImageSize(cast(int, width), cast(int, height))
    return None


def steps_of(value: object) -> Sequence[object] | None:
    """The turns of a chat or the steps of a trajectory."""
    return value if isinstance(value, list) else None


def _check_size(value: str, path: str) -> None:
    if BAD_CHARS.search(value):
        raise InvalidInput("NUL characters and lone surrogates are not allowed", field=path)
    if len(value) > FIELD_MAX_CHARS:
        raise InvalidInput(f"longer than {FIELD_MAX_CHARS} characters", field=path)


def _check_json(value: object, path: str) -> None:
    chars = check_json(value, path, max_depth=JSON_MAX_DEPTH, max_nodes=JSON_MAX_NODES)
    if chars > FIELD_MAX_CHARS:
        raise InvalidInput(f"holds more than {FIELD_MAX_CHARS} characters of text", field=path)


def _check_code(value: object, path: str) -> None:
    if isinstance(value, str):
        _check_size(value, path)
        return
    if not isinstance(value, Mapping) or not isinstance(value.get("code"), str):
        raise InvalidInput("must be text, or an object with 'code' and 'language'", field=path)
    for key in value:
        if key not in ("code", "language"):
            raise InvalidInput(f"unknown key {str(key)[:40]!r}", field=path)
    _check_size(value["code"], f"{path}.code")
    language = value.get("language")
    if language is not None and (not isinstance(language, str) or not LANGUAGE.fullmatch(language)):
        raise InvalidInput("must be 1-32 letters, digits or +#._-", field=f"{path}.language")


def check_media_ref(ref: object, path: str) -> str:
    """A media reference: an http(s), s3 or media: URL, or a relative key in the media store.

    Other schemes (javascript:, data:, file:), absolute paths and '..' segments are refused:
    the reference is resolved by the server, never handed to the browser as it stands.
    """
    if not isinstance(ref, str) or not 0 < len(ref) <= MEDIA_REF_MAX_CHARS:
        raise InvalidInput(
            f"must be a media reference of 1-{MEDIA_REF_MAX_CHARS} characters", field=path
        )
    if not _NO_SPACE.fullmatch(ref) or "\\" in ref:
        raise InvalidInput(
            "a media reference may not hold spaces or control characters", field=path
        )
    scheme = _SCHEME.match(ref)
    if scheme is not None:
        if scheme.group(1).lower() not in MEDIA_SCHEMES:
            allowed = ", ".join(sorted(MEDIA_SCHEMES))
            raise InvalidInput(f"unsupported scheme; use one of {allowed}", field=path)
        return ref
    if ref.startswith("/") or ".." in ref.split("/"):
        raise InvalidInput("a media key must be relative, without '..'", field=path)
    return ref


def _check_image(value: object, path: str) -> None:
    if isinstance(value, str):
        check_media_ref(value, path)
        return
    if not isinstance(value, Mapping) or "src" not in value:
        raise InvalidInput("must be a media reference or an object with 'src'", field=path)
    for key in value:
        if key not in ("src", "width", "height", "alt"):
            raise InvalidInput(f"unknown key {str(key)[:40]!r}", field=path)
    check_media_ref(value["src"], f"{path}.src")
    if ("width" in value) != ("height" in value):
        raise InvalidInput("give both 'width' and 'height', or neither", field=path)
    for side in ("width", "height"):
        if side in value:
            px = value[side]
            if not is_int(px) or not 0 < cast(int, px) <= IMAGE_MAX_SIDE_PX:
                raise InvalidInput(
                    f"must be whole pixels from 1 to {IMAGE_MAX_SIDE_PX}", field=f"{path}.{side}"
                )
    alt = value.get("alt")
    if alt is not None and not isinstance(alt, str):
        raise InvalidInput("must be text", field=f"{path}.alt")
    _check_json(value, path)


def _steps(value: object, path: str) -> Sequence[object]:
    if not isinstance(value, list) or not value:
        raise InvalidInput("must be a non-empty list", field=path)
    if len(value) > MAX_STEPS:
        raise InvalidInput(f"at most {MAX_STEPS} entries are allowed", field=path)
    _check_json(value, path)
    return value


def _check_role(turn: Mapping[str, object], path: str, *, required: bool) -> None:
    role = turn.get("role")
    if role is None and not required:
        return
    if not isinstance(role, str) or not 0 < len(role) <= ROLE_MAX_CHARS:
        raise InvalidInput(f"'role' must be 1-{ROLE_MAX_CHARS} characters", field=f"{path}.role")


def _check_chat(value: object, path: str) -> None:
    """Turns `{"role", "content", ...}`; other keys (name, tool_calls) are kept as JSON."""
    for i, turn in enumerate(_steps(value, path)):
        where = f"{path}[{i}]"
        if not isinstance(turn, Mapping):
            raise InvalidInput("a turn must be an object with 'role' and 'content'", field=where)
        _check_role(turn, where, required=True)
        if not isinstance(turn.get("content"), str):
            raise InvalidInput("'content' must be text", field=f"{where}.content")


def _check_trajectory(value: object, path: str) -> None:
    """Steps with any of thought, content, tool_calls ({name, arguments}) and observation."""
    for i, step in enumerate(_steps(value, path)):
        where = f"{path}[{i}]"
        if not isinstance(step, Mapping) or not any(k in step for k in TRAJECTORY_PARTS):
            parts = ", ".join(TRAJECTORY_PARTS)
            raise InvalidInput(f"a step must be an object with one of {parts}", field=where)
        _check_role(step, where, required=False)
        for key in ("thought", "content"):
            if key in step and not isinstance(step[key], str):
                raise InvalidInput("must be text", field=f"{where}.{key}")
        calls = step.get("tool_calls", [])
        if not isinstance(calls, list):
            raise InvalidInput("must be a list", field=f"{where}.tool_calls")
        for j, call in enumerate(calls):
            at = f"{where}.tool_calls[{j}]"
            if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
                raise InvalidInput("a tool call must be an object with a 'name'", field=at)
            if not 0 < len(call["name"]) <= 200:
                raise InvalidInput("'name' must be 1-200 characters", field=at)


_CHECKS: dict[FieldType, Callable[[object, str], None]] = {
    FieldType.IMAGE: _check_image,
    FieldType.CHAT: _check_chat,
    FieldType.TRAJECTORY: _check_trajectory,
    FieldType.CODE: _check_code,
    FieldType.JSON: _check_json,
}
