"""API: projects and their label schemas."""

from __future__ import annotations

from conftest import TEXT_SCHEMA, Factory, World


def test_create_read_list(world: World) -> None:
    r = world.client.get(world.project_url, headers=world.annotators[0].headers)
    assert r.status_code == 200
    p = r.json()
    assert p["counts"] == {"items": 5, "done": 0, "annotations": 0, "progress": 0.0}
    assert p["label_schema"]["questions"][0]["options"][0] == {
        "value": "positive",
        "label": "positive",
        "hotkey": "1",
    }
    listed = world.client.get(f"{world.base}/projects", headers=world.owner.headers).json()
    assert [x["id"] for x in listed] == [world.project_id]


def test_invalid_schema_names_the_problem(world: World) -> None:
    bad = {"fields": [{"name": "text"}], "questions": [{"name": "q", "type": "single_choice"}]}
    r = world.client.post(
        f"{world.base}/projects",
        json={"name": "Bad", "label_schema": bad},
        headers=world.manager.headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "questions[0].options"
    bad2 = {"fields": [{"name": "text"}], "questions": [{"name": "q", "type": "painting"}]}
    r = world.client.post(
        f"{world.base}/projects",
        json={"name": "Bad", "label_schema": bad2},
        headers=world.manager.headers,
    )
    assert r.status_code == 422
    assert "painting" in r.json()["error"]["message"]


def test_only_managers_create_or_change(world: World) -> None:
    r = world.client.post(
        f"{world.base}/projects",
        json={"name": "Nope", "label_schema": TEXT_SCHEMA},
        headers=world.annotators[0].headers,
    )
    assert r.status_code == 403
    r = world.client.patch(
        world.project_url, json={"name": "Nope"}, headers=world.annotators[0].headers
    )
    assert r.status_code == 403


def test_new_schema_bumps_version(world: World) -> None:
    r = world.client.patch(
        world.project_url,
        json={"label_schema": TEXT_SCHEMA, "annotations_per_item": 3},
        headers=world.manager.headers,
    )
    assert r.status_code == 200
    assert r.json()["schema_version"] == 2
    assert r.json()["annotations_per_item"] == 3
    r = world.client.patch(
        world.project_url, json={"annotations_per_item": 0}, headers=world.manager.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "annotations_per_item"


def test_foreign_project_is_404(world: World, factory: Factory) -> None:
    stranger = factory.person()
    ws2 = factory.workspace(stranger)
    r = world.client.get(
        f"/api/workspaces/{ws2.id}/projects/{world.project_id}", headers=stranger.headers
    )
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "project not found"


def test_guidelines_are_sealed_and_readable_by_members(world: World) -> None:
    from sqlalchemy import select

    from tessera.storage.tables import projects

    text = "Label the overall sentiment; ignore shipping complaints.\n\nWhen unsure: neutral."
    r = world.client.patch(
        world.project_url, json={"guidelines": text}, headers=world.manager.headers
    )
    assert r.status_code == 200
    r = world.client.get(f"{world.project_url}/guidelines", headers=world.annotators[0].headers)
    assert r.json() == {"guidelines": text}
    database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.engine.connect() as conn:
        sealed = conn.execute(
            select(projects.c.guidelines).where(projects.c.id == world.project_id)
        ).scalar_one()
    assert b"shipping" not in bytes(sealed)
    r = world.client.patch(
        world.project_url, json={"guidelines": "x\x00"}, headers=world.manager.headers
    )
    assert r.status_code == 422
