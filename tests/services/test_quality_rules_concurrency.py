"""Gold mixing and the confidence rule under concurrent annotators: overlaps stay exact."""

from __future__ import annotations

import functools
import io
import json
import random
from collections import Counter

from sqlalchemy import func, select

from conftest import Factory, Person, answer_all, run_together
from tessera.domain.entities import Role
from tessera.domain.quality_rules import QualitySettings
from tessera.formats import ImportFormat
from tessera.services import aggregation, imports, projects
from tessera.storage.tables import annotations, items

SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": ["a", "b", "c"]}],
}
CAP = 4


def test_gold_and_more_answers_stay_exact_under_concurrency(factory: Factory) -> None:
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    workers = [factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in range(6)]
    settings = QualitySettings(gold_rate=0.3, min_confidence=0.95, max_annotations_per_item=CAP)
    with factory.database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="race",
            label_schema=SCHEMA,
            annotations_per_item=2,
            quality=settings,
        )
        rows = [{"text": f"t{i}"} for i in range(20)]
        rows += [{"text": f"g{i}", "gold": {"label": "a"}} for i in range(3)]
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO("\n".join(json.dumps(r) for r in rows).encode()),
            fmt=ImportFormat.JSONL,
        )

    def annotate(person: Person, seed: int) -> None:
        rng = random.Random(seed)
        with factory.database.session() as db:
            answer_all(
                db,
                person.user,
                workspace_id=ws.id,
                project_id=project.id,
                value=lambda _: {"label": rng.choice("aabc")},
            )

    run_together([functools.partial(annotate, p, i) for i, p in enumerate(workers)])
    # A worker may have found nothing at the moment an item was full, before the rule reopened
    # it: annotators come back, so a last round serves what the rule asked for.
    for seed, person in enumerate(workers * CAP):
        annotate(person, 100 + seed)

    with factory.database.session() as db:
        state = {
            r[0]: (r[1], r[2], r[3])
            for r in db.execute(
                select(
                    items.c.id, items.c.status, items.c.submitted_count, items.c.overlap_override
                ).where(items.c.project_id == project.id)
            )
        }
        answers = Counter(
            r[0]
            for r in db.execute(
                select(annotations.c.item_id).where(annotations.c.project_id == project.id)
            )
        )
        twice = db.execute(
            select(annotations.c.item_id, annotations.c.user_id)
            .where(annotations.c.project_id == project.id)
            .group_by(annotations.c.item_id, annotations.c.user_id)
            .having(func.count() > 1)
        ).all()
    with factory.database.session() as db:
        final = projects.get_project(
            db, actor=owner.user, workspace_id=ws.id, project_id=project.id
        )
    assert twice == []
    gold = {i for i, (status, _, _) in state.items() if status == "gold"}
    assert len(gold) == 3
    for item_id, (status, submitted, override) in state.items():
        if item_id in gold:
            assert submitted == 0 and answers[item_id] <= len(workers)  # outside any overlap
            continue
        needed = override or 2
        assert 2 <= needed <= CAP
        assert status == "done" and submitted == needed == answers[item_id], (
            item_id,
            status,
            submitted,
            override,
        )
    assert final.counts.done == len(state) - len(gold)
    assert any(override for _, _, override in state.values())  # the rule did ask for more

    # a full aggregation afterwards stores a result per ordinary item, none for gold
    with factory.database.session() as db:
        report = aggregation.aggregate_project(
            db, actor=owner.user, workspace_id=ws.id, project_id=project.id
        )
    assert report.results == len(state) - len(gold)
