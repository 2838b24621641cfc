"""The web UI via the test client: sessions, CSRF, tenancy, escaping, annotate, import, export."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from conftest import TEST_PASSWORD, TEXT_SCHEMA, Factory, Person
from tessera.domain.entities import Project, Role
from tessera.domain.label_schema import parse_label_schema
from tessera.formats import ImportFormat
from tessera.services import imports, projects
from tessera.web.annotate import answer_from_form
from tessera.web.pages import NOT_FOUND_MESSAGE

HTMX = {"HX-Request": "true"}
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_TASK_FORM = re.compile(r'hx-post="/w/(\d+)/tasks/(\d+)/submit"')


def make_project(factory: Factory, owner: Person, ws_id: int, texts: list[str]) -> Project:
    with factory.database.session() as db:
        project = projects.create_project(
            db, actor=owner.user, workspace_id=ws_id, name="Reviews", label_schema=TEXT_SCHEMA
        )
        if texts:
            body = "\n".join(
                json.dumps({"external_id": f"e{i}", "text": t}) for i, t in enumerate(texts)
            )
            imports.import_items(
                db,
                actor=owner.user,
                workspace_id=ws_id,
                project_id=project.id,
                stream=io.BytesIO(body.encode()),
                fmt=ImportFormat.JSONL,
            )
    return project


def counts(factory: Factory, owner: Person, project: Project) -> tuple[int, int, int]:
    with factory.database.session() as db:
        p = projects.get_project(
            db, actor=owner.user, workspace_id=project.workspace_id, project_id=project.id
        )
    return p.counts.items, p.counts.done, p.counts.annotations


def login(client: TestClient, person: Person) -> str:
    """Log in through the form; returns the session's CSRF token, read from a page."""
    page = client.get("/login")
    token = _CSRF_FIELD.search(page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    home = client.get("/")
    assert home.status_code == 200
    csrf = _CSRF_FIELD.search(home.text)
    assert csrf is not None
    return csrf.group(1)


def next_task(client: TestClient, csrf: str, project: Project) -> tuple[str, int]:
    r = client.post(
        f"/w/{project.workspace_id}/p/{project.id}/annotate/next",
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    found = _TASK_FORM.search(r.text)
    assert found is not None, r.text
    return r.text, int(found.group(2))


def test_login_success_sets_a_hardened_cookie(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    page = client.get("/login")
    assert page.status_code == 200
    login_cookie = page.headers["set-cookie"]
    assert "tessera_login_csrf=" in login_cookie and "HttpOnly" in login_cookie
    token = _CSRF_FIELD.search(page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("tessera_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    home = client.get("/")
    assert home.status_code == 200
    assert owner.email in home.text and ws.name in home.text
    assert client.get("/login", follow_redirects=False).status_code == 303  # already logged in


def test_login_failure_shows_the_form_again(client: TestClient, factory: Factory) -> None:
    person = factory.person()
    page = client.get("/login")
    token = _CSRF_FIELD.search(page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": person.email, "password": "wrong password!", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 401
    assert "wrong email or password" in r.text
    assert "tessera_session" not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_without_the_double_submit_cookie_is_refused(
    client: TestClient, factory: Factory
) -> None:
    person = factory.person()
    r = client.post(
        "/login",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": "x" * 43},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "tessera_session" not in client.cookies


def test_pages_redirect_to_login_when_logged_out(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = client.post("/w/1/p/1/annotate/next", headers=HTMX, follow_redirects=False)
    assert r.headers["HX-Redirect"] == "/login"


def test_logout_ends_the_session(client: TestClient, factory: Factory) -> None:
    person = factory.person()
    csrf = login(client, person)
    secret = client.cookies["tessera_session"]
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set("tessera_session", secret)  # a stolen copy of the cookie
    assert client.get("/", follow_redirects=False).status_code == 303


def test_state_changes_without_csrf_are_refused(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["one"])
    csrf = login(client, owner)
    base = f"/w/{ws.id}/p/{project.id}"
    upload = {"file": ("items.jsonl", b'{"text": "new"}\n', "application/x-ndjson")}
    assert client.post(f"{base}/import", files=upload).status_code == 403
    r = client.post(f"{base}/import", files=upload, data={"csrf_token": "bad"})
    assert r.status_code == 403
    assert counts(factory, owner, project) == (1, 0, 0)
    assert client.post(f"{base}/annotate/next", headers=HTMX).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200  # still logged in
    # With the token the same requests work, so the 403s above were the CSRF check.
    _, aid = next_task(client, csrf, project)
    r = client.post(
        f"/w/{ws.id}/tasks/{aid}/submit",
        data={"project_id": str(project.id), "q.sentiment": "positive"},
        headers=HTMX,
    )
    assert r.status_code == 403
    assert 'id="flash"' not in r.text and "alert-error" in r.text
    assert counts(factory, owner, project) == (1, 0, 0)


def test_other_workspace_reads_like_a_missing_one(client: TestClient, factory: Factory) -> None:
    alice, bob = factory.person(label="alice"), factory.person(label="bob")
    ws_a, ws_b = factory.workspace(alice), factory.workspace(bob)
    make_project(factory, alice, ws_a.id, [])
    theirs = make_project(factory, bob, ws_b.id, ["secret text"])
    login(client, alice)
    pages = [
        f"/w/{ws_b.id}/p/{theirs.id}",
        f"/w/{ws_a.id}/p/{theirs.id}",
        f"/w/{ws_b.id}/p/{theirs.id}/annotate",
        f"/w/{ws_b.id}/p/{theirs.id}/export.jsonl",
        f"/w/{ws_b.id}",
    ]
    missing = client.get("/w/999999999/p/999999999")
    assert missing.status_code == 404
    for url in pages:
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.text == missing.text, url
        assert NOT_FOUND_MESSAGE in r.text


def test_item_text_is_escaped(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ['<script>alert("x")</script>\nsecond line'])
    csrf = login(client, owner)
    html, _ = next_task(client, csrf, project)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\nsecond line" in html


def test_annotating_moves_the_counters(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR)
    project = make_project(factory, owner, ws.id, ["first", "second", "third"])
    csrf = login(client, annotator)
    page = client.get(f"/w/{ws.id}/p/{project.id}/annotate")
    assert page.status_code == 200
    assert "annotate/next" in page.text and 'data-done="0"' in page.text
    assert '<strong class="done-count">0</strong> / 3 items done' in page.text
    headers = {**HTMX, "X-CSRF-Token": csrf}
    html, aid = next_task(client, csrf, project)
    assert 'data-hotkey="1"' in html and 'type="checkbox"' in html and "<textarea" in html

    # A required question left empty: the same task comes back with the message, 422.
    form = {"project_id": str(project.id), "q.note": "", "reason": ""}
    r = client.post(f"/w/{ws.id}/tasks/{aid}/submit", data=form, headers=headers)
    assert r.status_code == 422
    assert "an answer is required" in r.text and f"/tasks/{aid}/submit" in r.text

    form |= {"q.sentiment": "positive", "q.topics": ["price", "quality"]}
    r = client.post(f"/w/{ws.id}/tasks/{aid}/submit", data=form, headers=headers)
    assert r.status_code == 200, r.text
    assert 'hx-swap-oob="true"' in r.text and 'data-done="1"' in r.text
    assert "1</strong> / 3 items done" in r.text and "1 annotation<" in r.text
    found = _TASK_FORM.search(r.text)
    assert found is not None and int(found.group(2)) != aid
    assert counts(factory, owner, project) == (3, 1, 1)

    r = client.post(
        f"/w/{ws.id}/tasks/{found.group(2)}/skip",
        data={"project_id": str(project.id), "reason": "unclear"},
        headers=headers,
    )
    assert r.status_code == 200 and _TASK_FORM.search(r.text) is not None
    aid3 = int(_TASK_FORM.search(r.text).group(2))  # type: ignore[union-attr]
    r = client.post(
        f"/w/{ws.id}/tasks/{aid3}/submit",
        data={"project_id": str(project.id), "q.sentiment": "neutral"},
        headers=headers,
    )
    assert r.status_code == 200 and 'id="all-done"' in r.text and 'data-done="2"' in r.text
    assert counts(factory, owner, project) == (3, 2, 2)
    # Submitting the first task again with another answer is a conflict, shown as a notice.
    form["q.sentiment"] = "negative"
    r = client.post(f"/w/{ws.id}/tasks/{aid}/submit", data=form, headers=headers)
    assert r.status_code == 200 and "different answer" in r.text
    assert counts(factory, owner, project) == (3, 2, 2)


def test_roles_decide_what_the_project_page_offers(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    auditor = factory.add(ws, owner, Role.AUDITOR)
    project = make_project(factory, owner, ws.id, ["x"])
    url = f"/w/{ws.id}/p/{project.id}"
    login(client, auditor)
    r = client.get(url)
    assert r.status_code == 200
    assert "Annotate" not in r.text and 'id="import"' not in r.text and "export.csv" not in r.text
    assert client.get(url + "/annotate").status_code == 403
    assert client.get(url + "/export.csv").status_code == 403


def test_import_through_the_form(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, [])
    csrf = login(client, owner)
    url = f"/w/{ws.id}/p/{project.id}/import"
    bad = b"external_id,text\na,fine\nb,too,many\n"
    r = client.post(url, files={"file": ("items.csv", bad, "text/csv")}, data={"csrf_token": csrf})
    assert r.status_code == 422
    assert "line 3" in r.text and "Nothing was imported" in r.text
    assert counts(factory, owner, project) == (0, 0, 0)

    good = b"external_id,text\na,first\nb,second\n"
    r = client.post(url, files={"file": ("items.csv", good, "text/csv")}, data={"csrf_token": csrf})
    assert r.status_code == 200, r.text
    assert "2 new, 0 already present" in r.text
    assert counts(factory, owner, project) == (2, 0, 0)

    r = client.post(
        url, files={"file": ("items.txt", good, "text/plain")}, data={"csrf_token": csrf}
    )
    assert r.status_code == 422 and ".jsonl" in r.text


def test_export_download_contains_the_annotation(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["only item"])
    csrf = login(client, owner)
    _, aid = next_task(client, csrf, project)
    r = client.post(
        f"/w/{ws.id}/tasks/{aid}/submit",
        data={"project_id": str(project.id), "q.sentiment": "negative", "q.note": "a, b"},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    r = client.get(f"/w/{ws.id}/p/{project.id}/export.jsonl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    (line,) = [json.loads(x) for x in r.text.splitlines()]
    assert line["annotations"][0]["value"] == {"sentiment": "negative", "note": "a, b"}
    assert line["annotations"][0]["annotator"] == owner.email
    r = client.get(f"/w/{ws.id}/p/{project.id}/export.csv")
    assert r.status_code == 200 and "negative" in r.text and '"a, b"' in r.text
    assert client.get(f"/w/{ws.id}/p/{project.id}/export.xml").status_code == 422


@pytest.mark.parametrize("path", ["/static/app.css", "/static/annotate.js"])
def test_static_assets_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_pages_carry_no_inline_script_or_style(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["x"])
    csrf = login(client, owner)
    html, _ = next_task(client, csrf, project)
    for text in (
        client.get("/").text,
        client.get(f"/w/{ws.id}/p/{project.id}").text,
        client.get(f"/w/{ws.id}/p/{project.id}/annotate").text,
        html,
    ):
        assert " style=" not in text and "<style" not in text
        assert re.search(r"<script(?![^>]*\bsrc=)", text) is None


def test_answers_are_read_from_namespaced_inputs() -> None:
    schema = parse_label_schema(
        {
            "fields": [{"name": "text"}],
            "questions": [
                {"name": "reason", "type": "text", "required": False},
                {"name": "csrf_token", "type": "single_choice", "options": ["a", "b"]},
                {"name": "tags", "type": "multi_choice", "options": ["x", "y"], "required": False},
            ],
        }
    )
    form = FormData(
        [
            ("csrf_token", "secret"),
            ("reason", "skip reason"),
            ("q.reason", ""),
            ("q.csrf_token", "b"),
            ("q.tags", "x"),
            ("q.tags", "y"),
        ]
    )
    assert answer_from_form(schema, form) == {"csrf_token": "b", "tags": ["x", "y"]}


def test_guidelines_show_beside_the_task_escaped(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["a review"])
    with factory.database.session() as db:
        projects.update_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            guidelines="Be <b>strict</b>.\nNeutral when unsure.",
        )
    login(client, owner)
    page = client.get(f"/w/{ws.id}/p/{project.id}/annotate")
    assert page.status_code == 200
    assert "Be &lt;b&gt;strict&lt;/b&gt;.\nNeutral when unsure." in page.text


def test_a_plain_form_post_is_stored_and_redirected(client: TestClient, factory: Factory) -> None:
    """Without htmx (scripts off, or a key pressed before htmx wired the form) the browser
    posts the form itself: the answer is kept and the page is shown again, nothing in a URL."""
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["one", "two"])
    csrf = login(client, owner)
    html, aid = next_task(client, csrf, project)
    assert 'method="post"' in html
    r = client.post(
        f"/w/{ws.id}/tasks/{aid}/submit",
        data={"csrf_token": csrf, "project_id": str(project.id), "q.sentiment": "positive"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/w/{ws.id}/p/{project.id}/annotate"
    assert counts(factory, owner, project) == (2, 1, 1)


def test_managers_see_serving_stats_and_a_chart(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    project = make_project(factory, owner, ws.id, ["one", "two", "three"])
    csrf = login(client, owner)
    next_task(client, csrf, project)
    page = client.get(f"/w/{ws.id}/p/{project.id}")
    assert 'id="serving"' in page.text and 'id="stat-leased">1<' in page.text
    assert 'class="seg-leased"' in page.text and owner.email in page.text
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator")
    with TestClient(client.app, base_url="https://testserver") as other:  # type: ignore[arg-type]
        login(other, annotator)
        assert 'id="serving"' not in other.get(f"/w/{ws.id}/p/{project.id}").text
