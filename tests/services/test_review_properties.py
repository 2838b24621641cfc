"""Rejected answers stop counting: serving invariants with reviews, on random schedules and
under concurrency (hypothesis, threads), on both databases."""

from __future__ import annotations

import random
import threading
from datetime import datetime

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from test_assignment_properties import (
    ANNOTATORS,
    PROPERTY_SETTINGS,
    Lab,
    Rows,
    ServingMachine,
    _check_rows,
    _lab,
    _new_project,
)

from conftest import Factory, Person
from tessera.domain.entities import Role
from tessera.domain.errors import Conflict
from tessera.domain.reviews import Decision, SendTo
from tessera.services import assignment, projects, review
from tessera.services.clock import utcnow
from tessera.storage.tables import annotations, reviews
from tessera.storage.tables import projects as project_rows


class ReviewedRows(Rows):
    """The project's rows, with `answers` holding only the answers that still count."""

    def __init__(self, db: Session, project_id: int) -> None:
        super().__init__(db, project_id)
        with db.begin():
            rows = db.execute(
                select(annotations.c.id, annotations.c.item_id, annotations.c.user_id).where(
                    annotations.c.project_id == project_id
                )
            ).all()
            rejected = set(
                db.execute(
                    select(reviews.c.annotation_id).where(
                        reviews.c.project_id == project_id, reviews.c.status == "rejected"
                    )
                ).scalars()
            )
            self.pending = sorted(
                db.execute(
                    select(reviews.c.id).where(
                        reviews.c.project_id == project_id, reviews.c.status == "pending"
                    )
                ).scalars()
            )
        self.all_answers = [(r.item_id, r.user_id) for r in rows]
        self.answers = [(r.item_id, r.user_id) for r in rows if r.id not in rejected]


def _check_reviewed(rows: ReviewedRows, now: datetime) -> None:
    _check_rows(rows, now)  # on the answers that count
    pairs = rows.all_answers
    assert len(pairs) == len(set(pairs)), f"an annotator answered an item twice: {pairs}"


def _review_everything(db: Session, project_id: int) -> None:
    with db.begin():
        db.execute(
            update(project_rows).where(project_rows.c.id == project_id).values(review_rate=1.0)
        )


class ReviewMachine(ServingMachine):
    """Serving with a reviewer who accepts, or rejects answers back to the pool."""

    def rows(self) -> ReviewedRows:
        return ReviewedRows(self.db, self.project_id)

    @initialize(
        overlap=st.integers(1, 3), n_items=st.integers(1, 4), n_people=st.integers(1, ANNOTATORS)
    )
    def new_project(self, overlap: int, n_items: int, n_people: int) -> None:
        super().new_project(overlap, n_items, n_people)
        _review_everything(self.db, self.project_id)

    @rule(pick=st.integers(0, 50), to_pool=st.booleans())
    def decide(self, pick: int, to_pool: bool) -> None:
        pending = self.rows().pending
        if not pending:
            return
        review.decide_review(
            self.db,
            actor=self.lab.owner.user,
            workspace_id=self.lab.workspace.id,
            review_id=pending[pick % len(pending)],
            decision=Decision.REJECT if to_pool else Decision.ACCEPT,
            reason="wrong" if to_pool else "",
            send_to=SendTo.POOL if to_pool else None,
            now=self.clock,
        )

    @invariant()
    def rows_agree(self) -> None:
        if not self.project_id:
            return
        _check_reviewed(self.rows(), self.clock)


def test_rejected_answers_stop_counting_on_random_schedules(factory: Factory) -> None:
    lab = _lab(factory)
    machine = type("Machine", (ReviewMachine,), {"lab": lab})
    run_state_machine_as_test(machine, settings=PROPERTY_SETTINGS)


def _annotate(lab: Lab, person: Person, project_id: int, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed)
    with lab.factory.database.session() as db:
        while not stop.is_set():
            task = assignment.next_task(
                db, actor=person.user, workspace_id=lab.workspace.id, project_id=project_id
            )
            if task is None:
                return
            try:
                assignment.submit_annotation(
                    db,
                    actor=person.user,
                    workspace_id=lab.workspace.id,
                    assignment_id=task.assignment.id,
                    value={"label": rng.choice("ab")},
                )
            except Conflict:
                continue


def _review(lab: Lab, reviewer: Person, project_id: int, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed)
    with lab.factory.database.session() as db:
        while not stop.is_set():
            task = review.next_review(
                db, actor=reviewer.user, workspace_id=lab.workspace.id, project_id=project_id
            )
            if task is None:
                stop.wait(0.01)
                continue
            to_pool = rng.random() < 0.4
            review.decide_review(
                db,
                actor=reviewer.user,
                workspace_id=lab.workspace.id,
                review_id=task.review.id,
                decision=Decision.REJECT if to_pool else Decision.ACCEPT,
                reason="wrong" if to_pool else "",
                send_to=SendTo.POOL if to_pool else None,
            )


def test_concurrent_rejections_keep_the_counts_exact(factory: Factory) -> None:
    """Annotators label while two reviewers reject to the pool: no answer is lost or counted
    twice, items reopen and close exactly. Had both reviewers been served the same review,
    the second decision would have raised Conflict in its thread and failed the test."""
    lab = _lab(factory)
    more = [factory.add(lab.workspace, lab.owner, Role.ANNOTATOR, with_password=False)]
    people = lab.people + more
    reviewers = [
        factory.add(lab.workspace, lab.owner, Role.REVIEWER, with_password=False) for _ in range(2)
    ]
    project_id = _new_project(lab, overlap=2, n_items=12)
    with factory.database.session() as db:
        _review_everything(db, project_id)
    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(target: object, *args: object) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)  # type: ignore[operator]
            except BaseException as exc:  # surfaced below, in the main thread
                errors.append(exc)
                stop.set()

        return threading.Thread(target=run)

    annotators = [guarded(_annotate, lab, p, project_id, i, stop) for i, p in enumerate(people)]
    checkers = [
        guarded(_review, lab, r, project_id, 100 + i, stop) for i, r in enumerate(reviewers)
    ]
    for t in annotators + checkers:
        t.start()
    for t in annotators:
        t.join(timeout=120)
    stop.set()
    for t in checkers:
        t.join(timeout=60)
    assert not errors, errors[:3]
    with factory.database.session() as db:
        rows = ReviewedRows(db, project_id)
        _check_reviewed(rows, utcnow())
        with db.begin():
            decided = db.execute(
                select(reviews.c.reviewer_id, reviews.c.status).where(
                    reviews.c.project_id == project_id
                )
            ).all()
        final = projects.get_project(
            db, actor=lab.owner.user, workspace_id=lab.workspace.id, project_id=project_id
        )
    rejected = sum(1 for _, s in decided if s == "rejected")
    assert rejected > 0, "the schedule rejected nothing: the test would prove nothing"
    assert len(rows.all_answers) == len(rows.answers) + rejected
    assert final.counts.annotations == len(rows.answers)
    assert all(r in {p.user.id for p in reviewers} for r, s in decided if s != "pending")
