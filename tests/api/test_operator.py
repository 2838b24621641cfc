"""API: the operator sees counts without content, and content only inside an owner's grant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import Factory, Person, World
from tessera.services import policies
from tessera.services.clock import utcnow
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import ledger as ledger_repo


@pytest.fixture
def operator(factory: Factory) -> Person:
    return factory.person(operator=True, label="operator", with_password=False)


def content_reads(world: World) -> list[str]:
    return [
        world.base,
        f"{world.base}/projects",
        world.project_url,
        f"{world.project_url}/items",
        f"{world.project_url}/export?format=jsonl",
    ]


def grant(world: World, operator: Person, hours: int = 2) -> dict[str, Any]:
    r = world.client.post(
        f"{world.base}/operator-grants",
        json={"operator_email": operator.email, "hours": hours},
        headers=world.owner.headers,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def ledger_events(factory: Factory, workspace_id: int) -> list[ledger_repo.LedgerRow]:
    with factory.database.session() as db, read_transaction(db):
        return list(ledger_repo.iter_events(db, workspace_id=workspace_id))


def test_overview_shows_counts_and_sizes_but_no_content(world: World, operator: Person) -> None:
    r = world.client.get("/api/operator/workspaces", headers=operator.headers)
    assert r.status_code == 200
    mine = next(w for w in r.json() if w["id"] == world.workspace.id)
    assert mine["members"] == 4 and mine["projects"] == 1 and mine["items"] == 5
    assert mine["annotations"] == 0 and mine["content_bytes"] > 0
    assert "review 0" not in r.text
    refused = world.client.get("/api/operator/workspaces", headers=world.owner.headers)
    assert refused.status_code == 403


def test_operator_without_a_grant_is_a_stranger(world: World, operator: Person) -> None:
    for path in content_reads(world):
        r = world.client.get(path, headers=operator.headers)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"
    r = world.client.get(f"{world.base}/operator-grants", headers=operator.headers)
    assert r.status_code == 404


def test_grant_allows_reading_only_and_ends_on_expiry(
    world: World, factory: Factory, operator: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = grant(world, operator, hours=2)
    assert g["is_live"] and g["operator_email"] == operator.email
    for path in content_reads(world):
        assert world.client.get(path, headers=operator.headers).status_code == 200, path
    export = world.client.get(f"{world.project_url}/export?format=jsonl", headers=operator.headers)
    assert "review 0" in export.text
    h = operator.headers
    writes = [
        world.client.post(f"{world.project_url}/tasks/next", headers=h),
        world.client.patch(world.project_url, json={"name": "mine now"}, headers=h),
        world.client.patch(world.base, json={"name": "mine now"}, headers=h),
        world.client.post(
            f"{world.base}/members", json={"email": "x@example.org", "role": "owner"}, headers=h
        ),
        world.client.post(
            f"{world.project_url}/items/import?format=jsonl", content=b'{"text": "x"}\n', headers=h
        ),
        world.client.post(
            f"{world.base}/operator-grants",
            json={"operator_email": operator.email, "hours": 72},
            headers=h,
        ),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    events = ledger_events(factory, world.workspace.id)
    granted = [e for e in events if e.action == "operator.granted"]
    assert len(granted) == 1 and granted[0].actor_id == world.owner.user.id
    accesses = [e for e in events if e.action == "operator.access"]
    assert all(e.actor_id == operator.user.id for e in accesses)
    assert sum('"allowed": true' in e.detail for e in accesses) >= len(content_reads(world)) + 1
    assert sum('"allowed": false' in e.detail for e in accesses) == len(writes)
    after = utcnow() + timedelta(hours=2, seconds=1)
    monkeypatch.setattr(policies, "utcnow", lambda: after)
    for path in content_reads(world):
        assert world.client.get(path, headers=operator.headers).status_code == 404, path


def test_revoked_grant_ends_access_at_once(
    world: World, factory: Factory, operator: Person
) -> None:
    g = grant(world, operator)
    assert world.client.get(world.project_url, headers=operator.headers).status_code == 200
    listed = world.client.get(f"{world.base}/operator-grants", headers=world.owner.headers)
    assert [x["id"] for x in listed.json()] == [g["id"]]
    r = world.client.delete(f"{world.base}/operator-grants/{g['id']}", headers=world.owner.headers)
    assert r.status_code == 204
    assert world.client.get(world.project_url, headers=operator.headers).status_code == 404
    listed = world.client.get(f"{world.base}/operator-grants", headers=world.owner.headers)
    assert listed.json()[0]["revoked_at"] is not None and not listed.json()[0]["is_live"]
    assert "operator.revoked" in [e.action for e in ledger_events(factory, world.workspace.id)]


def test_only_owners_grant_and_only_to_operators(
    world: World, factory: Factory, operator: Person
) -> None:
    body = {"operator_email": operator.email, "hours": 1}
    path = f"{world.base}/operator-grants"
    assert world.client.post(path, json=body, headers=world.manager.headers).status_code == 403
    assert world.client.get(path, headers=world.manager.headers).status_code == 403
    plain = factory.person(with_password=False)
    r = world.client.post(
        path, json={"operator_email": plain.email, "hours": 1}, headers=world.owner.headers
    )
    assert r.status_code == 422
    for hours in (0, 73):
        r = world.client.post(
            path,
            json={"operator_email": operator.email, "hours": hours},
            headers=world.owner.headers,
        )
        assert r.status_code == 422
    other = world.client.post(path, json=body, headers=world.owner.headers).json()
    foreign = f"{path}/{other['id'] + 1_000_000}"
    assert world.client.delete(foreign, headers=world.owner.headers).status_code == 404
