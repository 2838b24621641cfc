"""API: streamed exports with every individual annotation."""

from __future__ import annotations

import csv
import io
import json

from conftest import Factory, World, make_world


def _label_everything(w: World) -> None:
    for who in w.annotators * 3:
        t = w.next_task(who)
        if t is None:
            continue
        value = {"sentiment": "positive", "topics": ["price", "quality"], "note": "=SUM(A1)"}
        assert w.submit(who, t["assignment_id"], value).status_code == 201


def test_jsonl_has_every_answer(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=3, overlap=2)
    _label_everything(w)
    r = w.client.get(f"{w.project_url}/export?format=jsonl", headers=w.manager.headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert [row["external_id"] for row in rows] == ["e0", "e1", "e2"]
    assert all(len(row["annotations"]) == 2 for row in rows)
    annotators = {a["annotator"] for row in rows for a in row["annotations"]}
    assert annotators == {p.email for p in w.annotators}


def test_csv_one_row_per_answer_and_formulas_neutralised(world: World, factory: Factory) -> None:
    w = make_world(world.client, factory, items=2, overlap=2)
    _label_everything(w)
    w.import_jsonl([{"external_id": "unlabelled", "text": "+danger"}])
    r = w.client.get(f"{w.project_url}/export?format=csv", headers=w.manager.headers)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    labelled = [x for x in rows if x["annotator"]]
    assert len(labelled) == 4
    assert labelled[0]["topics"] == "price|quality"
    assert labelled[0]["note"] == "'=SUM(A1)"
    unlabelled = [x for x in rows if x["external_id"] == "unlabelled"]
    assert unlabelled[0]["text"] == "'+danger" and unlabelled[0]["annotator"] == ""


def test_annotators_cannot_export(world: World) -> None:
    r = world.client.get(f"{world.project_url}/export", headers=world.annotators[0].headers)
    assert r.status_code == 403
