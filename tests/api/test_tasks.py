"""API: next task, submit and skip, including overlap, expiry and retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import fastapi.routing
import pytest

from conftest import Factory, World, make_world
from tessera.domain.errors import Conflict
from tessera.services import accounts, assignment
from tessera.services.clock import utcnow


def test_next_returns_the_same_live_lease(world: World) -> None:
    a = world.annotators[0]
    first = world.next_task(a)
    assert first["item"]["data"] == {"text": "review 0"}
    assert world.next_task(a)["assignment_id"] == first["assignment_id"]
    other = world.next_task(world.annotators[1])
    assert other["item"]["id"] != first["item"]["id"]


def test_submit_counts_and_moves_on(world: World) -> None:
    a = world.annotators[0]
    t = world.next_task(a)
    r = world.submit(a, t["assignment_id"], {"sentiment": "negative", "topics": ["price"]})
    assert r.status_code == 201, r.text
    assert r.json()["value"] == {"sentiment": "negative", "topics": ["price"]}
    assert r.json()["schema_version"] == 1
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert counts == {"items": 5, "done": 1, "annotations": 1, "progress": 0.2}
    assert world.next_task(a)["item"]["id"] != t["item"]["id"]


def test_invalid_answer_names_the_question(world: World) -> None:
    a = world.annotators[0]
    t = world.next_task(a)
    for value, field in (
        ({"sentiment": "furious"}, "sentiment"),
        ({}, "sentiment"),
        ({"sentiment": "positive", "topics": ["colour"]}, "topics"),
        ({"sentiment": "positive", "bogus": 1}, "bogus"),
        ({"sentiment": "positive", "note": "x" * 201}, "note"),
    ):
        r = world.submit(a, t["assignment_id"], value)
        assert r.status_code == 422, value
        assert r.json()["error"]["field"] == field


def test_retry_is_stored_once_and_changes_conflict(world: World) -> None:
    a = world.annotators[0]
    t = world.next_task(a)
    first = world.submit(a, t["assignment_id"], {"sentiment": "neutral"})
    again = world.submit(a, t["assignment_id"], {"sentiment": "neutral"})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    changed = world.submit(a, t["assignment_id"], {"sentiment": "positive"})
    assert changed.status_code == 409
    counts = world.client.get(world.project_url, headers=a.headers).json()["counts"]
    assert counts["annotations"] == 1


def test_someone_elses_task_is_404(world: World) -> None:
    t = world.next_task(world.annotators[0])
    r = world.submit(world.annotators[1], t["assignment_id"], {"sentiment": "neutral"})
    assert r.status_code == 404


def test_skip_is_final_for_that_annotator(world: World) -> None:
    a, b = world.annotators
    t = world.next_task(a)
    r = world.client.post(
        f"{world.base}/tasks/{t['assignment_id']}/skip",
        json={"reason": "not English"},
        headers=a.headers,
    )
    assert r.status_code == 204
    seen = set()
    while (task := world.next_task(a)) is not None:
        seen.add(task["item"]["id"])
        world.submit(a, task["assignment_id"], {"sentiment": "neutral"})
    assert t["item"]["id"] not in seen and len(seen) == 4
    # the skipped item is still open for others
    assert world.next_task(b)["item"]["id"] == t["item"]["id"]
    assert world.submit(a, t["assignment_id"], {"sentiment": "neutral"}).status_code == 409


def test_overlap_serves_each_item_to_distinct_annotators(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=2, overlap=2)
    a, b = w.annotators
    for who in (a, b, a, b):
        t = w.next_task(who)
        assert w.submit(who, t["assignment_id"], {"sentiment": "neutral"}).status_code == 201
    assert w.next_task(a) is None and w.next_task(b) is None
    counts = w.client.get(w.project_url, headers=a.headers).json()["counts"]
    assert counts == {"items": 2, "done": 2, "annotations": 4, "progress": 1.0}


def test_expired_lease_returns_item_and_late_submit_rules(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=1)
    a, b = (p.user for p in w.annotators)
    ws = w.workspace.id
    db = factory.database.session()
    try:
        now = utcnow()
        ta = assignment.next_task(db, actor=a, workspace_id=ws, project_id=w.project_id, now=now)
        assert ta is not None
        assert (
            assignment.next_task(db, actor=b, workspace_id=ws, project_id=w.project_id, now=now)
            is None
        )
        later = now + timedelta(seconds=901)  # default lease_ttl_s is 900
        tb = assignment.next_task(db, actor=b, workspace_id=ws, project_id=w.project_id, now=later)
        assert tb is not None and tb.item.id == ta.item.id
        # a's lease expired and b holds the item: a's late answer is refused
        with pytest.raises(Conflict, match="expired"):
            assignment.submit_annotation(
                db,
                actor=a,
                workspace_id=ws,
                assignment_id=ta.assignment.id,
                value={"sentiment": "neutral"},
                now=later + timedelta(seconds=1),
            )
        # b lets the lease lapse too; now a's late answer is welcome
        much_later = later + timedelta(seconds=901)
        ann = assignment.submit_annotation(
            db,
            actor=a,
            workspace_id=ws,
            assignment_id=ta.assignment.id,
            value={"sentiment": "neutral"},
            now=much_later,
        )
        assert ann.item_id == ta.item.id
    finally:
        db.close()


def test_no_task_left_is_204(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=0)
    r = w.client.post(f"{w.project_url}/tasks/next", headers=w.annotators[0].headers)
    assert r.status_code == 204


def test_auditor_cannot_annotate(world: World, factory: Factory) -> None:
    from tessera.domain.entities import Role

    auditor = factory.add(world.workspace, world.owner, Role.AUDITOR)
    r = world.client.post(f"{world.project_url}/tasks/next", headers=auditor.headers)
    assert r.status_code == 403


def annotator_calls(world: World, task: dict[str, Any]) -> list[tuple[str, object]]:
    """Next task, submit and skip (on `task`): each route's URL and body."""
    return [
        (f"{world.project_url}/tasks/next", None),
        (f"{world.base}/tasks/{task['assignment_id']}/annotations", {"value": {"sentiment": "x"}}),
        (f"{world.base}/tasks/{task['assignment_id']}/skip", {"reason": "unclear"}),
    ]


