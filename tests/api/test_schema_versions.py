"""Schema versions and imports: every version kept, answers checked under their own version,
schemas given as JSON, YAML or Label Studio XML, unmapped tags reported."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import TEXT_SCHEMA, World
from tessera.domain.errors import InvalidInput
from tessera.services import schemas

LS_CONFIG = """<View>
  <Text name="txt" value="$text"/>
  <Choices name="sentiment" toName="txt" choice="single-radio">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
  <Audio name="clip" value="$audio"/>
  <Taxonomy name="topics" toName="txt"/>
</View>"""

YAML_SCHEMA = """
fields:
  - {name: text, type: text}
questions:
  - name: sentiment
    type: single_choice
    options: [positive, negative, neutral]
  - name: stars
    type: rating
    max: 5
    required: false
"""


def test_changing_the_schema_bumps_the_version_and_keeps_the_old_one(world: World) -> None:
    c, h = world.client, world.manager.headers
    a = world.annotators[0]
    task = world.next_task(a)
    assert world.submit(a, task["assignment_id"], {"sentiment": "negative"}).status_code == 201
    r = c.put(
        f"{world.project_url}/schema",
        content=YAML_SCHEMA.encode(),
        headers={**h, "Content-Type": "application/yaml"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["schema_version"] == 2
    assert r.json()["unsupported"] == []
    assert c.get(world.project_url, headers=h).json()["schema_version"] == 2
    versions = c.get(f"{world.project_url}/schema/versions", headers=h).json()
    assert [v["version"] for v in versions] == [1, 2]
    v1 = c.get(f"{world.project_url}/schema/versions/1", headers=h).json()
    names = [q["name"] for q in v1["label_schema"]["questions"]]
    assert "stars" not in names and "sentiment" in names
    v2 = c.get(f"{world.project_url}/schema/versions/2", headers=a.headers).json()
    assert "stars" in [q["name"] for q in v2["label_schema"]["questions"]]
    assert c.get(f"{world.project_url}/schema/versions/3", headers=h).status_code == 404
    # the earlier answer still says which version it was made under
    export = c.get(f"{world.project_url}/export", headers=h).text
    assert '"schema_version":1' in export.replace(" ", "")
    # a new answer is checked against version 2 and records it
    task = world.next_task(a)
    bad = world.submit(a, task["assignment_id"], {"sentiment": "neutral", "stars": 6})
    assert bad.status_code == 422
    ok = world.submit(a, task["assignment_id"], {"sentiment": "neutral", "stars": 4})
    assert ok.status_code == 201, ok.text
    assert ok.json()["schema_version"] == 2


def test_only_managers_change_schemas(world: World) -> None:
    for who in (world.annotators[0],):
        r = world.client.put(f"{world.project_url}/schema", json=TEXT_SCHEMA, headers=who.headers)
        assert r.status_code == 403
    r = world.client.put(
        f"{world.project_url}/schema", json={"fields": []}, headers=world.manager.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "fields"


def test_a_labelstudio_config_reports_what_it_could_not_import(world: World) -> None:
    r = world.client.put(
        f"{world.project_url}/schema",
        json={"label_schema": LS_CONFIG, "format": "labelstudio"},
        headers=world.manager.headers,
    )
    assert r.status_code == 200, r.text
    tags = {u["tag"] for u in r.json()["unsupported"]}
    assert {"Audio", "Taxonomy"} <= tags
    converted = world.client.post(
        f"{world.base}/schemas/convert",
        content=LS_CONFIG.encode(),
        headers={**world.annotators[0].headers, "Content-Type": "application/xml"},
    )
    assert converted.status_code == 200
    assert {u["tag"] for u in converted.json()["unsupported"]} == tags
    assert converted.json()["label_schema"]["questions"][0]["name"] == "sentiment"


def test_projects_are_created_from_yaml_or_xml(world: World, client: TestClient) -> None:
    h = world.manager.headers
    r = client.post(
        f"{world.base}/projects",
        json={"name": "From YAML", "label_schema": YAML_SCHEMA, "schema_format": "yaml"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["schema_unsupported"] == []
    r = client.post(
        f"{world.base}/projects",
        json={"name": "From Label Studio", "label_schema": LS_CONFIG},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert {u["tag"] for u in r.json()["schema_unsupported"]} >= {"Audio", "Taxonomy"}
    pid = r.json()["id"]
    versions = client.get(f"{world.base}/projects/{pid}/schema/versions", headers=h).json()
    assert [v["version"] for v in versions] == [1]
    r = client.post(
        f"{world.base}/projects",
        json={"name": "Broken", "label_schema": "fields: [", "schema_format": "yaml"},
        headers=h,
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "label_schema"


def test_an_old_answer_validates_under_its_own_version(world: World) -> None:
    a = world.annotators[0]
    task = world.next_task(a)
    old = {"sentiment": "negative"}
    assert world.submit(a, task["assignment_id"], old).status_code == 201
    changed = {
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "verdict", "type": "single_choice", "options": ["ok", "bad"]}],
    }
    r = world.client.put(f"{world.project_url}/schema", json=changed, headers=world.manager.headers)
    assert r.status_code == 200
    database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.session() as db:
        args = {
            "actor": world.manager.user,
            "workspace_id": world.workspace.id,
            "project_id": world.project_id,
        }
        assert schemas.validate_under_version(db, version=1, value=old, **args) == old
        with pytest.raises(InvalidInput):
            schemas.validate_under_version(db, version=2, value=old, **args)
