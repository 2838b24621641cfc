"""API: importing items (JSON array, JSONL, CSV): idempotent, all or nothing, clear errors."""

from __future__ import annotations

import json

import pytest

from conftest import Factory, World, make_world


@pytest.fixture
def empty(world: World, factory: Factory) -> World:
    return make_world(world.client, factory, items=0)


def _post(w: World, body: bytes, fmt: str | None = None, ctype: str | None = None) -> object:
    url = f"{w.project_url}/items/import" + (f"?format={fmt}" if fmt else "")
    headers = dict(w.manager.headers)
    if ctype:
        headers["Content-Type"] = ctype
    return w.client.post(url, content=body, headers=headers)


def _count(w: World) -> int:
    r = w.client.get(w.project_url, headers=w.manager.headers)
    return int(r.json()["counts"]["items"])


def test_json_array_and_content_type_detection(empty: World) -> None:
    body = json.dumps([{"text": "a"}, {"data": {"text": "b"}, "external_id": 7, "priority": 3}])
    r = _post(empty, body.encode(), ctype="application/json")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json() == {"read": 2, "created": 2, "existing": 0}  # type: ignore[attr-defined]
    items = empty.client.get(f"{empty.project_url}/items", headers=empty.manager.headers).json()
    assert [i["data"] for i in items["items"]] == [{"text": "a"}, {"text": "b"}]
    assert items["items"][1]["external_id"] == "7"
    assert items["items"][1]["priority"] == 3


def test_reimport_is_idempotent(empty: World) -> None:
    rows = [{"external_id": "x1", "text": "one"}, {"text": "no id keyed by content"}]
    assert empty.import_jsonl(rows)["created"] == 2
    again = empty.import_jsonl(rows)
    assert again == {"read": 2, "created": 0, "existing": 2}
    assert _count(empty) == 2


def test_csv_with_quotes_and_newlines(empty: World) -> None:
    body = b'external_id,text\r\nc1,"hello, ""world"""\r\nc2,"two\nlines"\r\n'
    r = _post(empty, body, fmt="csv")
    assert r.json()["created"] == 2  # type: ignore[attr-defined]
    items = empty.client.get(f"{empty.project_url}/items", headers=empty.manager.headers).json()
    assert items["items"][1]["data"]["text"] == "two\nlines"


@pytest.mark.parametrize(
    ("fmt", "body", "line"),
    [
        ("csv", b"external_id,text\na,ok\nb,too,many\n", 3),
        ("jsonl", b'{"text": "ok"}\n{"text": "ok2"}\n{"text": broken}\n', 3),
        ("jsonl", b'{"text": "ok"}\n{"text": "\xff\xfe"}\n', 2),
        ("jsonl", b'{"text": "ok"}\n{"text": "nul \\u0000 here"}\n', 2),
        ("jsonl", b'{"text": "ok"}\n{"other": "missing text"}\n', 2),
        ("jsonl", b'{"text": "ok"}\n[1, 2]\n', 2),
        ("json", b'[{"text": "a"},\n {"text": 5}]', 2),
    ],
)
def test_bad_input_names_the_line_and_imports_nothing(
    empty: World, fmt: str, body: bytes, line: int
) -> None:
    r = _post(empty, body, fmt=fmt)
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    err = r.json()["error"]  # type: ignore[attr-defined]
    assert err["line"] == line
    assert f"line {line}" in err["message"]
    assert "Traceback" not in r.text and "/" not in err["message"]  # type: ignore[attr-defined]
    assert _count(empty) == 0


def test_failure_after_many_good_batches_keeps_nothing(empty: World) -> None:
    good = b"".join(json.dumps({"text": f"t{i}"}).encode() + b"\n" for i in range(2500))
    r = _post(empty, good + b'{"text": 1}\n', fmt="jsonl")
    assert r.status_code == 422
    assert r.json()["error"]["line"] == 2501  # type: ignore[attr-defined]
    assert _count(empty) == 0


def test_oversize_body_is_413(empty: World) -> None:
    body = b'{"text": "' + b"x" * 1_100_000 + b'"}\n'  # settings fixture: 1,000,000 bytes
    r = _post(empty, body, fmt="jsonl")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"  # type: ignore[attr-defined]


def test_format_must_be_known(empty: World) -> None:
    r = _post(empty, b"whatever", ctype="application/octet-stream")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "format"  # type: ignore[attr-defined]


def test_unknown_project_is_404(world: World) -> None:
    r = world.client.post(
        f"{world.base}/projects/99999999/items/import?format=jsonl",
        content=b'{"text": "a"}\n',
        headers=world.manager.headers,
    )
    assert r.status_code == 404


def test_annotator_cannot_import(world: World) -> None:
    r = world.client.post(
        f"{world.project_url}/items/import?format=jsonl",
        content=b'{"text": "a"}\n',
        headers=world.annotators[0].headers,
    )
    assert r.status_code == 403
