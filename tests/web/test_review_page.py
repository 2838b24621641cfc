"""The review page via the test client: serving, decisions as forms, CSRF, roles, escaping."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from test_pages import login

from conftest import Factory, Person, World, make_world
from tessera.domain.entities import Role

_DECIDE = re.compile(r'action="(/w/\d+/p/\d+/reviews/(\d+)/decide)"')
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _world(client: TestClient, factory: Factory) -> tuple[World, Person]:
    world = make_world(client, factory, items=3)
    client.patch(world.project_url, json={"review_rate": 1.0}, headers=world.manager.headers)
    reviewer = factory.add(world.workspace, world.owner, Role.REVIEWER)
    return world, reviewer


def _answer(world: World, who: Person, value: dict[str, Any]) -> None:
    t = world.next_task(who)
    assert world.submit(who, t["assignment_id"], value).status_code == 201


def _page(client: TestClient, world: World) -> tuple[str, str, int]:
    r = client.get(f"/w/{world.workspace.id}/p/{world.project_id}/review")
    assert r.status_code == 200, r.text
    found = _DECIDE.search(r.text)
    assert found is not None, r.text
    return r.text, found.group(1), int(found.group(2))


def test_review_page_decides_with_forms(client: TestClient, factory: Factory) -> None:
    world, reviewer = _world(client, factory)
    _answer(world, world.annotators[0], {"sentiment": "positive", "note": HOSTILE})
    _answer(world, world.annotators[1], {"sentiment": "negative"})
    csrf = login(client, reviewer)
    html, action, rid = _page(client, world)
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "Accept" in html and "Reject to pool" in html
    assert 'src="/static/review.js' in html and "<script>" not in html.replace("&lt;script&gt;", "")
    r = client.post(action, data={"csrf_token": "bad", "action": "accept"})
    assert r.status_code == 403
    r = client.post(action, data={"csrf_token": csrf, "action": "return"})
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(action, data={"csrf_token": csrf, "action": "accept"}, follow_redirects=False)
    assert r.status_code == 303
    again = client.post(action, data={"csrf_token": csrf, "action": "pool", "reason": "late"})
    assert again.status_code == 200 and "already reviewed" in again.text
    html, action2, rid2 = _page(client, world)
    assert rid2 != rid
    r = client.post(
        action2,
        data={"csrf_token": csrf, "action": "fix", "q.sentiment": "neutral"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    html = client.get(f"/w/{world.workspace.id}/p/{world.project_id}/review").text
    assert 'id="review-done"' in html
    stats = world.client.get(f"{world.project_url}/reviews/stats", headers=world.manager.headers)
    progress = stats.json()["progress"]
    assert (progress["accepted"], progress["fixed"], progress["pending"]) == (1, 1, 0)
    project_page = client.get(f"/w/{world.workspace.id}/p/{world.project_id}")
    assert 'id="review-progress"' in project_page.text and 'id="review-button"' in project_page.text


def test_annotators_and_strangers_cannot_review(client: TestClient, factory: Factory) -> None:
    world, _ = _world(client, factory)
    login(client, factory.add(world.workspace, world.owner, Role.ANNOTATOR))
    r = client.get(f"/w/{world.workspace.id}/p/{world.project_id}/review")
    assert r.status_code == 403
    other = make_world(client, factory, items=0)
    reviewer = factory.add(other.workspace, other.owner, Role.REVIEWER)
    client.cookies.clear()
    login(client, reviewer)
    r = client.get(f"/w/{world.workspace.id}/p/{world.project_id}/review")
    assert r.status_code == 404


def test_a_returned_answer_comes_back_first_with_the_reason(
    client: TestClient, factory: Factory
) -> None:
    world, reviewer = _world(client, factory)
    annotator = factory.add(world.workspace, world.owner, Role.ANNOTATOR)
    _answer(world, annotator, {"sentiment": "negative"})
    task = _review_api(world, reviewer)
    r = world.client.post(
        f"{world.base}/reviews/{task['review']['id']}/decision",
        json={"decision": "reject", "reason": "<b>tone</b> is sarcastic", "send_to": "annotator"},
        headers=reviewer.headers,
    )
    assert r.status_code == 200, r.text
    csrf = login(client, annotator)
    r = client.post(
        f"/w/{world.workspace.id}/p/{world.project_id}/annotate/next",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    assert 'id="returned-reason"' in r.text
    assert "&lt;b&gt;tone&lt;/b&gt; is sarcastic" in r.text
    assert re.search(r'value="negative"[^>]*checked', r.text), "the old answer is filled in"


def _review_api(world: World, who: Person) -> Any:
    r = world.client.post(f"{world.project_url}/reviews/next", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_managers_send_an_annotators_answers_and_see_their_stats(
    client: TestClient, factory: Factory
) -> None:
    world = make_world(client, factory, items=3)  # review_rate 0: nothing is sampled
    annotator = world.annotators[0]
    _answer(world, annotator, {"sentiment": "positive"})
    _answer(world, annotator, {"sentiment": "negative"})
    manager = factory.add(world.workspace, world.owner, Role.MANAGER)
    reviewer = factory.add(world.workspace, world.owner, Role.REVIEWER, with_password=False)
    csrf = login(client, manager)
    page = client.get(f"/w/{world.workspace.id}/p/{world.project_id}")
    assert 'id="request-review"' in page.text
    assert f'<option value="{annotator.user.id}">{annotator.email}</option>' in page.text
    url = f"/w/{world.workspace.id}/p/{world.project_id}/reviews/request"
    r = client.post(url, data={"csrf_token": csrf, "annotator_id": "x"})
    assert r.status_code == 422
    r = client.post(
        url,
        data={"csrf_token": csrf, "annotator_id": str(annotator.user.id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    for decision in (
        {"decision": "accept"},
        {"decision": "fix", "value": {"sentiment": "neutral"}},
    ):
        task = _review_api(world, reviewer)
        d = world.client.post(
            f"{world.base}/reviews/{task['review']['id']}/decision",
            json=decision,
            headers=reviewer.headers,
        )
        assert d.status_code == 200, d.text
    page = client.get(f"/w/{world.workspace.id}/p/{world.project_id}")
    table = page.text[page.text.index('id="review-annotators"') :]
    assert annotator.email in table and "50%" in table
    assert '<span class="stat-value" id="review-fixed">1</span>' in page.text
