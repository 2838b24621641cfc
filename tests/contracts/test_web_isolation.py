"""Contract: every web page answers another workspace's ids, and another annotator's tasks,
with 404 and changes nothing. Pages come from the app's routes, so new ones are covered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from conftest import Factory, Person, World, make_world
from tessera.domain.entities import Role
from tessera.web import pages

_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PUBLIC = {"/login", "/logout", "/"}  # no ids in the path


def _login(client: TestClient, person: Person, password: str) -> str:
    page = client.get("/login")
    token = _LOGIN_TOKEN.search(page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": person.email, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    csrf = _CSRF.search(client.get("/").text)
    assert csrf is not None
    return csrf.group(1)


def _walk(routes: list[Any], prefix: str = "") -> list[APIRoute]:
    """Every route under a router, through included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
            continue
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            found += _walk(inner.routes, prefix + getattr(context, "prefix", ""))
    return found


def _web_routes(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in _walk(pages.router.routes):
        if route.path in PUBLIC or "{" not in route.path:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            out.append((method, route.path))
    return out


def _snapshot(w: World) -> Any:
    h = w.owner.headers
    return (
        w.client.get(f"{w.project_url}", headers=h).json()["counts"],
        w.client.get(f"{w.project_url}/export", headers=h).text,
    )


@pytest.fixture
def victim(client: TestClient, factory: Factory) -> tuple[World, dict[str, Any]]:
    w = make_world(client, factory, items=3)
    task = w.next_task(w.annotators[0])
    # an answer in the review queue, so the review ids are real
    w.client.patch(w.project_url, json={"review_rate": 1.0}, headers=w.manager.headers)
    answered = w.next_task(w.annotators[1])
    w.submit(w.annotators[1], answered["assignment_id"], {"sentiment": "neutral"})
    review = w.client.post(f"{w.project_url}/reviews/next", headers=w.owner.headers).json()
    png = b"\x89PNG\r\n\x1a\nvictim"
    media = w.client.post(f"{w.project_url}/media", content=png, headers=w.manager.headers)
    ids = {
        "wid": w.workspace.id,
        "pid": w.project_id,
        "aid": task["assignment_id"],
        "uid": w.annotators[0].user.id,
        "fmt": "jsonl",
        "mid": media.json()["id"],
        "rid": review["review"]["id"],
    }
    return w, ids


def test_every_page_hides_other_workspaces_and_other_annotators_tasks(
    client: TestClient, factory: Factory, victim: tuple[World, dict[str, Any]]
) -> None:
    w, ids = victim
    routes = _web_routes(client)
    assert len(routes) >= 8
    before = _snapshot(w)
    # 1: a stranger who owns another workspace; 2: the victim's other annotator (a member,
    # but the task is not theirs: only the task routes can be checked with them)
    stranger = factory.person(label="stranger")
    factory.workspace(stranger)
    colleague = factory.add(w.workspace, w.owner, Role.ANNOTATOR, label="colleague")
    for person, only_tasks in ((stranger, False), (colleague, True)):
        with TestClient(client.app, base_url="https://testserver") as browser:  # type: ignore[arg-type]
            csrf = _login(browser, person, "correct horse battery staple")
            for method, template in routes:
                if only_tasks and "{aid}" not in template:
                    continue
                path = template.format(**ids)
                data = {
                    "csrf_token": csrf,
                    "project_id": str(ids["pid"]),
                    "q.sentiment": "positive",
                }
                upload = {"file": ("planted.jsonl", b'{"text": "planted"}\n')}
                r = browser.request(
                    method,
                    path,
                    data=data if method == "POST" else None,
                    files=upload if path.endswith("/import") else None,
                    headers={"X-CSRF-Token": csrf} if method == "POST" else {},
                    follow_redirects=False,
                )
                assert r.status_code == 404, (person.email, method, path, r.status_code)
                assert "review" not in r.text
    assert _snapshot(w) == before
