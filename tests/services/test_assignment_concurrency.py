"""Concurrent annotators on one project: exactly the overlap, no duplicates, nothing lost."""

from __future__ import annotations

import functools
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import Factory, Person, run_together
from tessera.domain.entities import AssignmentState, Project, Role
from tessera.domain.errors import Conflict
from tessera.services import assignment, projects
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import assignments as assignment_repo
from tessera.storage.tables import annotations, assignments, items

TEXT_SCHEMA = {
    "fields": [{"name": "text"}],
    "questions": [{"name": "label", "type": "single_choice", "options": ["a", "b"]}],
}


def test_concurrent_next_submit_skip(factory: Factory) -> None:
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    workers = [factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in range(8)]
    project = _project(factory, owner, ws.id, n_items=40)
    skipped: Counter[int] = Counter()
    lock = threading.Lock()

    def annotate(person: Person, seed: int, skip_rate: float = 0.15) -> None:
        rng = random.Random(seed)
        with factory.database.session() as db:
            while True:
                task = assignment.next_task(
                    db, actor=person.user, workspace_id=ws.id, project_id=project.id
                )
                if task is None:
                    return
                if rng.random() < skip_rate:
                    assignment.skip_task(
                        db,
                        actor=person.user,
                        workspace_id=ws.id,
                        assignment_id=task.assignment.id,
                    )
                    with lock:
                        skipped[task.item.id] += 1
                    continue
                assignment.submit_annotation(
                    db,
                    actor=person.user,
                    workspace_id=ws.id,
                    assignment_id=task.assignment.id,
                    value={"label": rng.choice("ab")},
                )

    run_together([functools.partial(annotate, p, i) for i, p in enumerate(workers)])
    # A skip can hand an item back after the others stopped asking: each asks once more, in
    # turn, and answers everything (people come back; the stress test's drain does the same).
    for i, person in enumerate(workers):
        annotate(person, 100 + i, skip_rate=0)

    with factory.database.session() as db:
        final = projects.get_project(
            db, actor=owner.user, workspace_id=ws.id, project_id=project.id
        )
        per_item = dict(
            db.execute(
                select(items.c.id, items.c.submitted_count).where(items.c.project_id == project.id)
            ).all()
        )
        answers = Counter(
            r[0]
            for r in db.execute(
                select(annotations.c.item_id).where(annotations.c.project_id == project.id)
            )
        )
        pairs = db.execute(
            select(annotations.c.item_id, annotations.c.user_id, func.count())
            .where(annotations.c.project_id == project.id)
            .group_by(annotations.c.item_id, annotations.c.user_id)
            .having(func.count() > 1)
        ).all()
        leased = db.execute(
            select(func.count())
            .select_from(assignments)
            .where(assignments.c.project_id == project.id, assignments.c.state == "leased")
        ).scalar_one()
    assert pairs == []  # nobody answered an item twice
    assert leased == 0  # every lease was closed by a submit or a skip
    for item_id, submitted in per_item.items():
        assert answers[item_id] == submitted  # counters agree with the stored answers
        can_answer = len(workers) - skipped[item_id]
        assert submitted == min(2, can_answer), (item_id, submitted, skipped[item_id])
    assert final.counts.annotations == sum(answers.values())
    assert final.counts.done == sum(1 for s in per_item.values() if s == 2)


def _project(factory: Factory, owner: Person, ws_id: int, *, n_items: int) -> Project:
    """A project with an overlap of 2 and n short text items."""
    with factory.database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws_id,
            name="serving",
            label_schema=TEXT_SCHEMA,
            annotations_per_item=2,
        )
    _import(factory, owner, ws_id, project.id, n=n_items)
    return project


def _import(factory: Factory, owner: Person, ws_id: int, project_id: int, n: int) -> None:
    import io
    import json

    from tessera.formats import ImportFormat
    from tessera.services import imports

    body = "\n".join(json.dumps({"text": f"t{i}"}) for i in range(n)).encode()
    with factory.database.session() as db:
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws_id,
            project_id=project_id,
            stream=io.BytesIO(body),
            fmt=ImportFormat.JSONL,
        )


def test_a_lapsed_lease_answered_meanwhile_is_not_renewed(factory: Factory) -> None:
    """Next-task reads the caller's lapsed lease with its candidates and renews it later; a
    late submit of that lease committing in between must win, not be turned back into a lease."""
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    project = _project(factory, owner, ws.id, n_items=1)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with factory.database.session() as db:
        task = assignment.next_task(
            db, actor=annotator.user, workspace_id=ws.id, project_id=project.id, now=t0
        )
        assert task is not None
        later = t0 + timedelta(hours=2)  # past the lease
        assignment.submit_annotation(
            db,
            actor=annotator.user,
            workspace_id=ws.id,
            assignment_id=task.assignment.id,
            value={"label": "a"},
            now=later,
        )
        with write_transaction(db):
            renewed = assignment_repo.renew_assignment(
                db,
                workspace_id=ws.id,
                assignment_id=task.assignment.id,
                now=later,
                expires_at=later + timedelta(hours=1),
            )
        assert not renewed
        state = db.execute(
            select(assignments.c.state).where(assignments.c.id == task.assignment.id)
        ).scalar_one()
        db.rollback()
    assert state == AssignmentState.SUBMITTED.value


