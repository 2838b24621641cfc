"""Templates: every schema validates, its demo data imports, and its example answer is accepted
by the server for the first demo item (served to an annotator like any task)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import Factory, make_world
from tessera.domain.label_schema import parse_label_schema
from tessera.services.templates import TEMPLATES
from tessera.services.templates.pictures import draw_scene


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_template_schema_data_and_example(key: str) -> None:
    t = TEMPLATES[key]
    schema = parse_label_schema(t.label_schema)
    assert 10 <= len(t.items) <= 30
    ids = [str(i["external_id"]) for i in t.items]
    assert len(set(ids)) == len(ids)
    texts = {repr(sorted(i.items())) for i in t.items}
    assert len(texts) == len(t.items)  # no two demo items alike
    first = {k: v for k, v in t.items[0].items() if k != "external_id"}
    assert schema.validate_answer(t.example_answer, first)


def test_every_template_imports_and_takes_its_example_answer(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=0)
    listed = client.get("/api/templates", headers=w.annotators[0].headers).json()
    assert {t["key"] for t in listed} == set(TEMPLATES)
    annotator = w.annotators[0]
    for key, t in TEMPLATES.items():
        r = client.post(
            f"{w.base}/projects/from-template", json={"template": key}, headers=w.manager.headers
        )
        assert r.status_code == 201, (key, r.text)
        made = r.json()
        assert made["items_created"] == len(t.items)
        project = made["project"]
        assert project["name"] == t.title
        assert project["counts"]["items"] == len(t.items)
        guide = client.get(
            f"{w.base}/projects/{project['id']}/guidelines", headers=annotator.headers
        )
        assert guide.json()["guidelines"] == t.guidelines
        task = client.post(
            f"{w.base}/projects/{project['id']}/tasks/next", headers=annotator.headers
        ).json()
        data = task["item"]["data"]
        for name, value in data.items():
            if isinstance(value, dict) and str(value.get("src", "")).startswith("media:"):
                media_id = value["src"].removeprefix("media:")
                img = client.get(f"{w.base}/media/{media_id}", headers=annotator.headers)
                assert img.status_code == 200, name
                assert img.headers["content-type"] == "image/png"
                assert img.content == draw_scene(101).png
        r = client.post(
            f"{w.base}/tasks/{task['assignment_id']}/annotations",
            json={"value": t.example_answer},
            headers=annotator.headers,
        )
        assert r.status_code == 201, (key, r.text)


def test_templates_need_a_manager_and_a_known_key(client: TestClient, factory: Factory) -> None:
    w = make_world(client, factory, items=0)
    url = f"{w.base}/projects/from-template"
    r = client.post(url, json={"template": "ner"}, headers=w.annotators[0].headers)
    assert r.status_code == 403
    r = client.post(url, json={"template": "nope"}, headers=w.manager.headers)
    assert r.status_code == 404
    r = client.post(
        url,
        json={"template": "ner", "name": "Empty NER", "with_demo_items": False},
        headers=w.manager.headers,
    )
    assert r.status_code == 201
    assert r.json()["project"]["counts"]["items"] == 0
