"""End-to-end happy path through the API: project, import, label, export."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from conftest import TEXT_SCHEMA, Factory
from tessera.domain.entities import Role


def test_label_flow(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR)
    r = client.post(
        f"/api/workspaces/{ws.id}/projects",
        json={"name": "Reviews", "label_schema": TEXT_SCHEMA},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    body = "\n".join(json.dumps({"external_id": f"e{i}", "text": f"item {i}"}) for i in range(3))
    r = client.post(
        f"/api/workspaces/{ws.id}/projects/{pid}/items/import?format=jsonl",
        content=body.encode(),
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"read": 3, "created": 3, "existing": 0}
    r = client.post(f"/api/workspaces/{ws.id}/projects/{pid}/tasks/next", headers=annotator.headers)
    assert r.status_code == 200, r.text
    task = r.json()
    r = client.post(
        f"/api/workspaces/{ws.id}/tasks/{task['assignment_id']}/annotations",
        json={"value": {"sentiment": "positive"}},
        headers=annotator.headers,
    )
    assert r.status_code == 201, r.text
    r = client.get(f"/api/workspaces/{ws.id}/projects/{pid}/export", headers=owner.headers)
    assert r.status_code == 200
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == 3
    assert lines[0]["annotations"][0]["value"] == {"sentiment": "positive"}
