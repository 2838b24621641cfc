"""API: error bodies, security headers and no leaks."""

from __future__ import annotations

from conftest import World


def test_malformed_json_body(world: World) -> None:
    r = world.client.post(
        f"{world.base}/projects",
        content=b'{"name": "x", "label_schema": {',
        headers={**world.manager.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "malformed JSON"


def test_unknown_route_is_json_404(world: World) -> None:
    r = world.client.get("/api/nothing-here", headers=world.owner.headers)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_json_body_limit(world: World) -> None:
    r = world.client.post(
        f"{world.base}/projects",
        content=b'{"name": "' + b"x" * (9 * 1024 * 1024) + b'"}',
        headers={**world.manager.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_security_headers(world: World) -> None:
    r = world.client.get("/api/me", headers=world.owner.headers)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_is_served(world: World) -> None:
    spec = world.client.get("/api/openapi.json").json()
    assert "/api/workspaces/{workspace_id}/projects/{project_id}/tasks/next" in spec["paths"]
    assert world.client.get("/api/docs").status_code == 200


def test_nul_and_invalid_utf8_in_json_bodies(world: World) -> None:
    h = world.owner.headers
    for name in ("evil\x00name", "ok"):
        r = world.client.patch(world.base, json={"name": name}, headers=h)
        assert r.status_code == (422 if "\x00" in name else 200), r.text
    r = world.client.post(
        f"{world.base}/members",
        json={"email": "a\x00b@example.org", "role": "annotator"},
        headers=h,
    )
    assert r.status_code == 422
    r = world.client.patch(
        world.base,
        content=b'{"name": "\xff\xfe"}',
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"
    r = world.client.patch(
        world.project_url, json={"description": "x\x00"}, headers=world.manager.headers
    )
    assert r.status_code == 422