def test_a_bounded_lease_is_written_only_while_the_item_has_room(factory: Factory) -> None:
    # PostgreSQL's next task locks the item, then writes the lease with its room under the
    # overlap as a bound that the INSERT (or the renewal's UPDATE) checks against the live leases.
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    first, second = (factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in "ab")
    project = _project(factory, owner, ws.id, n_items=1)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with factory.database.session() as db:
        task = assignment.next_task(
            db, actor=first.user, workspace_id=ws.id, project_id=project.id, now=t0
        )
        assert task is not None
        item_id, later = task.item.id, t0 + timedelta(hours=2)  # past the first lease

        # Each check runs in a transaction of its own that is rolled back: the item stays as it was.
        def lease(user_id: int, now: datetime, live_below: int) -> bool:
            try:
                added = assignment_repo.add_assignment_if_room(
                    db,
                    workspace_id=ws.id,
                    project_id=project.id,
                    item_id=item_id,
                    user_id=user_id,
                    now=now,
                    expires_at=now + timedelta(minutes=5),
                    live_below=live_below,
                )
                return added is not None
            finally:
                db.rollback()

        def renew(now: datetime, live_below: int) -> bool:
            try:
                return assignment_repo.renew_assignment(
                    db,
                    workspace_id=ws.id,
                    assignment_id=task.assignment.id,
                    now=now,
                    expires_at=now + timedelta(minutes=5),
                    live_below=live_below,
                )
            finally:
                db.rollback()

        assert not lease(second.user.id, t0, live_below=1)  # the first lease fills it
        assert lease(second.user.id, t0, live_below=2)
        assert lease(second.user.id, later, live_below=1)  # the first lease has lapsed
        assert renew(later, live_below=1)
        with write_transaction(db):  # a live lease of someone else's on the item
            assignment_repo.add_assignment_if_room(
                db,
                workspace_id=ws.id,
                project_id=project.id,
                item_id=item_id,
                user_id=second.user.id,
                now=later,
                expires_at=later + timedelta(minutes=5),
                live_below=None,
            )
        assert not renew(later, live_below=1)
        assert renew(later, live_below=2)
        leases = db.execute(
            select(func.count()).select_from(assignments).where(assignments.c.item_id == item_id)
        ).scalar_one()
        db.rollback()
    assert leases == 2  # the first annotator's and the one committed above


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_next_task_passes_over_an_item_another_transaction_holds(factory: Factory) -> None:
    # PostgreSQL finds the first free candidate and locks it in one statement, passing over
    # rows other transactions hold. (SQLite runs one writer at a time: nothing to pass over.)
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    project = _project(factory, owner, ws.id, n_items=2)
    served: list[int] = []
    with factory.database.session() as holder:
        first, second = holder.scalars(
            select(items.c.id).where(items.c.project_id == project.id).order_by(items.c.id)
        ).all()
        holder.execute(select(items.c.id).where(items.c.id == first).with_for_update())

        def ask() -> None:
            with factory.database.session() as db:
                task = assignment.next_task(
                    db, actor=annotator.user, workspace_id=ws.id, project_id=project.id
                )
                served.append(task.item.id if task else 0)

        asking = threading.Thread(target=ask)
        asking.start()
        asking.join(timeout=10)  # waiting on the held row instead would run into the timeout
        holder.rollback()
    asking.join()
    assert served == [second]


def test_one_task_submitted_many_times_at_once_is_stored_once(factory: Factory) -> None:
    # Submit locks the item through the task before reading the task: the first submission
    # closes the lease, and the others, waiting on the lock, then see it submitted.
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    project = _project(factory, owner, ws.id, n_items=1)
    with factory.database.session() as db:
        task = assignment.next_task(
            db, actor=annotator.user, workspace_id=ws.id, project_id=project.id
        )
    assert task is not None
    stored: list[int] = []
    refused: list[str] = []

    def submit(label: str) -> None:
        with factory.database.session() as db:
            try:
                answer = assignment.submit_annotation(
                    db,
                    actor=annotator.user,
                    workspace_id=ws.id,
                    assignment_id=task.assignment.id,
                    value={"label": label},
                )
                stored.append(answer.id)
            except Conflict as exc:
                refused.append(str(exc))

    labels = ["a"] * 4 + ["b"] * 4  # a retry of the same answer returns it; another is refused
    run_together([functools.partial(submit, label) for label in labels])
    with factory.database.session() as db:
        answers = db.execute(
            select(func.count())
            .select_from(annotations)
            .where(annotations.c.assignment_id == task.assignment.id)
        ).scalar_one()
        submitted = db.execute(
            select(items.c.submitted_count).where(items.c.id == task.item.id)
        ).scalar_one()
        db.rollback()
    assert answers == 1 and submitted == 1
    assert len(set(stored)) == 1 and len(stored) + len(refused) == len(labels)
    assert len(stored) == 4  # the label that won, four times: a retry returns the stored answer
