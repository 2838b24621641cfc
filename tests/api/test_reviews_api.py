"""API: the review queue (sampling, leasing, accept / reject / fix, resubmission, stats)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from conftest import Factory, Person, World, make_world
from tessera.domain.entities import Role
from tessera.storage.engine import Database
from tessera.storage.tables import access_events


def _reviewed_world(client: Any, factory: Factory, *, items: int = 3, overlap: int = 1) -> World:
    world = make_world(client, factory, items=items, overlap=overlap)
    r = client.patch(world.project_url, json={"review_rate": 1.0}, headers=world.manager.headers)
    assert r.status_code == 200 and r.json()["review_rate"] == 1.0, r.text
    return world


def _answer(world: World, who: Person, sentiment: str = "positive") -> dict[str, Any]:
    t = world.next_task(who)
    assert t is not None
    r = world.submit(who, t["assignment_id"], {"sentiment": sentiment})
    assert r.status_code == 201, r.text
    return {"task": t, "annotation": r.json()}


def _next_review(world: World, who: Person) -> Any:
    r = world.client.post(f"{world.project_url}/reviews/next", headers=who.headers)
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else None


def _decide(world: World, who: Person, review_id: int, **body: Any) -> Any:
    return world.client.post(
        f"{world.base}/reviews/{review_id}/decision", json=body, headers=who.headers
    )


def _reviewer(world: World, factory: Factory) -> Person:
    return factory.add(world.workspace, world.owner, Role.REVIEWER, with_password=False)


def _events(database: Database, workspace_id: int, action: str) -> list[Any]:
    with database.session() as db:
        return list(
            db.execute(
                select(access_events).where(
                    access_events.c.workspace_id == workspace_id,
                    access_events.c.action == action,
                )
            ).all()
        )


def test_review_rate_is_validated(world: World) -> None:
    for bad in (-0.1, 1.5, "x"):
        r = world.client.patch(
            world.project_url, json={"review_rate": bad}, headers=world.manager.headers
        )
        assert r.status_code == 422, r.text
        assert "review_rate" in r.text
    assert world.client.get(world.project_url, headers=world.manager.headers).json()[
        "review_rate"
    ] == (0.0)


def test_nothing_is_queued_at_rate_zero(client: Any, factory: Factory) -> None:
    world = make_world(client, factory, items=2)
    reviewer = _reviewer(world, factory)
    _answer(world, world.annotators[0])
    assert _next_review(world, reviewer) is None


def test_two_reviewers_get_different_reviews_and_never_their_own(
    client: Any, factory: Factory, database: Database
) -> None:
    world = _reviewed_world(client, factory, items=3)
    a, b = world.annotators
    mine = _answer(world, a, "positive")
    _answer(world, b, "negative")
    r1, r2 = _reviewer(world, factory), _reviewer(world, factory)
    first = _next_review(world, r1)
    assert first["review"]["status"] == "pending"
    assert first["review"]["source"] == "sampled"
    assert _next_review(world, r1)["review"]["id"] == first["review"]["id"]  # the live lease
    second = _next_review(world, r2)
    assert second["review"]["id"] != first["review"]["id"]
    assert _next_review(world, world.owner) is None  # both leased
    # The annotator of the first answer may not review their own (an annotator may not review).
    assert (
        world.client.post(f"{world.project_url}/reviews/next", headers=a.headers).status_code == 403
    )
    served = {first["value"]["sentiment"], second["value"]["sentiment"]}
    assert served == {"positive", "negative"}
    assert first["data"]["text"].startswith("review ")
    assert len(_events(database, world.workspace.id, "review.served")) >= 3
    assert mine["annotation"]["id"] in {
        first["review"]["annotation_id"],
        second["review"]["annotation_id"],
    }


def test_a_manager_who_annotates_is_not_served_their_own_answer(
    client: Any, factory: Factory
) -> None:
    world = _reviewed_world(client, factory, items=2)
    _answer(world, world.manager)
    assert _next_review(world, world.manager) is None
    assert _next_review(world, world.owner) is not None


def test_accept_then_conflicting_review_is_409(
    client: Any, factory: Factory, database: Database
) -> None:
    world = _reviewed_world(client, factory)
    _answer(world, world.annotators[0])
    reviewer = _reviewer(world, factory)
    rid = _next_review(world, reviewer)["review"]["id"]
    r = _decide(world, reviewer, rid, decision="accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["reviewer_id"] == reviewer.user.id
    assert _decide(world, reviewer, rid, decision="accept").status_code == 200  # a retry
    again = _decide(world, world.owner, rid, decision="reject", reason="no", send_to="pool")
    assert again.status_code == 409, again.text
    assert (
        _decide(world, reviewer, rid, decision="fix", value={"sentiment": "neutral"}).status_code
        == 409
    )
    assert len(_events(database, world.workspace.id, "review.decided")) == 1


def test_a_review_leased_to_another_reviewer_is_409(client: Any, factory: Factory) -> None:
    world = _reviewed_world(client, factory)
    _answer(world, world.annotators[0])
    holder, other = _reviewer(world, factory), _reviewer(world, factory)
    rid = _next_review(world, holder)["review"]["id"]
    r = _decide(world, other, rid, decision="accept")
    assert r.status_code == 409 and "another reviewer" in r.text


def test_reject_needs_a_reason_and_a_destination(client: Any, factory: Factory) -> None:
    world = _reviewed_world(client, factory)
    _answer(world, world.annotators[0])
    reviewer = _reviewer(world, factory)
    rid = _next_review(world, reviewer)["review"]["id"]
    r = _decide(world, reviewer, rid, decision="reject", send_to="pool")
    assert r.status_code == 422 and "reason" in r.text
    r = _decide(world, reviewer, rid, decision="reject", reason="wrong")
    assert r.status_code == 422 and "send_to" in r.text
    r = _decide(world, reviewer, rid, decision="reject", reason="wrong", send_to="moon")
    assert r.status_code == 422 and "send_to" in r.text
    r = _decide(world, reviewer, rid, decision="accept", value={"sentiment": "neutral"})
    assert r.status_code == 422 and "value" in r.text


def test_reject_to_the_pool_reopens_the_item_for_someone_else(
    client: Any, factory: Factory
) -> None:
    world = _reviewed_world(client, factory, items=1, overlap=1)
    a, b = world.annotators
    first = _answer(world, a)
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert (counts["done"], counts["annotations"]) == (1, 1)
    assert world.next_task(b) is None  # the only item is done
    reviewer = _reviewer(world, factory)
    rid = _next_review(world, reviewer)["review"]["id"]
    r = _decide(world, reviewer, rid, decision="reject", reason="off topic", send_to="pool")
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    assert r.json()["reason"] == "off topic"
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert (counts["done"], counts["annotations"]) == (0, 0)
    assert world.next_task(a) is None  # its rejected annotator never gets it again
    again = world.next_task(b)
    assert again is not None and again["item"]["id"] == first["task"]["item"]["id"]
    assert world.submit(b, again["assignment_id"], {"sentiment": "neutral"}).status_code == 201
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert (counts["done"], counts["annotations"]) == (1, 1)


def test_reject_to_the_annotator_serves_it_again_with_the_reason(
    client: Any, factory: Factory, database: Database
) -> None:
    world = _reviewed_world(client, factory, items=3)
    a = world.annotators[0]
    first = _answer(world, a, "positive")
    reviewer = _reviewer(world, factory)
    rid = _next_review(world, reviewer)["review"]["id"]
    r = _decide(
        world, reviewer, rid, decision="reject", reason="read it again", send_to="annotator"
    )
    assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    t = world.next_task(a)
    assert t["assignment_id"] == first["task"]["assignment_id"]
    assert t["returned"] == {
        "review_id": rid,
        "reason": "read it again",
        "previous_value": {"sentiment": "positive"},
    }
    r = world.submit(a, t["assignment_id"], {"sentiment": "negative"})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == first["annotation"]["id"]
    assert r.json()["value"] == {"sentiment": "negative"}
    # the same answer again is a retry; another one now conflicts
    assert world.submit(a, t["assignment_id"], {"sentiment": "negative"}).status_code == 201
    assert world.submit(a, t["assignment_id"], {"sentiment": "neutral"}).status_code == 409
    nxt = world.next_task(a)
    assert nxt["returned"] is None and nxt["assignment_id"] != t["assignment_id"]
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert counts["annotations"] == 1  # counted once, throughout
    again = _next_review(world, reviewer)
    assert again["review"]["source"] == "resubmitted"
    assert again["review"]["annotation_id"] == first["annotation"]["id"]
    assert again["value"] == {"sentiment": "negative"}
    assert _events(database, world.workspace.id, "annotation.resubmitted")


def test_fix_is_validated_and_keeps_the_original(client: Any, factory: Factory) -> None:
    world = _reviewed_world(client, factory)
    _answer(world, world.annotators[0], "positive")
    reviewer = _reviewer(world, factory)
    rid = _next_review(world, reviewer)["review"]["id"]
    r = _decide(world, reviewer, rid, decision="fix", value={"sentiment": "furious"})
    assert r.status_code == 422 and "sentiment" in r.text
    r = _decide(world, reviewer, rid, decision="fix", value={"sentiment": "neutral"}, reason="tone")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "fixed"
    assert r.json()["fixed_value"] == {"sentiment": "neutral"}
    export = world.client.get(
        f"{world.project_url}/export?format=jsonl", headers=world.manager.headers
    )
    assert export.status_code == 200
    assert '"positive"' in export.text  # the original answer is kept


def test_managers_send_annotations_to_review(client: Any, factory: Factory) -> None:
    world = make_world(client, factory, items=4)
    a, b = world.annotators
    ids = [_answer(world, a)["annotation"]["id"], _answer(world, a)["annotation"]["id"]]
    _answer(world, b)
    url = f"{world.project_url}/reviews"
    r = world.client.post(url, json={"annotation_ids": ids[:1]}, headers=world.manager.headers)
    assert r.status_code == 201 and r.json() == {"queued": 1}, r.text
    r = world.client.post(url, json={"annotator_id": a.user.id}, headers=world.manager.headers)
    assert r.json() == {"queued": 1}  # the other one was queued already
    r = world.client.post(url, json={"annotator_id": a.user.id}, headers=world.manager.headers)
    assert r.json() == {"queued": 0}
    assert world.client.post(url, json={}, headers=world.manager.headers).status_code == 422
    assert (
        world.client.post(url, json={"annotator_id": b.user.id}, headers=a.headers).status_code
        == 403
    )
    reviewer = _reviewer(world, factory)
    got = {_next_review(world, reviewer)["review"]["annotation_id"]}
    rid = _next_review(world, reviewer)["review"]["id"]
    assert _decide(world, reviewer, rid, decision="accept").status_code == 200
    got.add(_next_review(world, reviewer)["review"]["annotation_id"])
    assert got == set(ids)


def test_stats_per_annotator(client: Any, factory: Factory) -> None:
    world = _reviewed_world(client, factory, items=4)
    a, b = world.annotators
    _answer(world, a)
    _answer(world, a)
    _answer(world, b)
    reviewer = _reviewer(world, factory)
    outcomes: dict[int, list[str]] = {}
    for decision in (
        {"decision": "accept"},
        {"decision": "reject", "reason": "no", "send_to": "pool"},
        {"decision": "fix", "value": {"sentiment": "neutral"}},
    ):
        task = _next_review(world, reviewer)
        r = _decide(world, reviewer, task["review"]["id"], **decision)
        assert r.status_code == 200, r.text
        outcomes.setdefault(task["review"]["annotator_id"], []).append(r.json()["status"])
    r = world.client.get(f"{world.project_url}/reviews/stats", headers=world.manager.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["progress"]["decided"] == 3 and body["progress"]["pending"] == 0
    by_user = {s["user_id"]: s for s in body["annotators"]}
    for user_id, statuses in outcomes.items():
        s = by_user[user_id]
        assert s["accepted"] == statuses.count("accepted")
        assert s["rejected"] == statuses.count("rejected")
        assert s["fixed"] == statuses.count("fixed")
        assert s["acceptance_rate"] == statuses.count("accepted") / len(statuses)
    assert (
        world.client.get(f"{world.project_url}/reviews/stats", headers=reviewer.headers).status_code
        == 403
    )


def test_exports_carry_the_reviews(client: Any, factory: Factory) -> None:
    world = _reviewed_world(client, factory, items=3)
    a, b = world.annotators
    _answer(world, a, "positive")
    _answer(world, b, "negative")
    _answer(world, a, "neutral")
    reviewer = _reviewer(world, factory)
    decisions = [
        {"decision": "fix", "value": {"sentiment": "neutral"}, "reason": 'tone, "quoted"'},
        {"decision": "reject", "reason": "=HYPERLINK(1)", "send_to": "annotator"},
    ]
    decided = {}
    for body in decisions:
        task = _next_review(world, reviewer)
        assert _decide(world, reviewer, task["review"]["id"], **body).status_code == 200
        decided[task["review"]["annotation_id"]] = body
    r = world.client.get(f"{world.project_url}/export?format=jsonl", headers=world.manager.headers)
    answers = [x for line in r.text.splitlines() for x in json.loads(line)["annotations"]]
    assert len(answers) == 3
    for ans in answers:
        body = decided.get(ans["id"])
        if body is None:
            assert ans["review"]["status"] == "pending" and ans["review"]["reviewer"] is None
            continue
        assert ans["review"]["reviewer"] == reviewer.email
        assert ans["review"]["reason"] == body["reason"]
        if body["decision"] == "fix":
            assert ans["review"]["status"] == "fixed"
            assert ans["review"]["fixed_value"] == {"sentiment": "neutral"}
        else:
            assert ans["review"]["status"] == "returned"
            assert ans["review"]["fixed_value"] is None
    r = world.client.get(f"{world.project_url}/export?format=csv", headers=world.manager.headers)
    rows = {int(x["annotation_id"]): x for x in csv.DictReader(io.StringIO(r.text))}
    for annotation_id, body in decided.items():
        row = rows[annotation_id]
        assert row["reviewer"] == reviewer.email
        if body["decision"] == "fix":
            assert row["review_status"] == "fixed"
            assert json.loads(row["fixed_value"]) == {"sentiment": "neutral"}
            assert row["review_reason"] == 'tone, "quoted"'
        else:
            assert row["review_status"] == "returned"
            assert row["review_reason"] == "'=HYPERLINK(1)"  # neutralised like every cell
