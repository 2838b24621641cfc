"""The SDK against the real app, through FastAPI's TestClient."""

from __future__ import annotations

import json

import pytest

from conftest import TEXT_SCHEMA, World
from tessera.sdk import ApiError, TesseraClient


def test_round_trip(world: World) -> None:
    manager = TesseraClient(world.manager.token, http=world.client)
    annotator = TesseraClient(world.annotators[0].token, http=world.client)
    ws = world.workspace.id
    assert manager.me().email == world.manager.email
    assert [w.id for w in manager.workspaces()] == [ws]
    project = manager.create_project(ws, name="SDK", label_schema=TEXT_SCHEMA)
    body = "\n".join(json.dumps({"text": f"s{i}"}) for i in range(3)).encode()
    assert manager.import_items(ws, project.id, [body[:7], body[7:]], fmt="jsonl").created == 3
    assert len(list(manager.items(ws, project.id, page_size=2))) == 3
    while (task := annotator.next_task(ws, project.id)) is not None:
        annotator.submit(ws, task.assignment_id, {"sentiment": "neutral"})
    assert manager.project(ws, project.id).counts.done == 3
    rows = b"".join(manager.export(ws, project.id)).decode().splitlines()
    assert len(rows) == 3 and json.loads(rows[0])["annotations"][0]["value"]["sentiment"]


def test_errors_carry_code_and_message(world: World) -> None:
    annotator = TesseraClient(world.annotators[0].token, http=world.client)
    with pytest.raises(ApiError) as err:
        annotator.create_project(world.workspace.id, name="x", label_schema=TEXT_SCHEMA)
    assert err.value.status == 403 and err.value.code == "forbidden"
    with pytest.raises(ApiError) as err:
        list(annotator.export(world.workspace.id, world.project_id))
    assert err.value.status == 403
