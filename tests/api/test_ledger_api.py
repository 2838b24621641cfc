"""The ledger over HTTP: content reads are recorded; owners and auditors export and verify it."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import pytest

from conftest import Factory, Person, World, make_world
from tessera.domain.entities import Role
from tessera.services import ledger
from tessera.settings import SIGNING_KEY_FILE, Settings


def _ledger(world: World, who: Person | None = None, after_seq: int = 0) -> list[dict[str, Any]]:
    r = world.client.get(
        f"{world.base}/ledger",
        params={"after_seq": after_seq},
        headers=(who or world.owner).headers,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in r.text.splitlines()]


def _actions(events: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [e for e in events if e["action"] == action]


@pytest.fixture
def signing_key(settings: Settings) -> None:
    path = settings.data_dir / SIGNING_KEY_FILE
    path.write_bytes(secrets.token_bytes(32))
    path.chmod(0o600)


def test_serving_a_task_is_recorded_with_its_item(world: World) -> None:
    annotator = world.annotators[0]
    task = world.next_task(annotator)
    again = world.next_task(annotator)  # the live lease, served a second time
    assert again["assignment_id"] == task["assignment_id"]
    served = _actions(_ledger(world), "task.served")
    assert [e["object_id"] for e in served] == [str(task["item"]["id"])] * 2
    assert served[0]["actor"] == annotator.email
    assert served[0]["actor_id"] == annotator.user.id
    assert [json.loads(e["detail"])["lease"] for e in served] == ["new", "live"]

    r = world.submit(annotator, task["assignment_id"], {"sentiment": "positive"})
    assert r.status_code == 201, r.text
    submitted = _actions(_ledger(world), "annotation.submitted")
    assert json.loads(submitted[0]["detail"])["item_id"] == task["item"]["id"]


def test_a_skip_is_recorded(world: World) -> None:
    task = world.next_task(world.annotators[1])
    r = world.client.post(
        f"{world.base}/tasks/{task['assignment_id']}/skip",
        json={"reason": "not my field"},
        headers=world.annotators[1].headers,
    )
    assert r.status_code in (200, 204), r.text
    skipped = _actions(_ledger(world), "task.skipped")
    assert skipped[0]["object_id"] == str(task["assignment_id"])
    assert "not my field" not in json.dumps(skipped)  # the ledger holds no content


def test_exports_listings_imports_and_project_changes_are_recorded(world: World) -> None:
    r = world.client.get(f"{world.project_url}/export?format=csv", headers=world.manager.headers)
    assert r.status_code == 200
    r = world.client.get(f"{world.project_url}/items?limit=2", headers=world.manager.headers)
    ids = [i["id"] for i in r.json()["items"]]
    world.client.patch(world.project_url, json={"name": "New"}, headers=world.manager.headers)
    events = _ledger(world)
    (export,) = _actions(events, "export.downloaded")
    assert (export["object_id"], export["actor"]) == (str(world.project_id), world.manager.email)
    assert json.loads(export["detail"]) == {"format": "csv", "items": 5}
    (listed,) = _actions(events, "items.listed")
    assert json.loads(listed["detail"]) == {"count": 2, "first_id": ids[0], "last_id": ids[1]}
    (imported,) = _actions(events, "items.imported")
    assert json.loads(imported["detail"]) == {"format": "jsonl", "read": 5, "created": 5}
    assert len(_actions(events, "project.created")) == 1
    assert json.loads(_actions(events, "project.updated")[0]["detail"]) == {"changed": ["name"]}


def test_the_export_is_complete_recorded_and_resumable(world: World, factory: Factory) -> None:
    auditor = factory.add(world.workspace, world.owner, Role.AUDITOR, with_password=False)
    events = _ledger(world, auditor)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    last = events[-1]
    assert (last["action"], last["actor"]) == ("ledger.exported", auditor.email)
    assert set(last) == {
        "workspace_id",
        "seq",
        "at",
        "actor_id",
        "actor",
        "action",
        "object_type",
        "object_id",
        "detail",
        "prev_hash",
        "hash",
    }
    prev = "0" * 64  # anyone can recompute the chain from the export alone
    for e in events:
        fields = {k: v for k, v in e.items() if k != "hash"}
        fields["at"] = datetime.fromisoformat(e["at"])
        assert e["prev_hash"] == prev and ledger.event_hash(**fields) == e["hash"]
        prev = e["hash"]
    tail = _ledger(world, world.owner, after_seq=last["seq"])
    assert [e["seq"] for e in tail] == [last["seq"] + 1]  # only this export's own event


def test_only_owners_and_auditors_read_the_ledger(world: World, factory: Factory) -> None:
    reviewer = factory.add(world.workspace, world.owner, Role.REVIEWER, with_password=False)
    for who in (world.manager, world.annotators[0], reviewer):
        for method, path in (
            ("GET", "/ledger"),
            ("POST", "/ledger/verify"),
            ("POST", "/ledger/checkpoints"),
        ):
            r = world.client.request(method, world.base + path, headers=who.headers)
            assert r.status_code == 403, (who.email, path, r.text)
            assert r.json()["error"]["code"] == "forbidden"


def test_a_foreign_ledger_is_404(world: World, client: Any, factory: Factory) -> None:
    other = make_world(client, factory, items=0)
    r = client.get(f"{world.base}/ledger", headers=other.owner.headers)
    assert r.status_code == 404
    r = client.post(f"{world.base}/ledger/checkpoints", headers=other.owner.headers)
    assert r.status_code == 404


def test_checkpoint_then_verify(world: World, factory: Factory, signing_key: None) -> None:
    auditor = factory.add(world.workspace, world.owner, Role.AUDITOR, with_password=False)
    r = world.client.post(f"{world.base}/ledger/checkpoints", headers=auditor.headers)
    assert r.status_code == 201, r.text
    cp = r.json()
    assert cp["workspace_id"] == world.workspace.id and len(cp["signature"]) == 88
    world.next_task(world.annotators[0])

    r = world.client.post(f"{world.base}/ledger/verify", headers=world.owner.headers)
    assert r.json() == {"ok": True, "events": cp["seq"] + 1, "first_bad_seq": None, "reason": ""}
    r = world.client.post(f"{world.base}/ledger/verify", json=cp, headers=world.owner.headers)
    assert r.json()["ok"] is True
    forged = {**cp, "seq": cp["seq"] - 1}
    r = world.client.post(f"{world.base}/ledger/verify", json=forged, headers=world.owner.headers)
    assert r.json() == {
        "ok": False,
        "events": cp["seq"] + 1,
        "first_bad_seq": None,
        "reason": "the checkpoint's signature is not valid",
    }
    elsewhere = {**cp, "workspace_id": cp["workspace_id"] + 1}
    r = world.client.post(f"{world.base}/ledger/verify", json=elsewhere, headers=auditor.headers)
    assert r.status_code == 422


def test_checkpoint_without_a_signing_key_says_so(world: World) -> None:
    r = world.client.post(f"{world.base}/ledger/checkpoints", headers=world.owner.headers)
    assert r.status_code == 423
    assert "tessera init" in r.json()["error"]["message"]
