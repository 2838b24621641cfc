"""API: organisations, affiliations, walls; a walled member is refused like a stranger."""

from __future__ import annotations

import uuid
from typing import Any

from conftest import Factory, Person, World
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import ledger as ledger_repo


def new_org(world: World, who: Person | None = None) -> dict[str, Any]:
    r = world.client.post(
        "/api/organisations",
        json={"name": f"Rival Labs {uuid.uuid4().hex[:8]}"},
        headers=(who or world.owner).headers,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def actions(factory: Factory, workspace_id: int) -> list[str]:
    with factory.database.session() as db, read_transaction(db):
        return [e.action for e in ledger_repo.iter_events(db, workspace_id=workspace_id)]


def test_organisations_are_shared_records_with_unique_names(world: World) -> None:
    annotator = world.annotators[0]
    org = new_org(world, annotator)  # anyone may record one
    again = world.client.post(
        "/api/organisations", json={"name": org["name"].upper()}, headers=world.owner.headers
    )
    assert again.status_code == 409
    listed = world.client.get(
        "/api/organisations", params={"prefix": org["name"][:14].lower()}, headers=annotator.headers
    )
    assert listed.status_code == 200 and [o["id"] for o in listed.json()] == [org["id"]]
    assert world.client.get("/api/organisations").status_code == 401
    assert (
        world.client.post(
            "/api/organisations", json={"name": ""}, headers=world.owner.headers
        ).status_code
        == 422
    )


def test_affiliations_are_the_callers_own(world: World) -> None:
    org = new_org(world)
    me = world.annotators[0]
    r = world.client.post(
        "/api/me/affiliations",
        json={"organisation_id": org["id"], "ended_at": "2024-01-31T00:00:00Z"},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    tie = r.json()
    assert tie["organisation_name"] == org["name"] and not tie["is_verified"]
    mine = world.client.get("/api/me/affiliations", headers=me.headers).json()
    assert [a["id"] for a in mine] == [tie["id"]]
    assert world.client.get("/api/me/affiliations", headers=world.owner.headers).json() == []
    other = world.client.delete(f"/api/me/affiliations/{tie['id']}", headers=world.owner.headers)
    assert other.status_code == 404
    naive = world.client.post(
        "/api/me/affiliations",
        json={"organisation_id": org["id"], "ended_at": "2024-01-31T00:00:00"},
        headers=me.headers,
    )
    assert naive.status_code == 422
    missing = world.client.post(
        "/api/me/affiliations", json={"organisation_id": 999_999_999}, headers=me.headers
    )
    assert missing.status_code == 404
    gone = world.client.delete(f"/api/me/affiliations/{tie['id']}", headers=me.headers)
    assert gone.status_code == 204
    assert world.client.get("/api/me/affiliations", headers=me.headers).json() == []


def test_existing_member_walled_by_a_new_wall_gets_404_next(world: World, factory: Factory) -> None:
    org = new_org(world)
    member = world.annotators[0]
    r = world.client.post(
        "/api/me/affiliations", json={"organisation_id": org["id"]}, headers=member.headers
    )
    assert r.status_code == 201
    assert world.next_task(member) is not None  # not walled yet: served
    wall = world.client.post(
        f"{world.base}/walls",
        json={"organisation_id": org["id"], "cooldown_days": 30},
        headers=world.manager.headers,
    )
    assert wall.status_code == 200, wall.text
    assert wall.json()["cooldown_days"] == 30
    for path in (world.base, world.project_url, f"{world.project_url}/export?format=jsonl"):
        r = world.client.get(path, headers=member.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = world.client.post(f"{world.project_url}/tasks/next", headers=member.headers)
    assert r.status_code == 404
    assert world.client.get("/api/workspaces", headers=member.headers).json() == []
    ledger = actions(factory, world.workspace.id)
    assert "wall.added" in ledger and ledger.count("wall.refused") == 4
    listed = world.client.get(f"{world.base}/walls", headers=world.owner.headers).json()
    assert [(w["organisation_id"], w["organisation_name"]) for w in listed] == [
        (org["id"], org["name"])
    ]
    removed = world.client.delete(f"{world.base}/walls/{org['id']}", headers=world.manager.headers)
    assert removed.status_code == 204
    assert world.client.get(world.base, headers=member.headers).status_code == 200
    assert len(world.client.get("/api/workspaces", headers=member.headers).json()) == 1
    assert (
        world.client.delete(
            f"{world.base}/walls/{org['id']}", headers=world.manager.headers
        ).status_code
        == 404
    )


def test_walls_need_manage_walls(world: World) -> None:
    org = new_org(world)
    annotator = world.annotators[0]
    r = world.client.post(
        f"{world.base}/walls", json={"organisation_id": org["id"]}, headers=annotator.headers
    )
    assert r.status_code == 403
    assert world.client.get(f"{world.base}/walls", headers=annotator.headers).status_code == 403
    bad = world.client.post(
        f"{world.base}/walls",
        json={"organisation_id": org["id"], "cooldown_days": -1},
        headers=world.owner.headers,
    )
    assert bad.status_code == 422


def test_walled_invitee_is_refused(world: World, factory: Factory) -> None:
    org = new_org(world)
    invitee = factory.person(label="invitee", with_password=False)
    world.client.post(
        "/api/me/affiliations", json={"organisation_id": org["id"]}, headers=invitee.headers
    )
    world.client.post(
        f"{world.base}/walls", json={"organisation_id": org["id"]}, headers=world.owner.headers
    )
    r = world.client.post(
        f"{world.base}/members",
        json={"email": invitee.email, "role": "annotator"},
        headers=world.manager.headers,
    )
    assert r.status_code == 409
    assert org["name"] not in r.text
    members = world.client.get(f"{world.base}/members", headers=world.owner.headers).json()
    assert invitee.email not in [m["email"] for m in members]
    assert "wall.refused" in actions(factory, world.workspace.id)


def test_manager_verifies_a_members_affiliation(world: World, factory: Factory) -> None:
    org = new_org(world)
    member = world.annotators[1]
    tie = world.client.post(
        "/api/me/affiliations", json={"organisation_id": org["id"]}, headers=member.headers
    ).json()
    path = f"{world.base}/members/{member.user.id}/affiliations"
    listed = world.client.get(path, headers=world.manager.headers)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [tie["id"]]
    assert world.client.get(path, headers=member.headers).status_code == 403
    verify = f"{path}/{tie['id']}/verify"
    assert world.client.post(verify, headers=world.annotators[0].headers).status_code == 403
    r = world.client.post(verify, headers=world.manager.headers)
    assert r.status_code == 200 and r.json()["is_verified"]
    assert "affiliation.verified" in actions(factory, world.workspace.id)
    withdraw = world.client.delete(f"/api/me/affiliations/{tie['id']}", headers=member.headers)
    assert withdraw.status_code == 409
