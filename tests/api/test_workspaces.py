"""API: workspaces and the current user."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import Factory, World


def test_unauthenticated_calls_get_401(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer tsr_nope"}, {"Authorization": "Basic x"}):
        r = client.get("/api/workspaces", headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"


def test_me(client: TestClient, factory: Factory) -> None:
    p = factory.person()
    r = client.get("/api/me", headers=p.headers)
    assert r.status_code == 200
    assert r.json()["email"] == p.email


def test_only_operators_create_workspaces(client: TestClient, factory: Factory) -> None:
    user = factory.person()
    r = client.post("/api/workspaces", json={"name": "Mine"}, headers=user.headers)
    assert r.status_code == 403
    op = factory.person(operator=True)
    r = client.post(
        "/api/workspaces", json={"name": "Acme", "owner_email": user.email}, headers=op.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["role"] is None  # the operator is not a member
    listed = client.get("/api/workspaces", headers=user.headers).json()
    assert [(w["name"], w["role"]) for w in listed] == [("Acme", "owner")]
    assert client.get("/api/workspaces", headers=op.headers).json() == []


def test_owner_renames_manager_cannot(world: World) -> None:
    c = world.client
    r = c.patch(world.base, json={"name": "Renamed"}, headers=world.manager.headers)
    assert r.status_code == 403
    r = c.patch(world.base, json={"name": "Renamed"}, headers=world.owner.headers)
    assert r.status_code == 200
    assert c.get(world.base, headers=world.manager.headers).json()["name"] == "Renamed"


def test_unknown_and_foreign_workspace_look_the_same(world: World, factory: Factory) -> None:
    stranger = factory.person()
    foreign = world.client.get(world.base, headers=stranger.headers)
    missing = world.client.get("/api/workspaces/987654321", headers=stranger.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_invalid_body_names_the_field(world: World) -> None:
    r = world.client.patch(world.base, json={"name": ""}, headers=world.owner.headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "name"
    r = world.client.patch(world.base, json={"nam": "x"}, headers=world.owner.headers)
    assert r.status_code == 422
