"""The SDK's review calls against the real app, through FastAPI's TestClient."""

from __future__ import annotations

from typing import Any

from conftest import Factory, make_world
from tessera.domain.entities import Role
from tessera.sdk import TesseraClient


def test_review_round_trip(client: Any, factory: Factory) -> None:
    world = make_world(client, factory, items=2)
    reviewer = factory.add(world.workspace, world.owner, Role.REVIEWER, with_password=False)
    manager = TesseraClient(world.manager.token, http=client)
    annotator = TesseraClient(world.annotators[0].token, http=client)
    checker = TesseraClient(reviewer.token, http=client)
    ws, pid = world.workspace.id, world.project_id
    ids = []
    while (task := annotator.next_task(ws, pid)) is not None:
        ids.append(annotator.submit(ws, task.assignment_id, {"sentiment": "neutral"}).id)
    assert checker.next_review(ws, pid) is None
    assert manager.request_review(ws, pid, annotation_ids=ids) == 2
    first = checker.next_review(ws, pid)
    assert first is not None and first.value == {"sentiment": "neutral"}
    done = checker.decide_review(ws, first.review.id, "fix", value={"sentiment": "positive"})
    assert done.status == "fixed" and done.fixed_value == {"sentiment": "positive"}
    second = checker.next_review(ws, pid)
    assert second is not None
    back = checker.decide_review(
        ws, second.review.id, "reject", reason="look again", send_to="annotator"
    )
    assert back.status == "returned"
    redo = annotator.next_task(ws, pid)
    assert redo is not None and redo.returned is not None
    assert redo.returned.reason == "look again"
    stats = manager.review_stats(ws, pid)
    assert stats.progress.fixed == 1 and stats.progress.returned == 1
    assert stats.annotators[0].acceptance_rate == 0.0
