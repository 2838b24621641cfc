"""Label schemas: every field type's content checks, with the path of what is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import FieldType, parse_label_schema
from tessera.domain.schema.content import FIELD_MAX_CHARS

QUESTION = {"name": "ok", "type": "single_choice", "options": ["yes", "no"]}


def schema_of(*fields: dict[str, Any], questions: list[Any] | None = None) -> Any:
    return parse_label_schema({"fields": list(fields), "questions": questions or [QUESTION]})


def refused(schema: Any, content: dict[str, Any], line: int | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        schema.validate_content(content, line=line)
    return err.value


def test_every_field_type_parses_with_title_default() -> None:
    s = schema_of(*({"name": t.value, "type": t.value} for t in FieldType))
    assert [f.type for f in s.fields] == list(FieldType)
    assert all(f.title == f.name for f in s.fields)


def test_unknown_field_key_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        schema_of({"name": "t", "type": "text", "language": "python"})
    assert err.value.field == "fields[0]"
    s = schema_of({"name": "c", "type": "code", "language": "python"})
    assert s.fields[0].language == "python"


@pytest.mark.parametrize("ftype", ["text", "markdown"])
def test_text_and_markdown(ftype: str) -> None:
    s = schema_of({"name": "t", "type": ftype})
    s.validate_content({"t": "# Title\n<script>kept as text</script> 👍"})
    assert refused(s, {"t": 5}, line=3).line == 3
    assert refused(s, {}).field == "t"
    assert refused(s, {"t": "a\x00b"}).field == "t"
    assert refused(s, {"t": "\ud800"}).field == "t"  # a lone surrogate from a JSON escape
    assert refused(s, {"t": "x" * (FIELD_MAX_CHARS + 1)}).field == "t"


def test_code_is_text_or_code_with_language() -> None:
    s = schema_of({"name": "c", "type": "code"})
    s.validate_content({"c": "print(1)"})
    s.validate_content({"c": {"code": "fn main() {}", "language": "rust"}})
    assert refused(s, {"c": {"code": "x", "language": "no spaces"}}).field == "c.language"
    assert refused(s, {"c": {"language": "go"}}).field == "c"
    assert refused(s, {"c": {"code": "x", "colour": "red"}}).field == "c"


@pytest.mark.parametrize(
    "ref",
    ["https://cdn.example.org/cat.jpg", "s3://bucket/a.png", "media:abc123", "images/001.jpg"],
)
def test_image_references_accepted(ref: str) -> None:
    s = schema_of({"name": "img", "type": "image"})
    s.validate_content({"img": ref})
    s.validate_content({"img": {"src": ref, "width": 640, "height": 480, "alt": "a cat"}})


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("javascript:alert(1)", "img"),
        ("data:image/png;base64,AAAA", "img"),
        ("file:///etc/passwd", "img"),
        ("/etc/passwd", "img"),
        ("../../secret.png", "img"),
        ("a b.png", "img"),
        ("", "img"),
        (7, "img"),
        ({"src": "javascript:x"}, "img.src"),
        ({"src": "a.png", "width": 10}, "img"),
        ({"src": "a.png", "width": 0, "height": 5}, "img.width"),
        ({"src": "a.png", "width": 5, "height": True}, "img.height"),
        ({"src": "a.png", "onload": "x"}, "img"),
    ],
)
def test_image_references_refused(value: object, field: str) -> None:
    s = schema_of({"name": "img", "type": "image"})
    assert refused(s, {"img": value}).field == field


def test_chat_turns() -> None:
    s = schema_of({"name": "chat", "type": "chat"})
    s.validate_content(
        {
            "chat": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "<img src=x onerror=alert(1)>"},
                {"role": "assistant", "content": "", "tool_calls": [{"name": "f"}]},
            ]
        }
    )
    for bad, field in (
        ([], "chat"),
        ("hello", "chat"),
        ([{"role": "user"}], "chat[0].content"),
        ([{"content": "hi"}], "chat[0].role"),
        ([{"role": "user", "content": "ok"}, "hi"], "chat[1]"),
        ([{"role": "", "content": "hi"}], "chat[0].role"),
        ([{"role": "user", "content": "a\x00"}], "chat"),
    ):
        assert refused(s, {"chat": bad}).field == field, bad


def test_trajectory_steps() -> None:
    s = schema_of({"name": "run", "type": "trajectory"})
    s.validate_content(
        {
            "run": [
                {"thought": "look up the weather"},
                {"tool_calls": [{"name": "weather", "arguments": {"city": "Oslo"}}]},
                {"observation": {"temp_c": -3}},
                {"role": "assistant", "content": "It is -3 °C."},
            ]
        }
    )
    for bad, field in (
        ([{"note": "no known part"}], "run[0]"),
        ([{"thought": 5}], "run[0].thought"),
        ([{"tool_calls": {"name": "x"}}], "run[0].tool_calls"),
        ([{"tool_calls": [{"arguments": {}}]}], "run[0].tool_calls[0]"),
        ([{"content": "x", "role": 3}], "run[0].role"),
    ):
        assert refused(s, {"run": bad}).field == field, bad


def test_json_any_value_within_limits() -> None:
    s = schema_of({"name": "meta", "type": "json"})
    for ok in ({"a": [1, 2.5, None, True]}, [1, "two"], "text", 3, False):
        s.validate_content({"meta": ok})
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    assert refused(s, {"meta": deep}).field == "meta"
    assert refused(s, {"meta": {"k\x00": 1}}).field == "meta"
    assert refused(s, {"meta": float("nan")}).field == "meta"
    assert refused(s, {"meta": None}).field == "meta"  # a json field must be present


def test_pixel_boxes_need_the_image_size_at_import() -> None:
    s = schema_of(
        {"name": "img", "type": "image"},
        questions=[{"name": "objects", "type": "boxes", "field": "img", "labels": ["cat"]}],
    )
    err = refused(s, {"img": "a.png"}, line=9)
    assert (err.field, err.line) == ("img", 9)
    assert "pixels" in err.detail
    s.validate_content({"img": {"src": "a.png", "width": 10, "height": 10}})


def test_item_listed_rankings_need_ids_at_import() -> None:
    s = schema_of(
        {"name": "responses", "type": "json"},
        questions=[{"name": "rank", "type": "ranking", "field": "responses"}],
    )
    s.validate_content({"responses": [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}]})
    assert refused(s, {"responses": [{"id": "a"}]}).field == "responses"
    assert refused(s, {"responses": [{"id": "a"}, {"id": "a"}]}).field == "responses[1].id"
    assert refused(s, {"responses": [{"id": "a"}, {"x": 1}]}).field == "responses[1].id"