def test_annotator_routes_refuse_a_missing_or_unknown_token(world: World) -> None:
    # These routes check the token inside their own thread-pool turn (BearerCaller), not
    # through CurrentUser: the same 401 for no token, another scheme and an unknown token.
    a = world.annotators[0]
    t = world.next_task(a)
    calls = annotator_calls(world, t)
    for headers in ({}, {"Authorization": "Basic x"}, {"Authorization": "Bearer tsr_nope"}):
        for url, body in calls:
            r = world.client.post(url, json=body, headers=headers)
            assert r.status_code == 401, (url, headers, r.text)
            assert r.json()["error"]["code"] == "unauthenticated"
    assert world.next_task(a)["assignment_id"] == t["assignment_id"]  # nothing was changed


def test_annotator_routes_refuse_a_revoked_token_and_hide_from_strangers(
    world: World, factory: Factory
) -> None:
    # The token is checked by the statement that reads the membership (ApiCaller): a revoked
    # token is still a 401, a stranger's valid one a 404 like a missing workspace.
    a = world.annotators[0]
    calls = annotator_calls(world, world.next_task(a))
    stranger = factory.person(with_password=False)
    missing = world.client.post(
        "/api/workspaces/987654321/projects/1/tasks/next", headers=stranger.headers
    )
    assert missing.status_code == 404
    for url, body in calls:
        r = world.client.post(url, json=body, headers=stranger.headers)
        assert (r.status_code, r.json()) == (404, missing.json()), url
    with factory.database.session() as db:
        accounts.deactivate_user(db, email=a.email)
    for url, body in calls:
        r = world.client.post(url, json=body, headers=a.headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated", url


def test_annotator_routes_take_one_thread_pool_turn_per_request(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain `def` route returning a model would have FastAPI validate it in a second turn;
    # these return their JSON bytes (decision 0015), with the documented shape.
    turns: list[str] = []
    real = fastapi.routing.run_in_threadpool

    async def counting(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        turns.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "run_in_threadpool", counting)
    a = world.annotators[0]
    t = world.next_task(a)
    r = world.submit(a, t["assignment_id"], {"sentiment": "positive", "topics": []})
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    assert set(r.json()) == {
        "id",
        "item_id",
        "assignment_id",
        "value",
        "schema_version",
        "created_at",
    }
    assert set(t) == {
        "assignment_id",
        "project_id",
        "expires_at",
        "item",
        "other_answers",
        "returned",
    }
    assert len(turns) == 2, turns  # one per request: no `validate` turn after the endpoint
