"""Label schemas written as JSON or YAML: same schema either way, and YAML read safely."""

from __future__ import annotations

import json

import pytest

from tessera.domain.errors import InvalidInput
from tessera.formats.schema_file import (
    SCHEMA_MAX_BYTES,
    SchemaSyntax,
    load_label_schema,
    read_schema_text,
)

YAML = """
# Preference data with a rubric
fields:
  - {name: prompt, type: markdown}
  - {name: response_a, type: markdown, title: Response A}
  - {name: response_b, type: markdown, title: Response B}
questions:
  - name: preference
    type: pairwise
    a: response_a
    b: response_b
    strength_levels: 3
  - name: safe
    type: single_choice
    options: [yes, no, on, off, 2024-01-01]
  - name: reason
    type: text
    required: false
    when: {question: safe, equals: "no"}
"""


def test_yaml_and_json_give_the_same_schema() -> None:
    from_yaml = load_label_schema(YAML)
    from_json = load_label_schema(json.dumps(from_yaml.to_dict()))
    assert from_yaml == from_json
    assert load_label_schema(YAML.encode(), syntax=SchemaSyntax.YAML) == from_yaml


def test_yaml_words_and_dates_stay_text() -> None:
    safe = load_label_schema(YAML).questions[1]
    assert [o.value for o in safe.options] == ["yes", "no", "on", "off", "2024-01-01"]
    assert read_schema_text("a: true\nb: False\nc: 1.5") == {"a": True, "b": False, "c": 1.5}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a: &x [1, 2]\nb: *x\n", "anchors"),
        ("a: !!python/object/apply:os.system ['echo pwned']\n", "YAML"),
        ("a: [1, 2\n", "YAML"),
        ("a: 1\n---\nb: 2\n", "YAML"),
        ('{"fields": [}', "JSON"),
        (b"\xff\xfe", "UTF-8"),
        ("x" * (SCHEMA_MAX_BYTES + 1), "larger"),
    ],
)
def test_hostile_or_broken_text_is_refused(text: str | bytes, why: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_schema_text(text)
    assert err.value.field == "label_schema" and why in err.value.detail


def test_billion_laughs_in_yaml_is_refused_before_expansion() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(InvalidInput) as err:
        read_schema_text("\n".join(lines))
    assert err.value.line == 1


def test_errors_in_the_schema_name_their_path() -> None:
    with pytest.raises(InvalidInput) as err:
        load_label_schema("fields: [{name: t}]\nquestions: [{name: q, type: painting}]")
    assert err.value.field == "questions[0]"
