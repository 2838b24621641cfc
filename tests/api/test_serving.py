"""API: serving orders, per-annotator caps, blind labeling, item overrides, stats, retries."""

from __future__ import annotations

from typing import Any

from conftest import TEXT_SCHEMA, Factory, World, make_world


def _project(w: World, **settings: Any) -> int:
    r = w.client.post(
        f"{w.base}/projects",
        json={"name": "Serving", "label_schema": TEXT_SCHEMA, **settings},
        headers=w.manager.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _import(w: World, pid: int, rows: list[dict[str, Any]]) -> None:
    import json

    body = "\n".join(json.dumps(r) for r in rows).encode()
    r = w.client.post(
        f"{w.base}/projects/{pid}/items/import?format=jsonl",
        content=body,
        headers=w.manager.headers,
    )
    assert r.status_code == 200, r.text


def _next(w: World, pid: int, who: int = 0) -> Any:
    r = w.client.post(f"{w.base}/projects/{pid}/tasks/next", headers=w.annotators[who].headers)
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else None


def _submit(w: World, task: Any, who: int = 0, **extra: Any) -> Any:
    return w.client.post(
        f"{w.base}/tasks/{task['assignment_id']}/annotations",
        json={"value": {"sentiment": "neutral"}, **extra},
        headers=w.annotators[who].headers,
    )


def test_priority_order_then_import_order(world: World) -> None:
    pid = _project(world)
    _import(
        world,
        pid,
        [{"text": "low"}, {"text": "high", "priority": 5}, {"text": "mid", "priority": 1}],
    )
    seen = []
    while (t := _next(world, pid)) is not None:
        seen.append(t["item"]["data"]["text"])
        assert _submit(world, t).status_code == 201
    assert seen == ["high", "mid", "low"]


def test_uncertainty_order_serves_least_confident_first(world: World) -> None:
    pid = _project(world, serving_order="uncertainty")
    rows = [
        {"text": "sure", "prediction_score": 0.97},
        {"text": "no model"},
        {"text": "unsure", "prediction_score": 0.51},
        {"text": "middling", "prediction_score": 0.7},
    ]
    _import(world, pid, rows)
    seen = []
    while (t := _next(world, pid)) is not None:
        seen.append(t["item"]["data"]["text"])
        _submit(world, t)
    assert seen == ["unsure", "middling", "sure", "no model"]
    r = world.client.post(
        f"{world.base}/projects/{pid}/items/import?format=jsonl",
        content=b'{"text": "x", "prediction_score": 1.5}',
        headers=world.manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "prediction_score"


def test_random_order_serves_everything_once(world: World) -> None:
    pid = _project(world, serving_order="random")
    _import(world, pid, [{"text": f"r{i}"} for i in range(30)])
    seen = []
    while (t := _next(world, pid)) is not None:
        seen.append(t["item"]["data"]["text"])
        _submit(world, t)
    assert sorted(seen) == sorted(f"r{i}" for i in range(30))
    assert seen != [f"r{i}" for i in range(30)]  # 1 in 30! chance of a false failure


def test_per_annotator_cap(world: World) -> None:
    pid = _project(world, max_items_per_annotator=2)
    _import(world, pid, [{"text": f"c{i}"} for i in range(5)])
    for _ in range(2):
        assert _submit(world, _next(world, pid)).status_code == 201
    assert _next(world, pid) is None
    assert _next(world, pid, who=1) is not None  # the cap is per annotator
    r = world.client.patch(
        f"{world.base}/projects/{pid}",
        json={"max_items_per_annotator": None},
        headers=world.manager.headers,
    )
    assert r.json()["max_items_per_annotator"] is None
    assert _next(world, pid) is not None


def test_blind_by_default_and_others_answers_when_not(world: World) -> None:
    blind = _project(world, annotations_per_item=2)
    _import(world, blind, [{"text": "one"}])
    _submit(world, _next(world, blind, 0), 0)
    assert _next(world, blind, 1)["other_answers"] == []
    open_ = _project(world, annotations_per_item=2, is_blind=False)
    _import(world, open_, [{"text": "one"}])
    _submit(world, _next(world, open_, 0), 0)
    assert _next(world, open_, 1)["other_answers"] == [{"sentiment": "neutral"}]


def test_item_overrides_raise_lower_and_reset(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=3)
    items = w.client.get(f"{w.project_url}/items", headers=w.owner.headers).json()["items"]
    first = items[0]["id"]
    t = w.next_task(w.annotators[0])
    assert t["item"]["id"] == first
    w.submit(w.annotators[0], t["assignment_id"], {"sentiment": "neutral"})
    stats = w.client.get(f"{w.project_url}/stats", headers=w.manager.headers).json()
    assert (stats["done"], stats["open"]) == (1, 2)
    # raise the overlap of the done item: it opens again for someone else
    r = w.client.patch(
        f"{w.project_url}/items",
        json={"item_ids": [first], "annotations_per_item": 2, "priority": 10},
        headers=w.manager.headers,
    )
    assert r.json() == {"updated": 1}
    assert w.client.get(f"{w.project_url}/stats", headers=w.manager.headers).json()["done"] == 0
    t2 = w.next_task(w.annotators[1])
    assert t2["item"]["id"] == first  # priority 10 puts it first
    # reset to the project's overlap (1): it is done again with its one answer
    r = w.client.patch(
        f"{w.project_url}/items",
        json={"item_ids": [first], "annotations_per_item": None},
        headers=w.manager.headers,
    )
    listed = w.client.get(f"{w.project_url}/items", headers=w.owner.headers).json()["items"]
    assert listed[0]["status"] == "done" and listed[0]["overlap_override"] is None
    assert listed[0]["priority"] == 10
    r = w.client.patch(
        f"{w.project_url}/items", json={"item_ids": [99999999]}, headers=w.manager.headers
    )
    assert r.status_code == 404
    r = w.client.patch(
        f"{w.project_url}/items", json={"item_ids": [first]}, headers=w.annotators[0].headers
    )
    assert r.status_code == 403


def test_stats_show_leases_and_people(world: World) -> None:
    t = world.next_task(world.annotators[0])
    world.next_task(world.annotators[1])
    world.submit(world.annotators[0], t["assignment_id"], {"sentiment": "neutral"})
    s = world.client.get(f"{world.project_url}/stats", headers=world.manager.headers).json()
    assert (s["items"], s["open"], s["done"], s["leased"], s["expired"]) == (5, 4, 1, 1, 0)
    by_email = {a["email"]: a for a in s["annotators"]}
    assert by_email[world.annotators[0].email]["submitted"] == 1
    assert by_email[world.annotators[1].email]["leased"] == 1
    r = world.client.get(f"{world.project_url}/stats", headers=world.annotators[0].headers)
    assert r.status_code == 403


def test_idempotency_key_retries_are_stored_once(world: World) -> None:
    t = world.next_task(world.annotators[0])
    first = _submit_raw(world, t, {"sentiment": "neutral"}, key="k-1")
    again = _submit_raw(world, t, {"sentiment": "positive"}, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["value"] == {"sentiment": "neutral"}
    other = _submit_raw(world, t, {"sentiment": "neutral"}, key="k-2")
    assert other.status_code == 409
    header = world.client.post(
        f"{world.base}/tasks/{t['assignment_id']}/annotations",
        json={"value": {"sentiment": "neutral"}},
        headers={**world.annotators[0].headers, "Idempotency-Key": "k-1"},
    )
    assert header.status_code == 201 and header.json()["id"] == first.json()["id"]


def _submit_raw(w: World, task: Any, value: dict[str, Any], key: str) -> Any:
    return w.client.post(
        f"{w.base}/tasks/{task['assignment_id']}/annotations",
        json={"value": value, "idempotency_key": key},
        headers=w.annotators[0].headers,
    )
