"""Field renderers and widget plumbing of the annotate page; re-opening one's own answer."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData
from test_pages import HTMX, login, make_project, next_task

from conftest import Factory
from tessera.domain.entities import Role
from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import parse_label_schema
from tessera.web import renderers
from tessera.web.widgets import answer_from_form, build_widgets, question_of_error

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_markdown_keeps_formatting_and_drops_everything_active() -> None:
    html = str(
        renderers.markdown_html(
            f"# Title\n\n**bold** {HOSTILE}\n\n[a](javascript:alert(1)) [b](https://e.org) "
            "![img](https://tracker.example/p.png)\n\n<div onclick=x>raw</div>"
        )
    )
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<img" not in html and "<script" not in html and "<div" not in html
    assert "&lt;img src=x" in html  # raw HTML is shown as text
    assert 'href="javascript' not in html  # markdown-it leaves such a link as text
    assert '<a href="https://e.org" rel="noopener nofollow noreferrer">b</a>' in html
    assert " src=" not in html.replace("&lt;img src=", "")  # an image is a plain link


def test_code_is_highlighted_and_escaped() -> None:
    html = str(renderers.code_html("x = '</script><b>'\n", "python"))
    assert "</script>" not in html and "<b>" not in html
    assert "&lt;/script&gt;" in html and 'class="' in html
    assert "&lt;b&gt;" in str(renderers.code_html("<b>", "no-such-language"))
    assert renderers.code_of({"code": "x", "language": "go"}) == ("x", "go")
    assert renderers.code_of("plain") == ("plain", None)


def test_json_tree_is_escaped_and_collapsible() -> None:
    html = str(renderers.json_html({"</script>": [HOSTILE, 1, None, True]}))
    assert "<script" not in html and "<img" not in html
    assert html.count("<details") == 2 and "1 keys" in html and "4 items" in html
    big = str(renderers.json_html(list(range(renderers.JSON_TREE_MAX_NODES + 5))))
    assert big.startswith('<pre class="json-block">') and "<details" not in big


def test_only_stored_media_becomes_an_image_url() -> None:
    assert renderers.media_src("media:42", 7) == "/w/7/media/42"
    assert renderers.media_src({"src": "media:42", "width": 1, "height": 1}, 7) == "/w/7/media/42"
    for outside in ("https://e.org/a.png", "media:../1", "s3://b/k", "javascript:alert(1)"):
        assert renderers.media_src(outside, 7) is None


SCHEMA = parse_label_schema(
    {
        "fields": [{"name": "text"}],
        "questions": [
            {"name": "kind", "type": "single_choice", "options": ["a", "b"]},
            {"name": "score", "type": "rating", "when": {"question": "kind", "equals": "b"}},
            {"name": "ents", "type": "spans", "field": "text", "labels": ["X"]},
        ],
    }
)


def test_structured_answers_arrive_as_json() -> None:
    form = FormData(
        [("q.kind", "b"), ("q.score", "4"), ("q.ents", '[{"start": 0, "end": 1, "label": "X"}]')]
    )
    assert answer_from_form(SCHEMA, form) == {
        "kind": "b",
        "score": 4,
        "ents": [{"start": 0, "end": 1, "label": "X"}],
    }
    for bad in ("{not json", "NaN"):
        with pytest.raises(InvalidInput) as caught:
            answer_from_form(SCHEMA, FormData([("q.ents", bad)]))
        assert caught.value.field == "ents"


def test_widgets_carry_previous_answers_conditions_and_errors() -> None:
    error = InvalidInput("end 9 is past the text", field="ents[0].end")
    assert question_of_error(error) == "ents"
    widgets = build_widgets(SCHEMA, {"text": "a😀\r\nb"}, {"kind": "a", "ents": []}, error)
    by_name = {w.question.name: w for w in widgets}
    assert by_name["kind"].previous == "a" and by_name["kind"].is_plain
    assert not by_name["score"].is_visible  # kind is not b
    assert by_name["ents"].error == "end 9 is past the text"
    assert by_name["ents"].value_json == "[]"
    config = json.loads(by_name["ents"].config_json)
    assert config["text"] == "a😀\r\nb"  # the exact text: the page must not normalise CRLF


def test_own_submission_reopens_and_is_private(client: TestClient, factory: Factory) -> None:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator")
    other = factory.add(ws, owner, Role.ANNOTATOR, label="other")
    project = make_project(factory, owner, ws.id, ["first <b>item</b>", "second"])
    csrf = login(client, annotator)
    _, aid = next_task(client, csrf, project)
    assert client.get(f"/w/{ws.id}/tasks/{aid}").status_code == 404  # not answered yet
    r = client.post(
        f"/w/{ws.id}/tasks/{aid}/submit",
        data={"csrf_token": csrf, "project_id": str(project.id), "q.sentiment": "positive"},
        headers=HTMX,
    )
    assert r.status_code == 200, r.text
    assert f'href="/w/{ws.id}/tasks/{aid}"' in r.text
    page = client.get(f"/w/{ws.id}/tasks/{aid}")
    assert page.status_code == 200
    assert 'data-readonly="true"' in page.text
    assert 'value="positive" data-hotkey="1" checked' in page.text
    assert "first &lt;b&gt;item&lt;/b&gt;" in page.text
    assert 'id="submit-button"' not in page.text

    client.post("/logout", data={"csrf_token": csrf})
    login(client, other)
    missing = client.get(f"/w/{ws.id}/tasks/999999")
    theirs = client.get(f"/w/{ws.id}/tasks/{aid}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text.replace("999999", str(aid))
