"""Contract: every API route answers another workspace's ids with 404 and changes nothing.

The routes come from the OpenAPI schema, so a route added later is covered automatically; it
only needs a valid example body below (the test fails, naming it, until it has one).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import TEXT_SCHEMA, Factory, Person, World, make_world
from tessera.services import operator_access, walls

BODIES: dict[tuple[str, str], Any] = {
    ("put", "/api/workspaces/{workspace_id}/projects/{project_id}/items/{item_id}/gold"): {
        "gold": {"sentiment": "positive"}
    },
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/quality/aggregate"): None,
    ("patch", "/api/workspaces/{workspace_id}"): {"name": "taken over"},
    ("post", "/api/workspaces/{workspace_id}/members"): {
        "email": "intruder@example.org",
        "role": "owner",
    },
    ("patch", "/api/workspaces/{workspace_id}/members/{user_id}"): {"role": "owner"},
    ("post", "/api/workspaces/{workspace_id}/projects"): {
        "name": "planted",
        "label_schema": TEXT_SCHEMA,
    },
    ("patch", "/api/workspaces/{workspace_id}/projects/{project_id}"): {"name": "renamed"},
    ("put", "/api/workspaces/{workspace_id}/projects/{project_id}/schema"): TEXT_SCHEMA,
    ("post", "/api/workspaces/{workspace_id}/schemas/convert"): TEXT_SCHEMA,
    ("post", "/api/workspaces/{workspace_id}/projects/from-template"): {"template": "ner"},
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/items/import"): (
        b'{"text": "planted"}\n'
    ),
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/tasks/next"): None,
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/media"): (
        b"\x89PNG\r\n\x1a\nplanted"
    ),
    ("patch", "/api/workspaces/{workspace_id}/projects/{project_id}/items"): {
        "item_ids": [1, 2, 3],
        "annotations_per_item": 5,
        "priority": 9,
    },
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/items/import-url"): {
        "url": "http://127.0.0.1:9/x.jsonl",
        "format": "jsonl",
    },
    ("post", "/api/workspaces/{workspace_id}/tasks/{assignment_id}/annotations"): {
        "value": {"sentiment": "negative"}
    },
    ("post", "/api/workspaces/{workspace_id}/tasks/{assignment_id}/skip"): {"reason": "x"},
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/reviews"): {
        "annotation_ids": [1, 2, 3]
    },
    ("post", "/api/workspaces/{workspace_id}/projects/{project_id}/reviews/next"): None,
    ("post", "/api/workspaces/{workspace_id}/reviews/{review_id}/decision"): {
        "decision": "reject",
        "reason": "planted",
        "send_to": "pool",
    },
    ("post", "/api/workspaces/{workspace_id}/ledger/checkpoints"): None,
    ("post", "/api/workspaces/{workspace_id}/ledger/verify"): None,
    ("post", "/api/workspaces/{workspace_id}/keys/passphrase"): {"passphrase": "p" * 16},
    ("post", "/api/workspaces/{workspace_id}/keys/unlock"): {"passphrase": "p" * 16},
    ("post", "/api/workspaces/{workspace_id}/keys/lock"): None,
    ("post", "/api/workspaces/{workspace_id}/walls"): {"organisation_id": 1, "cooldown_days": 1},
    ("post", "/api/workspaces/{workspace_id}/operator-grants"): {
        "operator_email": "operator@example.org",
        "hours": 72,
    },
    (
        "post",
        "/api/workspaces/{workspace_id}/members/{user_id}/affiliations/{affiliation_id}/verify",
    ): None,
}
NO_BODY = {"get", "delete"}
# no ids in the path; checked separately below or in their own tests (organisations are shared
# records, affiliations are the caller's own, the operator overview shows no content)
UNSCOPED = {
    "/api/me",
    "/api/workspaces",
    "/api/organisations",
    "/api/me/affiliations",
    "/api/operator/workspaces",
    "/api/templates",
}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/api/openapi.json").json()
    return [(m, p) for p, ops in spec["paths"].items() for m in ops if p not in UNSCOPED]


def _snapshot(w: World) -> tuple[Any, ...]:
    h = w.owner.headers
    export = w.client.get(f"{w.project_url}/export?format=jsonl", headers=h).text
    return (
        w.client.get(w.base, headers=h).json(),
        w.client.get(f"{w.base}/members", headers=h).json(),
        w.client.get(f"{w.base}/projects", headers=h).json(),
        [json.loads(x) for x in export.splitlines()],
    )


def _call(client: TestClient, method: str, path: str, who: Person, body: Any) -> Any:
    kwargs: dict[str, Any] = {"headers": dict(who.headers)}
    if isinstance(body, bytes):
        kwargs["content"] = body
        kwargs["params"] = {"format": "jsonl"}
    elif body is not None:
        kwargs["json"] = body
    return client.request(method.upper(), path, **kwargs)


@pytest.fixture
def victim(client: TestClient, factory: Factory) -> tuple[World, dict[str, int]]:
    w = make_world(client, factory, items=3)
    live = w.next_task(w.annotators[0])  # a live lease, so the task ids are real
    # an answer in the review queue, leased to the owner, so the review ids are real
    w.client.patch(w.project_url, json={"review_rate": 1.0}, headers=w.manager.headers)
    answered = w.next_task(w.annotators[1])
    w.submit(w.annotators[1], answered["assignment_id"], {"sentiment": "neutral"})
    review = w.client.post(f"{w.project_url}/reviews/next", headers=w.owner.headers).json()
    ids = {
        "workspace_id": w.workspace.id,
        "project_id": w.project_id,
        "assignment_id": live["assignment_id"],
        "item_id": live["item"]["id"],
        "user_id": w.annotators[1].user.id,
    }
    operator = factory.person(operator=True, label="operator", with_password=False)
    with factory.database.session() as db:
        org = walls.create_organisation(db, actor=w.owner.user, name=f"Rival {uuid.uuid4().hex}")
        walls.set_wall(db, actor=w.owner.user, workspace_id=w.workspace.id, organisation_id=org.id)
        rival = walls.create_organisation(db, actor=w.owner.user, name=f"Other {uuid.uuid4().hex}")
        tie = walls.declare_affiliation(db, actor=w.annotators[1].user, organisation_id=rival.id)
        grant = operator_access.grant_operator_access(
            db,
            actor=w.owner.user,
            workspace_id=w.workspace.id,
            operator_email=operator.email,
            hours=1,
        )
    png = b"\x89PNG\r\n\x1a\nvictim"
    uploaded = w.client.post(f"{w.project_url}/media", content=png, headers=w.manager.headers)
    ids.update(
        organisation_id=org.id,
        affiliation_id=tie.id,
        grant_id=grant.id,
        media_id=uploaded.json()["id"],
        version=1,
        review_id=review["review"]["id"],
    )
    return w, ids


def test_every_route_hides_another_workspace(
    client: TestClient, factory: Factory, victim: tuple[World, dict[str, int]]
) -> None:
    w, ids = victim
    attacker_world = make_world(client, factory, items=1)
    attackers = [attacker_world.owner, attacker_world.annotators[0]]
    before = _snapshot(w)
    checked = 0
    for method, template in _routes(client):
        if method not in NO_BODY and (method, template) not in BODIES:
            pytest.fail(f"add an example body for {method.upper()} {template} to BODIES")
        body = BODIES.get((method, template))
        # 1: every id is the victim's. 2: the attacker's own workspace with the victim's ids.
        own = {**ids, "workspace_id": attacker_world.workspace.id}
        variants = [ids] if "{workspace_id}" not in template else [ids, own]
        for values in variants:
            if values is own and set(re.findall(r"{(\w+)}", template)) == {"workspace_id"}:
                continue  # only the attacker's own workspace: nothing foreign to reach
            path = template.format(**values)
            # In their own workspace only the owner (allowed everything) reaches the object
            # lookup; an annotator there is refused by role first, which reveals nothing.
            for who in attackers if values is ids else attackers[:1]:
                r = _call(client, method, path, who, body)
                assert r.status_code == 404, (method, path, r.status_code, r.text)
                assert r.json()["error"]["code"] == "not_found"
                checked += 1
    assert checked >= 20
    assert _snapshot(w) == before


def test_another_annotators_task_is_hidden_from_a_colleague(
    client: TestClient, victim: tuple[World, dict[str, int]]
) -> None:
    """Every task route, called by a fellow annotator of the same workspace on a task that is
    not theirs, answers 404 and changes nothing."""
    w, ids = victim
    colleague = w.annotators[1]
    before = _snapshot(w)
    task_routes = [(m, p) for m, p in _routes(client) if "{assignment_id}" in p]
    assert task_routes
    for method, template in task_routes:
        r = _call(client, method, template.format(**ids), colleague, BODIES.get((method, template)))
        assert r.status_code == 404, (method, template, r.status_code)
    assert _snapshot(w) == before


def test_lists_show_only_own_workspaces(
    client: TestClient, factory: Factory, victim: tuple[World, dict[str, int]]
) -> None:
    w, _ = victim
    other = make_world(client, factory, items=0)
    names = [x["id"] for x in client.get("/api/workspaces", headers=other.owner.headers).json()]
    assert names == [other.workspace.id]
    assert w.workspace.id not in names


def test_missing_and_foreign_bodies_are_identical(
    client: TestClient, factory: Factory, victim: tuple[World, dict[str, int]]
) -> None:
    _, ids = victim
    other = make_world(client, factory, items=0)
    foreign = client.get(
        f"/api/workspaces/{other.workspace.id}/projects/{ids['project_id']}",
        headers=other.owner.headers,
    )
    missing = client.get(
        f"/api/workspaces/{other.workspace.id}/projects/999999999", headers=other.owner.headers
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
