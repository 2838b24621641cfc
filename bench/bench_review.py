"""Review queue: next-review + decision latency as the queue grows (service calls, one client).

Seeds a project whose every item has one submitted answer, queues them all for review in one
statement, then times `next_review` followed by `decide_review` (accept, or reject to the pool
one time in five) for a number of cycles, on SQLite and, with --postgres-url, on PostgreSQL.

    python bench/bench_review.py --sizes 2000,20000 [--postgres-url postgresql://...]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from harness import scratch_database
from tessera.domain.entities import AssignmentState, Role, User
from tessera.domain.reviews import Decision, SendTo
from tessera.formats import ImportFormat
from tessera.services import accounts, imports, projects, review, workspaces
from tessera.services.clock import utcnow
from tessera.storage.cipher import Purpose, annotation_row, seal_json
from tessera.storage.engine import Database
from tessera.storage.tables import annotations, assignments, items

SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": ["a", "b"]}],
}


def _seed(database: Database, n: int) -> tuple[User, User, int, int]:
    """A workspace, an annotator, a reviewer and a project with n answered, queued items."""
    with database.session() as db:
        operator = accounts.create_user(
            db, email="op@x.org", name="op", password=None, is_operator=True
        )
        owner = accounts.create_user(db, email="owner@x.org", name="owner", password=None)
        annotator = accounts.create_user(db, email="a@x.org", name="a", password=None)
        reviewer = accounts.create_user(db, email="r@x.org", name="r", password=None)
        ws = workspaces.create_workspace(db, actor=operator, name="bench", owner_email=owner.email)
        for person, role in ((annotator, Role.ANNOTATOR), (reviewer, Role.REVIEWER)):
            workspaces.add_member(
                db, actor=owner, workspace_id=ws.id, email=person.email, name="", role=role
            )
        project = projects.create_project(
            db, actor=owner, workspace_id=ws.id, name="bench", label_schema=SCHEMA
        )
        body = "\n".join(json.dumps({"text": f"t{i}"}) for i in range(n)).encode()
        imports.import_items(
            db,
            actor=owner,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body),
            fmt=ImportFormat.JSONL,
        )
    now = utcnow()
    with database.session() as db, db.begin():
        ids = list(db.execute(select(items.c.id).where(items.c.project_id == project.id)).scalars())
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            made = db.execute(
                insert(assignments).returning(assignments.c.id, assignments.c.item_id),
                [
                    {
                        "workspace_id": ws.id,
                        "project_id": project.id,
                        "item_id": i,
                        "user_id": annotator.id,
                        "state": AssignmentState.SUBMITTED.value,
                        "leased_at": now,
                        "expires_at": now,
                    }
                    for i in chunk
                ],
            ).all()
            db.execute(
                insert(annotations),
                [
                    {
                        "workspace_id": ws.id,
                        "project_id": project.id,
                        "item_id": item_id,
                        "assignment_id": aid,
                        "user_id": annotator.id,
                        "value": seal_json(
                            db, ws.id, Purpose.ANNOTATION_VALUE, annotation_row(aid), {"label": "a"}
                        ),
                        "schema_version": 1,
                        "created_at": now,
                    }
                    for aid, item_id in made
                ],
            )
        db.execute(
            items.update()
            .where(items.c.project_id == project.id)
            .values(submitted_count=1, status="done")
        )
    with database.session() as db:
        queued = review.request_review(
            db, actor=owner, workspace_id=ws.id, project_id=project.id, annotator_id=annotator.id
        )
    assert queued == n
    return owner, reviewer, ws.id, project.id


def _measure(
    database: Database, reviewer: User, ws: int, project_id: int, cycles: int
) -> list[float]:
    out: list[float] = []
    with database.session() as db:
        for i in range(cycles):
            t0 = time.perf_counter()
            task = review.next_review(db, actor=reviewer, workspace_id=ws, project_id=project_id)
            assert task is not None
            to_pool = i % 5 == 0
            review.decide_review(
                db,
                actor=reviewer,
                workspace_id=ws,
                review_id=task.review.id,
                decision=Decision.REJECT if to_pool else Decision.ACCEPT,
                reason="bench" if to_pool else "",
                send_to=SendTo.POOL if to_pool else None,
            )
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000", help="queued reviews per project")
    parser.add_argument("--cycles", type=int, default=300, help="measured next+decide cycles")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    backends = [None] + ([args.postgres_url] if args.postgres_url else [])
    print("| backend | queued reviews | next+decide p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for url in backends:
        for n in (int(s) for s in args.sizes.split(",")):
            with (
                tempfile.TemporaryDirectory() as tmp,
                scratch_database(url, Path(tmp), "review") as database,
            ):
                _, reviewer, ws, project_id = _seed(database, n)
                _measure(database, reviewer, ws, project_id, 20)  # warm-up
                ms = sorted(_measure(database, reviewer, ws, project_id, args.cycles))
                p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
                name = "sqlite" if url is None else "postgres"
                print(f"| {name} | {n} | {statistics.median(ms):.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
