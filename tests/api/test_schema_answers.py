"""API: a spans + pairwise project; bad answers get 422 naming the question's path."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from conftest import Factory, World
from tessera.domain.entities import Role

TEXT = "😀 Ada Lovelace met\r\nCharles Babbage"
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "text", "type": "text"},
        {"name": "response_a", "type": "markdown", "title": "Response A"},
        {"name": "response_b", "type": "chat", "title": "Response B"},
    ],
    "questions": [
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG"]},
        {
            "name": "preference",
            "type": "pairwise",
            "a": "response_a",
            "b": "response_b",
            "strength_levels": 3,
            "criteria": [{"name": "helpful"}],
        },
    ],
}
ITEM = {
    "external_id": "i1",
    "text": TEXT,
    "response_a": "**Ada** was first.",
    "response_b": [{"role": "assistant", "content": "<img src=x onerror=alert(1)>"}],
}
GOOD = {
    "entities": [
        {"start": 2, "end": 14, "label": "PER", "text": "Ada Lovelace"},
        {"start": 20, "end": 35, "label": "PER"},
    ],
    "preference": {"choice": "a", "strength": 2, "criteria": {"helpful": {"choice": "tie"}}},
}


def make_project(client: TestClient, factory: Factory) -> World:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    manager = factory.add(ws, owner, Role.MANAGER, with_password=False)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    r = client.post(
        f"/api/workspaces/{ws.id}/projects",
        json={"name": "NER and preference", "label_schema": SCHEMA},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    stored = r.json()["label_schema"]
    assert [q["type"] for q in stored["questions"]] == ["spans", "pairwise"]
    assert stored["questions"][0]["labels"][0] == {"value": "PER", "label": "PER", "hotkey": "1"}
    world = World(client, owner, manager, [annotator], ws, r.json()["id"])
    world.import_jsonl([ITEM])
    return world


def test_bad_answers_name_the_question_path(client: TestClient, factory: Factory) -> None:
    world = make_project(client, factory)
    a = world.annotators[0]
    task = world.next_task(a)
    assert task["item"]["data"]["text"] == TEXT  # stored exactly: emoji and CRLF intact
    span = {"start": 20, "end": 35, "label": "PER"}
    cases = [
        ({**GOOD, "entities": [GOOD["entities"][0], {**span, "end": 36}]}, "entities[1].end"),
        ({**GOOD, "entities": [{**span, "label": "LOC"}]}, "entities[0].label"),
        ({**GOOD, "entities": [{**span, "start": 19}]}, "entities[0].start"),  # inside \r\n
        ({**GOOD, "entities": [{**span, "text": "Charles"}]}, "entities[0].text"),
        ({**GOOD, "entities": [span, {**span, "start": 28}]}, "entities[1]"),  # overlap
        ({**GOOD, "preference": {"choice": "tie", "strength": 1}}, "preference.strength"),
        ({**GOOD, "preference": {"choice": "a", "strength": 2}}, "preference.criteria"),
        ({"entities": []}, "preference"),
    ]
    for value, field in cases:
        r = world.submit(a, task["assignment_id"], value)
        assert r.status_code == 422, (field, r.text)
        error = r.json()["error"]
        assert error["field"] == field, error
        assert field.split("[")[0].split(".")[0] in error["message"]
    r = world.submit(a, task["assignment_id"], GOOD)
    assert r.status_code == 201, r.text
    assert r.json()["value"] == GOOD
    assert r.json()["schema_version"] == 1


def test_bad_content_is_refused_at_import_with_its_line(
    client: TestClient, factory: Factory
) -> None:
    world = make_project(client, factory)
    bad = {**ITEM, "external_id": "i2", "response_b": "not a chat"}
    body = "\n".join(json.dumps(x) for x in ({**ITEM, "external_id": "i3"}, bad))
    r = client.post(
        f"{world.project_url}/items/import?format=jsonl",
        content=body.encode(),
        headers=world.manager.headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "response_b"
    assert r.json()["error"]["line"] == 2


def test_answers_are_checked_against_the_current_schema_version(
    client: TestClient, factory: Factory
) -> None:
    world = make_project(client, factory)
    narrower = {
        **SCHEMA,
        "questions": [{**SCHEMA["questions"][0], "labels": ["ORG"]}, SCHEMA["questions"][1]],
    }
    r = client.patch(
        world.project_url, json={"label_schema": narrower}, headers=world.manager.headers
    )
    assert r.status_code == 200 and r.json()["schema_version"] == 2
    a = world.annotators[0]
    task = world.next_task(a)
    r = world.submit(a, task["assignment_id"], GOOD)
    assert r.status_code == 422 and r.json()["error"]["field"] == "entities[0].label"
    fixed = {**GOOD, "entities": [{"start": 2, "end": 14, "label": "ORG"}]}
    r = world.submit(a, task["assignment_id"], fixed)
    assert r.status_code == 201, r.text
    assert r.json()["schema_version"] == 2
