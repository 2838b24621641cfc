"""API: gold items (import, set, clear, serving), the pause rule, the confidence rule,
stored aggregation, the quality report and results in exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Factory, Person, World, make_world
from tessera.domain.entities import Role

GOLD = {"sentiment": "positive"}


def _patch(w: World, **settings: Any) -> Any:
    r = w.client.patch(w.project_url, json=settings, headers=w.manager.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _items(w: World) -> list[dict[str, Any]]:
    r = w.client.get(f"{w.project_url}/items?limit=1000", headers=w.manager.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _answer_all(w: World, who: Person, value: dict[str, Any]) -> list[dict[str, Any]]:
    served = []
    while (t := w.next_task(who)) is not None:
        served.append(t)
        assert w.submit(who, t["assignment_id"], value).status_code == 201
    return served


def test_gold_imported_validated_and_set_cleared_by_api(world: World) -> None:
    bad = world.client.post(
        f"{world.project_url}/items/import?format=jsonl",
        content=json.dumps({"text": "x", "gold": {"sentiment": "nope"}}).encode(),
        headers=world.manager.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "gold.sentiment"
    world.import_jsonl([{"external_id": "g1", "text": "gold one", "gold": GOLD}])
    by_ext = {i["external_id"]: i for i in _items(world)}
    assert by_ext["g1"]["status"] == "gold"
    gid = by_ext["g1"]["id"]
    url = f"{world.project_url}/items/{gid}/gold"
    assert world.client.get(url, headers=world.manager.headers).json()["gold"] == GOLD
    # annotators may not read or set gold
    assert world.client.get(url, headers=world.annotators[0].headers).status_code == 403
    other = by_ext["e0"]["id"]
    r = world.client.put(
        f"{world.project_url}/items/{other}/gold",
        json={"gold": {"unknown": 1}},
        headers=world.manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "gold.unknown"
    r = world.client.put(
        f"{world.project_url}/items/{other}/gold",
        json={"gold": {"sentiment": "negative", "topics": ["price"]}},
        headers=world.manager.headers,
    )
    assert r.status_code == 200, r.text
    assert {i["external_id"]: i["status"] for i in _items(world)}["e0"] == "gold"
    assert _counted(world) == 4  # 5 items and 2 gold: gold is not the project's work
    assert world.client.delete(url, headers=world.manager.headers).status_code == 204
    assert world.client.get(url, headers=world.manager.headers).status_code == 404
    assert {i["external_id"]: i["status"] for i in _items(world)}["g1"] == "open"
    assert _counted(world) == 5


def _counted(w: World) -> int:
    project = w.client.get(w.project_url, headers=w.manager.headers).json()
    return int(project["counts"]["items"])


def test_gold_is_mixed_in_blind_never_twice_and_outside_the_overlap(world: World) -> None:
    world.import_jsonl(
        [{"external_id": f"g{i}", "text": f"gold {i}", "gold": GOLD} for i in range(3)]
    )
    _patch(world, gold_rate=1.0, annotations_per_item=2)
    for who in world.annotators:  # any number of annotators get the same gold items
        served = _answer_all(world, who, {"sentiment": "positive"})
        texts = [t["item"]["data"]["text"] for t in served]
        assert len(texts) == len(set(texts)) == 8  # 5 items + 3 gold, none twice
        # rate 1: every gold item comes before ordinary work while one is left
        assert sorted(texts[:3]) == ["gold 0", "gold 1", "gold 2"]
        assert all(set(t["item"]) == {"id", "data"} for t in served)  # nothing tells gold apart
    statuses = {i["external_id"]: (i["status"], i["submitted_count"]) for i in _items(world)}
    assert statuses["g0"] == ("gold", 0)  # gold answers never count towards an overlap
    assert statuses["e0"] == ("done", 2)
    stats = world.client.get(f"{world.project_url}/stats", headers=world.manager.headers).json()
    assert (stats["items"], stats["open"], stats["done"]) == (5, 0, 5)  # gold is not work


def test_no_gold_served_at_rate_zero(world: World) -> None:
    world.import_jsonl([{"external_id": "g", "text": "gold", "gold": GOLD}])
    served = _answer_all(world, world.annotators[0], {"sentiment": "positive"})
    assert "gold" not in [t["item"]["data"]["text"] for t in served]


def test_failing_gold_pauses_and_a_manager_lifts_it(world: World) -> None:
    world.import_jsonl(
        [{"external_id": f"g{i}", "text": f"gold {i}", "gold": GOLD} for i in range(3)]
    )
    _patch(world, gold_rate=1.0, gold_min_accuracy=0.8, gold_min_answers=2)
    bad, good = world.annotators
    for _ in range(2):
        t = world.next_task(bad)
        assert world.submit(bad, t["assignment_id"], {"sentiment": "negative"}).status_code == 201
    r = world.client.post(f"{world.project_url}/tasks/next", headers=bad.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "annotator_paused"
    assert "paused" in r.json()["error"]["message"]
    assert world.next_task(good) is not None  # others are not affected
    report = world.client.get(f"{world.project_url}/quality", headers=world.manager.headers).json()
    mine = {a["email"]: a for a in report["annotators"]}[bad.email]
    assert mine["gold"]["answers"] == 2 and mine["gold"]["accuracy"] == 0.0
    assert mine["gold"]["by_question"]["sentiment"] == {"asked": 2, "correct": 0, "accuracy": 0.0}
    assert mine["pause"] is not None
    lift = f"{world.project_url}/annotators/{bad.user.id}/pause"
    assert world.client.delete(lift, headers=bad.headers).status_code == 403
    assert world.client.delete(lift, headers=world.manager.headers).status_code == 204
    assert world.client.delete(lift, headers=world.manager.headers).status_code == 404
    assert world.next_task(bad) is not None  # counting starts afresh after the lift
    ledger = world.client.get(f"{world.base}/ledger", headers=world.owner.headers)
    actions = [json.loads(line)["action"] for line in ledger.text.splitlines()]
    assert "annotator.paused" in actions and "annotator.pause_lifted" in actions


def _third(w: World, factory: Factory) -> Person:
    return factory.add(w.workspace, w.owner, Role.ANNOTATOR, with_password=False)


def test_unsure_items_get_one_more_answer_up_to_the_cap(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=1, overlap=2)
    _patch(w, min_confidence=0.9, max_annotations_per_item=3)
    people = [*w.annotators, _third(w, factory), _third(w, factory)]
    for who, label in zip(people[:2], ["positive", "negative"], strict=True):
        t = w.next_task(who)
        assert w.submit(who, t["assignment_id"], {"sentiment": label}).status_code == 201
    item = _items(w)[0]
    assert item["status"] == "open" and item["overlap_override"] == 3  # asked for one more
    t = w.next_task(people[2])
    assert w.submit(people[2], t["assignment_id"], {"sentiment": "neutral"}).status_code == 201
    item = _items(w)[0]
    assert (item["status"], item["overlap_override"], item["submitted_count"]) == ("done", 3, 3)
    assert w.next_task(people[3]) is None  # the cap holds


def test_aggregate_stores_results_the_report_and_exports_show_them(world: World) -> None:
    world.import_jsonl([{"external_id": "g", "text": "gold", "gold": GOLD}])
    _patch(world, annotations_per_item=2, gold_rate=1.0)
    for who in world.annotators:
        _answer_all(world, who, {"sentiment": "positive", "topics": ["price"]})
    r = world.client.post(f"{world.project_url}/quality/aggregate", headers=world.manager.headers)
    assert r.status_code == 200, r.text
    assert r.json()["results"] == 5 * 2  # 5 items x (sentiment, topics); gold is no result
    report = world.client.get(
        f"{world.project_url}/quality?limit=2", headers=world.manager.headers
    ).json()
    assert report["gold_items"] == 1 and report["next_after"] is not None
    questions = {q["key"]: q for q in report["questions"]}
    assert questions["sentiment"]["method"] == "dawid_skene"
    stats = {a["statistic"] for a in questions["sentiment"]["agreement"]}
    assert stats == {"krippendorff_alpha", "fleiss_kappa"}
    assert sum(report["confidence_histograms"]["sentiment"]) == 5
    first = report["items"][0]["results"]
    assert {x["question"]: x["value"] for x in first} == {
        "sentiment": "positive",
        "topics": ["price"],
    }
    skills = {a["email"]: a["skills"] for a in report["annotators"]}
    assert skills[world.annotators[0].email][0]["confusion"] is not None
    export = world.client.get(f"{world.project_url}/export", headers=world.manager.headers)
    records = [json.loads(line) for line in export.text.splitlines()]
    e0 = next(r for r in records if r["external_id"] == "e0")
    assert e0["result"]["sentiment"]["value"] == "positive"
    assert e0["result"]["sentiment"]["method"] == "dawid_skene"
    rows = list(
        csv.DictReader(
            io.StringIO(
                world.client.get(
                    f"{world.project_url}/export?format=csv", headers=world.manager.headers
                ).text
            )
        )
    )
    assert {r["result.sentiment"] for r in rows if r["external_id"] == "e0"} == {"positive"}


def test_quality_settings_validated_and_managers_only(world: World) -> None:
    r = world.client.patch(world.project_url, json={"gold_rate": 2}, headers=world.manager.headers)
    assert r.status_code == 422
    r = world.client.patch(
        world.project_url, json={"gold_rate": None}, headers=world.manager.headers
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "gold_rate"
    p = _patch(world, min_confidence=0.7, max_annotations_per_item=4)
    assert (p["min_confidence"], p["max_annotations_per_item"], p["gold_rate"]) == (0.7, 4, 0.0)
    assert _patch(world, min_confidence=None)["min_confidence"] is None
    url = f"{world.project_url}/quality"
    assert world.client.get(url, headers=world.annotators[0].headers).status_code == 403
    assert (
        world.client.post(url + "/aggregate", headers=world.annotators[0].headers).status_code
        == 403
    )


PAIRWISE_SCHEMA: dict[str, Any] = {
    "fields": [{"name": "left", "type": "text"}, {"name": "right", "type": "text"}],
    "questions": [
        {
            "name": "better",
            "type": "pairwise",
            "a": "left",
            "b": "right",
            "strength_levels": 3,
            "criteria": [{"name": "honest"}],
        }
    ],
}


def test_pairwise_preferences_are_aggregated_per_criterion_and_scored_on_gold(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=0)
    r = client.post(
        f"{w.base}/projects",
        json={
            "name": "Preferences",
            "label_schema": PAIRWISE_SCHEMA,
            "annotations_per_item": 2,
            "gold_rate": 1.0,
        },
        headers=w.manager.headers,
    )
    assert r.status_code == 201, r.text
    url = f"{w.base}/projects/{r.json()['id']}"
    judged = {"choice": "b", "strength": 1}
    gold = {"better": {"choice": "a", "strength": 1, "criteria": {"honest": judged}}}
    rows = [{"external_id": f"p{i}", "left": "x", "right": "y"} for i in range(3)]
    rows.append({"external_id": "g", "left": "x", "right": "y", "gold": gold})
    body = "\n".join(json.dumps(row) for row in rows).encode()
    imported = client.post(
        f"{url}/items/import?format=jsonl", content=body, headers=w.manager.headers
    )
    assert imported.status_code == 200, imported.text
    answer = {"choice": "a", "strength": 3, "criteria": {"honest": {"choice": "b", "strength": 2}}}
    for who in w.annotators:
        while (t := client.post(f"{url}/tasks/next", headers=who.headers)).status_code == 200:
            aid = t.json()["assignment_id"]
            assert w.submit(who, aid, {"better": answer}).status_code == 201
    ran = client.post(f"{url}/quality/aggregate", headers=w.manager.headers)
    assert ran.status_code == 200 and ran.json()["results"] == 3 * 2
    report = client.get(f"{url}/quality", headers=w.manager.headers).json()
    values = {x["question"]: x["value"] for x in report["items"][0]["results"]}
    assert values == {"better": "a", "better.honest": "b"}
    scores = [a["gold"] for a in report["annotators"]]
    assert all(s["accuracy"] == 1.0 for s in scores)  # strength differs: choices count


def test_answers_rejected_to_the_pool_are_left_out_of_aggregation(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=2)
    assert client.patch(w.project_url, json={"review_rate": 1.0}, headers=w.manager.headers)
    who = w.annotators[0]
    for label in ("positive", "negative"):
        t = w.next_task(who)
        assert w.submit(who, t["assignment_id"], {"sentiment": label}).status_code == 201
    review = client.post(f"{w.project_url}/reviews/next", headers=w.owner.headers).json()
    decided = client.post(
        f"{w.base}/reviews/{review['review']['id']}/decision",
        json={"decision": "reject", "reason": "wrong", "send_to": "pool"},
        headers=w.owner.headers,
    )
    assert decided.status_code == 200, decided.text
    ran = client.post(f"{w.project_url}/quality/aggregate", headers=w.manager.headers).json()
    assert (ran["answers"], ran["results"]) == (1, 1)


def test_csv_import_takes_gold_as_json_text(world: World) -> None:
    body = 'external_id,text,gold\nc1,fine,"{""sentiment"": ""positive""}"\nc2,plain,\n'
    r = world.client.post(
        f"{world.project_url}/items/import?format=csv",
        content=body.encode(),
        headers=world.manager.headers,
    )
    assert r.status_code == 200, r.text
    status = {i["external_id"]: i["status"] for i in _items(world)}
    assert (status["c1"], status["c2"]) == ("gold", "open")
    bad = world.client.post(
        f"{world.project_url}/items/import?format=csv",
        content=b"external_id,text,gold\nc3,x,{not json\n",
        headers=world.manager.headers,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "gold"


GEOMETRY_SCHEMA: dict[str, Any] = {
    "fields": [{"name": "text", "type": "text"}, {"name": "photo", "type": "image"}],
    "questions": [
        {"name": "names", "type": "spans", "field": "text", "labels": ["PER", "ORG"]},
        {
            "name": "things",
            "type": "boxes",
            "field": "photo",
            "labels": ["cat", "dog"],
            "coordinates": "normalized",
        },
    ],
}


def test_spans_and_boxes_get_a_consensus(client: TestClient, factory: Factory) -> None:
    w = make_world(client, factory, items=0)
    people = [*w.annotators, _third(w, factory)]
    r = client.post(
        f"{w.base}/projects",
        json={"name": "Geometry", "label_schema": GEOMETRY_SCHEMA, "annotations_per_item": 3},
        headers=w.manager.headers,
    )
    assert r.status_code == 201, r.text
    url = f"{w.base}/projects/{r.json()['id']}"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"quality-geometry" * 4
    media = client.post(f"{url}/media", content=png, headers=w.manager.headers)
    assert media.status_code == 201, media.text
    row = {"external_id": "x", "text": "Ada met Bob at ACME.", "photo": media.json()["src"]}
    assert client.post(
        f"{url}/items/import?format=jsonl",
        content=json.dumps(row).encode(),
        headers=w.manager.headers,
    ).is_success
    box = {"label": "cat", "x": 0.1, "y": 0.1, "width": 0.3, "height": 0.3}
    answers = [
        {"names": [{"start": 0, "end": 3, "label": "PER"}], "things": [box]},
        {"names": [{"start": 0, "end": 3, "label": "PER"}], "things": [{**box, "x": 0.12}]},
        {"names": [{"start": 8, "end": 11, "label": "PER"}], "things": []},
    ]
    for who, value in zip(people, answers, strict=True):
        t = client.post(f"{url}/tasks/next", headers=who.headers).json()
        done = w.submit(who, t["assignment_id"], value)
        assert done.status_code == 201, done.text
    ran = client.post(f"{url}/quality/aggregate", headers=w.manager.headers)
    assert ran.status_code == 200 and ran.json()["results"] == 2, ran.text
    results = client.get(f"{url}/quality", headers=w.manager.headers).json()["items"][0]["results"]
    by_key = {x["question"]: x for x in results}
    assert by_key["names"]["value"] == [{"start": 0, "end": 3, "label": "PER"}]
    assert by_key["names"]["method"] == "token_vote"
    assert by_key["names"]["confidence"] == pytest.approx(2 / 3)
    (fused,) = by_key["things"]["value"]
    assert fused["label"] == "cat" and fused["x"] == pytest.approx(0.11)
    assert by_key["things"]["confidence"] == pytest.approx(2 / 3)
