"""Media: upload sniffed and sealed, served with a fixed type and sandbox, fetched by whom may."""

from __future__ import annotations

import json
import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import TEST_PASSWORD, Factory, Person, World, make_world
from tessera.domain.entities import Role
from tessera.storage.tables import access_events, media

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"marker-pangolin-9912" * 4
IMAGE_SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [
        {"name": "kind", "type": "single_choice", "options": ["cat", "dog"], "required": True}
    ],
}


def _upload(
    w: World, data: bytes, who: Person | None = None, project_id: int | None = None
) -> httpx.Response:
    url = f"{w.base}/projects/{project_id or w.project_id}/media"
    return w.client.post(url, content=data, headers=(who or w.manager).headers)


def _image_project(w: World) -> int:
    r = w.client.post(
        f"{w.base}/projects",
        json={"name": "Pets", "label_schema": IMAGE_SCHEMA},
        headers=w.manager.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_upload_sniffs_the_type_and_fetch_serves_it_safely(world: World) -> None:
    r = _upload(world, PNG)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["src"] == f"media:{body['id']}"
    assert body["content_type"] == "image/png"
    again = _upload(world, PNG)
    assert again.json()["id"] == body["id"]  # idempotent by content
    got = world.client.get(f"{world.base}/media/{body['id']}", headers=world.manager.headers)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert got.headers["cache-control"].startswith("private")


def test_multipart_upload_ignores_the_declared_type(world: World) -> None:
    gif = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20
    r = world.client.post(
        f"{world.project_url}/media",
        files={"file": ("x.html", gif, "text/html")},
        headers=world.manager.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/gif"


def test_other_files_are_refused_415_and_big_ones_413(world: World, client: TestClient) -> None:
    for data in (b"<svg onload=alert(1)></svg>", b"<html><script>x</script>", b"%PDF-1.7"):
        r = _upload(world, data)
        assert r.status_code == 415, r.text
        assert r.json()["error"]["code"] == "unsupported_media_type"
    limit = client.app.state.settings.max_media_bytes  # type: ignore[attr-defined]
    r = _upload(world, PNG + b"\0" * limit)
    assert r.status_code == 413
    assert _upload(world, b"").status_code == 422


def test_who_may_upload_and_fetch(client: TestClient, factory: Factory) -> None:
    w = make_world(client, factory, items=0)
    pid = _image_project(w)
    assert _upload(w, PNG, who=w.annotators[0], project_id=pid).status_code == 403
    one = _upload(w, PNG, project_id=pid).json()
    two = _upload(w, PNG + b"2", project_id=pid).json()
    r = client.post(
        f"{w.base}/projects/{pid}/items/import?format=jsonl",
        content=(
            json.dumps({"external_id": "a", "photo": one["src"]})
            + "\n"
            + json.dumps({"external_id": "b", "photo": {"src": two["src"], "alt": "x"}})
        ).encode(),
        headers=w.manager.headers,
    )
    assert r.status_code == 200, r.text
    annotator = w.annotators[0]

    def fetch(who: Person, media_id: int) -> int:
        return client.get(f"{w.base}/media/{media_id}", headers=who.headers).status_code

    assert fetch(annotator, one["id"]) == 404  # nothing assigned yet
    task = client.post(f"{w.base}/projects/{pid}/tasks/next", headers=annotator.headers).json()
    shown = one if task["item"]["data"]["photo"] == one["src"] else two
    hidden = two if shown is one else one
    assert fetch(annotator, shown["id"]) == 200
    assert fetch(annotator, hidden["id"]) == 404
    assert fetch(w.annotators[1], shown["id"]) == 404
    assert fetch(w.owner, hidden["id"]) == 200
    assert fetch(w.manager, 999_999_999) == 404
    events = client.get(f"{w.base}/ledger", headers=w.owner.headers).text.splitlines()
    fetched = [e for e in map(json.loads, events) if e["action"] == "media.fetched"]
    assert {e["object_id"] for e in fetched} >= {str(shown["id"]), str(hidden["id"])}


def test_another_workspaces_media_is_404(client: TestClient, factory: Factory) -> None:
    victim = make_world(client, factory, items=0)
    attacker = make_world(client, factory, items=0)
    mid = _upload(victim, PNG).json()["id"]
    for url in (f"{victim.base}/media/{mid}", f"{attacker.base}/media/{mid}"):
        r = client.get(url, headers=attacker.owner.headers)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    # and importing a reference to it from the other workspace is refused
    pid = _image_project(attacker)
    r = client.post(
        f"{attacker.base}/projects/{pid}/items/import?format=jsonl",
        content=json.dumps({"photo": f"media:{mid}"}).encode(),
        headers=attacker.manager.headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "image"


def test_import_refuses_external_urls(world: World) -> None:
    pid = _image_project(world)
    for ref in ("https://example.org/cat.jpg", "s3://bucket/cat.jpg", "images/cat.jpg"):
        r = world.client.post(
            f"{world.base}/projects/{pid}/items/import?format=jsonl",
            content=json.dumps({"photo": ref}).encode(),
            headers=world.manager.headers,
        )
        assert r.status_code == 422, ref
        err = r.json()["error"]
        assert err["field"] == "photo"
        assert "media:<id>" in err["message"]


def test_media_bytes_are_sealed_at_rest(world: World) -> None:
    assert _upload(world, PNG).status_code == 201
    database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.engine.connect() as conn:
        blobs = [bytes(r[0]) for r in conn.execute(select(media.c.content))]
        actions = [r[0] for r in conn.execute(select(access_events.c.action))]
    assert blobs
    assert all(b"marker-pangolin" not in b and b"PNG" not in b for b in blobs)
    assert "media.uploaded" in actions


def test_the_web_page_route_serves_media_to_a_logged_in_annotator(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=0)
    pid = _image_project(w)
    stored = _upload(w, PNG, project_id=pid).json()
    r = client.post(
        f"{w.base}/projects/{pid}/items/import?format=jsonl",
        content=json.dumps({"photo": stored["src"]}).encode(),
        headers=w.manager.headers,
    )
    assert r.status_code == 200, r.text
    annotator = factory.add(w.workspace, w.owner, Role.ANNOTATOR, label="web")
    url = f"/w/{w.workspace.id}/media/{stored['id']}"
    with TestClient(client.app, base_url="https://testserver") as browser:  # type: ignore[arg-type]
        assert browser.get(url, follow_redirects=False).status_code == 303  # to the login page
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
        assert token is not None
        login = browser.post(
            "/login",
            data={"email": annotator.email, "password": TEST_PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert login.status_code == 303
        assert browser.get(url).status_code == 404  # not assigned yet
        served = browser.post(
            f"/api/workspaces/{w.workspace.id}/projects/{pid}/tasks/next", headers=annotator.headers
        )
        assert served.status_code == 200
        got = browser.get(url)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-security-policy"] == "sandbox; default-src 'none'"
