"""Web: the quality page (managers only), its SVG plots, escaping, aggregate and lift forms."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from test_pages import login

from conftest import Factory, World, make_world
from tessera.domain.entities import Role

HOSTILE = '<script>alert("x")</script>'


def _world(client: TestClient, factory: Factory) -> World:
    w = make_world(client, factory, items=4, overlap=2)
    w.import_jsonl([{"external_id": HOSTILE, "text": "gold", "gold": {"sentiment": "positive"}}])
    settings = {"gold_rate": 1.0}
    r = client.patch(w.project_url, json=settings, headers=w.manager.headers)
    assert r.status_code == 200, r.text
    for who, label in zip(w.annotators, ["positive", "negative"], strict=True):
        while (t := w.next_task(who)) is not None:
            assert w.submit(who, t["assignment_id"], {"sentiment": label}).status_code == 201
    # now the rule: the second annotator's next gold answer (wrong again) pauses them
    settings = {"gold_min_accuracy": 0.9, "gold_min_answers": 1}
    assert client.patch(w.project_url, json=settings, headers=w.manager.headers).is_success
    w.import_jsonl([{"external_id": "g2", "text": "gold 2", "gold": {"sentiment": "positive"}}])
    t = w.next_task(w.annotators[1])
    assert w.submit(w.annotators[1], t["assignment_id"], {"sentiment": "negative"}).is_success
    return w


def test_quality_page_draws_plots_and_runs_aggregation(
    client: TestClient, factory: Factory
) -> None:
    w = _world(client, factory)
    manager = factory.add(w.workspace, w.owner, Role.MANAGER)
    csrf = login(client, manager)
    project_page = client.get(f"/w/{w.workspace.id}/p/{w.project_id}")
    assert 'id="quality-link"' in project_page.text
    url = f"/w/{w.workspace.id}/p/{w.project_id}/quality"
    assert client.post(url + "/aggregate", data={"csrf_token": "bad"}).status_code == 403
    r = client.post(url + "/aggregate", data={"csrf_token": csrf}, follow_redirects=True)
    assert r.status_code == 200, r.text
    page = r.text
    assert 'id="notice"' in page
    for plot in ("agreement-plot", "gold-plot", "plot-histogram", "plot-heatmap"):
        assert plot in page
    assert "<script>alert" not in page  # labels are escaped
    assert "paused" in page  # the annotator who failed gold is listed with a lift button
    paused = w.annotators[1]
    r = client.post(
        url + f"/pauses/{paused.user.id}/lift", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert r.status_code == 200 and "The pause was lifted." in r.text
    ledger = client.get(f"/api/workspaces/{w.workspace.id}/ledger", headers=w.owner.headers)
    actions = [json.loads(line)["action"] for line in ledger.text.splitlines()]
    assert "quality.viewed" in actions and "quality.aggregated" in actions


def test_quality_page_is_for_managers(client: TestClient, factory: Factory) -> None:
    w = make_world(client, factory, items=1)
    annotator = factory.add(w.workspace, w.owner, Role.ANNOTATOR)
    login(client, annotator)
    assert client.get(f"/w/{w.workspace.id}/p/{w.project_id}/quality").status_code == 403
    assert 'id="quality-link"' not in client.get(f"/w/{w.workspace.id}/p/{w.project_id}").text


def test_a_paused_annotator_is_told_so_on_the_annotate_page(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=2)
    w.import_jsonl([{"external_id": "g", "text": "gold", "gold": {"sentiment": "positive"}}])
    settings = {"gold_rate": 1.0, "gold_min_accuracy": 1.0, "gold_min_answers": 1}
    assert client.patch(w.project_url, json=settings, headers=w.manager.headers).is_success
    annotator = factory.add(w.workspace, w.owner, Role.ANNOTATOR)
    t = w.next_task(annotator)
    assert w.submit(annotator, t["assignment_id"], {"sentiment": "negative"}).is_success
    csrf = login(client, annotator)
    r = client.post(
        f"/w/{w.workspace.id}/p/{w.project_id}/annotate/next",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 403
    assert "you are paused in this project" in r.text
    assert "A manager can lift the pause." in r.text


def test_a_gold_task_looks_like_any_other_on_the_annotate_page(
    client: TestClient, factory: Factory
) -> None:
    w = make_world(client, factory, items=1)
    w.import_jsonl([{"external_id": "GOLD-17", "text": "t", "gold": {"sentiment": "positive"}}])
    assert client.patch(w.project_url, json={"gold_rate": 1.0}, headers=w.manager.headers)
    annotator = factory.add(w.workspace, w.owner, Role.ANNOTATOR)
    csrf = login(client, annotator)
    r = client.post(
        f"/w/{w.workspace.id}/p/{w.project_id}/annotate/next",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    assert "GOLD-17" not in r.text and "gold" not in r.text.lower()


def test_results_read_as_short_text() -> None:
    from tessera.web.quality import result_text

    assert result_text("positive") == "positive"
    assert result_text(["price", "quality"]) == "price; quality"
    assert result_text([]) == "(nothing)"
    assert result_text(3.14159) == "3.14"
    assert result_text([{"start": 0, "end": 3, "label": "PER"}]) == "PER 0-3"
    box = {"label": "cat", "x": 0.1, "y": 0.2, "width": 0.3, "height": 0.4}
    assert result_text([box]) == "cat at (0.1, 0.2) 0.3x0.4"
