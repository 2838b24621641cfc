"""Stored aggregation end to end: read and open every answer, aggregate, store, report, export.

Seeds a project of N items answered by 5 of 50 simulated annotators of mixed skill (a few
spammers), 1% gold, on SQLite and, with --postgres-url, on PostgreSQL; then times
`aggregate_project` (read + decrypt + Dawid-Skene + agreement with 200 bootstrap resamples +
store), one quality report page, and a JSONL export with the results.

    python bench/bench_quality_service.py --sizes 2000,20000 [--postgres-url postgresql://...]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from harness import scratch_database
from tessera.domain.entities import AssignmentState, Role, User
from tessera.formats import ImportFormat
from tessera.services import accounts, aggregation, exports, imports, projects, quality, workspaces
from tessera.services.clock import utcnow
from tessera.services.exports import ExportFormat
from tessera.storage.cipher import Purpose, annotation_row, seal_json
from tessera.storage.engine import Database
from tessera.storage.tables import annotations, assignments, items

LABELS = ["a", "b", "c", "d", "e"]
SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": LABELS}],
}
ANNOTATORS, PER_ITEM = 50, 5


def _seed(database: Database, n: int, rng: random.Random) -> tuple[User, int, int, int]:
    with database.session() as db:
        operator = accounts.create_user(
            db, email="op@x.org", name="op", password=None, is_operator=True
        )
        owner = accounts.create_user(db, email="owner@x.org", name="owner", password=None)
        ws = workspaces.create_workspace(db, actor=operator, name="bench", owner_email=owner.email)
        people = []
        for k in range(ANNOTATORS):
            person = accounts.create_user(db, email=f"a{k}@x.org", name="a", password=None)
            workspaces.add_member(
                db,
                actor=owner,
                workspace_id=ws.id,
                email=person.email,
                name="",
                role=Role.ANNOTATOR,
            )
            people.append(person.id)
        project = projects.create_project(
            db,
            actor=owner,
            workspace_id=ws.id,
            name="bench",
            label_schema=SCHEMA,
            annotations_per_item=PER_ITEM,
        )
        truth = [rng.randrange(len(LABELS)) for _ in range(n)]
        rows = [
            {"external_id": f"e{i}", "text": f"t{i}"}
            | ({"gold": {"label": LABELS[truth[i]]}} if i % 100 == 0 else {})
            for i in range(n)
        ]
        imports.import_items(
            db,
            actor=owner,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO("\n".join(json.dumps(r) for r in rows).encode()),
            fmt=ImportFormat.JSONL,
        )
    # skill: most annotators 0.6-0.95 accurate, one in ten answers at random
    skill = [0.2 if k % 10 == 0 else rng.uniform(0.6, 0.95) for k in range(ANNOTATORS)]
    now = utcnow()
    answers = 0
    with database.session() as db, db.begin():
        ids = list(
            db.execute(
                select(items.c.id).where(items.c.project_id == project.id).order_by(items.c.id)
            ).scalars()
        )
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            pairs = [
                (item_id, who, start + j)
                for j, item_id in enumerate(chunk)
                for who in rng.sample(range(ANNOTATORS), PER_ITEM)
            ]
            made = db.execute(
                insert(assignments).returning(assignments.c.id),
                [
                    {
                        "workspace_id": ws.id,
                        "project_id": project.id,
                        "item_id": item_id,
                        "user_id": people[who],
                        "state": AssignmentState.SUBMITTED.value,
                        "leased_at": now,
                        "expires_at": now,
                    }
                    for item_id, who, _ in pairs
                ],
            ).scalars()
            rows = []
            for aid, (item_id, who, index) in zip(made, pairs, strict=True):
                right = rng.random() < skill[who]
                label = truth[index] if right else rng.randrange(len(LABELS))
                rows.append(
                    {
                        "workspace_id": ws.id,
                        "project_id": project.id,
                        "item_id": item_id,
                        "assignment_id": aid,
                        "user_id": people[who],
                        "value": seal_json(
                            db,
                            ws.id,
                            Purpose.ANNOTATION_VALUE,
                            annotation_row(aid),
                            {"label": LABELS[label]},
                        ),
                        "schema_version": 1,
                        "created_at": now,
                    }
                )
            db.execute(insert(annotations), rows)
            answers += len(rows)
    return owner, ws.id, project.id, answers


def run(url: str | None, n: int) -> dict[str, object]:
    with (
        tempfile.TemporaryDirectory() as root,
        scratch_database(url, Path(root), "quality") as database,
    ):
        owner, ws, pid, answers = _seed(database, n, random.Random(7))
        with database.session() as db:
            t0 = time.perf_counter()
            report = aggregation.aggregate_project(db, actor=owner, workspace_id=ws, project_id=pid)
            aggregate_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            quality.quality_report(db, actor=owner, workspace_id=ws, project_id=pid)
            page_s = time.perf_counter() - t0
        with database.session() as db:
            t0 = time.perf_counter()
            _, chunks = exports.export_project(
                db, actor=owner, workspace_id=ws, project_id=pid, fmt=ExportFormat.JSONL
            )
            size = sum(len(c) for c in chunks)
            export_s = time.perf_counter() - t0
        return {
            "backend": "sqlite" if url is None else "postgresql",
            "items": n,
            "answers": answers,
            "results": report.results,
            "aggregate_s": round(aggregate_s, 2),
            "report_page_s": round(page_s, 3),
            "export_jsonl_s": round(export_s, 2),
            "export_mb": round(size / 1e6, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        for url in [None, args.postgres_url] if args.postgres_url else [None]:
            print(json.dumps(run(url, n)), flush=True)


if __name__ == "__main__":
    main()
