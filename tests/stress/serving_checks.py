"""What the stress run records as it goes, and the invariants checked on the rows at the end."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.storage.engine import Database
from tessera.storage.tables import access_events, annotations, assignments, items, projects

# Each operation's possible statuses, and for a 409 the documented reasons it may give.
STATUSES = {
    "next": {200, 204},
    "submit": {201, 409},
    "drain": {201, 409},
    "late": {201, 409},
    "retry": {201, 409},
    "skip": {204, 409},
}
CONFLICT_REASONS = {
    "submit": re.compile(r"expired"),  # the lease ran out and the item has its answers
    "drain": re.compile(r"expired"),
    "late": re.compile(r"expired"),
    "retry": re.compile(r"already submitted"),  # a retry may be refused, never stored twice
    "skip": re.compile(r"expired"),
}


@dataclass(frozen=True)
class Call:
    op: str
    status: int
    message: str


@dataclass(frozen=True)
class Answer:
    annotation_id: int
    item_id: int
    assignment_id: int
    user_id: int


@dataclass
class Outcome:
    """Every response the clients saw, the answers and skips they were told were stored."""

    calls: list[Call] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    skips: set[tuple[int, int]] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, a: Answer, *, expected_item: int) -> None:
        with self._lock:
            self.answers.append(a)
            if a.item_id != expected_item:
                self.violations.append(f"answer {a} is not for the item served ({expected_item})")

    def skip(self, item_id: int, user_id: int) -> None:
        with self._lock:
            self.skips.add((item_id, user_id))

    def violation(self, message: str) -> None:
        with self._lock:
            if len(self.violations) < 1000:
                self.violations.append(message)


def check_invariants(
    database: Database, outcome: Outcome, *, project_ids: list[int], annotators: int
) -> tuple[list[str], list[str]]:
    """The names of the checks that passed, and a line for each violation found."""
    passed: list[str] = []
    failed: list[str] = list(outcome.violations)
    if not failed:
        passed.append("during the run: live leases handed back, no 409 on a live lease")

    def check(name: str, problems: list[str]) -> None:
        if problems:
            failed.extend(f"{name}: {p}" for p in problems[:20])
        else:
            passed.append(name)

    check("no 5xx", [f"{c.op} {c.status} {c.message}" for c in outcome.calls if c.status >= 500])
    check("only documented statuses and 409 reasons", _undocumented(outcome.calls))
    with database.session() as db, db.begin():
        stored = {
            r.id: r
            for r in db.execute(
                select(
                    annotations.c.id,
                    annotations.c.item_id,
                    annotations.c.assignment_id,
                    annotations.c.user_id,
                ).where(annotations.c.project_id.in_(project_ids))
            )
        }
        per_item = db.execute(
            select(
                items.c.id,
                items.c.status,
                items.c.submitted_count,
                func.coalesce(items.c.overlap_override, projects.c.annotations_per_item),
            )
            .join(projects, projects.c.id == items.c.project_id)
            .where(items.c.project_id.in_(project_ids))
        ).all()
        skipped = {
            (r[0], r[1])
            for r in db.execute(
                select(assignments.c.item_id, assignments.c.user_id).where(
                    assignments.c.project_id.in_(project_ids), assignments.c.state == "skipped"
                )
            )
        }
        live = db.execute(
            select(func.count())
            .select_from(assignments)
            .where(
                assignments.c.project_id.in_(project_ids),
                assignments.c.state == "leased",
                assignments.c.expires_at > utcnow(),
            )
        ).scalar_one()
        counters = db.execute(
            select(
                projects.c.id,
                projects.c.item_count,
                projects.c.done_count,
                projects.c.annotation_count,
            ).where(projects.c.id.in_(project_ids))
        ).all()
        item_project = {
            r[0]: r[1]
            for r in db.execute(
                select(items.c.id, items.c.project_id).where(items.c.project_id.in_(project_ids))
            )
        }
    check("no answer lost", _lost(outcome.answers, stored))
    pairs = Counter((r.item_id, r.user_id) for r in stored.values())
    check("no annotator answered an item twice", [f"{p}: {n}" for p, n in pairs.items() if n > 1])
    check(
        "every skip the clients saw is stored, and only those",
        [f"{s} seen {s in outcome.skips}, stored {s in skipped}" for s in outcome.skips ^ skipped],
    )
    check("no live lease left after the drain", [f"{live} live leases"] if live else [])
    answers = Counter(r.item_id for r in stored.values())
    skippers = Counter(item for item, _ in skipped)
    check(
        "every item has min(overlap, annotators who did not skip it) answers",
        [
            f"item {i}: {answers[i]} answers, overlap {overlap}, {skippers[i]} skips"
            for i, _, _, overlap in per_item
            if answers[i] != min(overlap, annotators - skippers[i])
        ],
    )
    check("item counters agree with the answers", _item_counters(per_item, answers))
    check(
        "project counters agree with the rows",
        _project_counters(counters, per_item, answers, item_project),
    )
    check(
        "the access ledger verifies, an event for every answer and skip",
        _ledger(database, project_ids, answers=len(stored), skips=len(skipped)),
    )
    return passed, failed


def _ledger(database: Database, project_ids: list[int], *, answers: int, skips: int) -> list[str]:
    """The workspace's chain is whole, and holds one event per stored answer and skip (every
    process appended to it at once)."""
    with database.session() as db, db.begin():
        (workspace_id,) = {
            r[0]
            for r in db.execute(
                select(projects.c.workspace_id).where(projects.c.id.in_(project_ids))
            )
        }
        events = dict(
            db.execute(
                select(access_events.c.action, func.count())
                .where(access_events.c.workspace_id == workspace_id)
                .group_by(access_events.c.action)
            ).all()
        )
    with database.session() as db:
        report = ledger.verify_chain(db, workspace_id)
    problems = (
        [] if report.ok else [f"chain broken at event {report.first_bad_seq}: {report.reason}"]
    )
    if events.get("annotation.submitted", 0) != answers:
        problems.append(f"{events.get('annotation.submitted', 0)} answer events, {answers} answers")
    if events.get("task.skipped", 0) != skips:
        problems.append(f"{events.get('task.skipped', 0)} skip events, {skips} skips")
    return problems


def _undocumented(calls: list[Call]) -> list[str]:
    bad = Counter(
        f"{c.op} {c.status} {c.message}"
        for c in calls
        if (c.status and c.status not in STATUSES[c.op])
        or (c.status == 409 and not CONFLICT_REASONS[c.op].search(c.message))
    )
    return [f"{n} x {what}" for what, n in bad.items()]


def _lost(seen: list[Answer], stored: dict[int, object]) -> list[str]:
    problems = []
    for a in seen:
        row = stored.get(a.annotation_id)
        if row is None:
            problems.append(f"{a} is not in the database")
        elif (row.item_id, row.assignment_id, row.user_id) != (  # type: ignore[attr-defined]
            a.item_id,
            a.assignment_id,
            a.user_id,
        ):
            problems.append(f"{a} is stored as {row}")
    return problems


def _item_counters(per_item: list, answers: Counter[int]) -> list[str]:  # type: ignore[type-arg]
    problems = []
    for item_id, status, submitted, overlap in per_item:
        if submitted != answers[item_id]:
            problems.append(f"item {item_id}: submitted_count {submitted}, {answers[item_id]} rows")
        if (status == "done") != (answers[item_id] >= overlap):
            problems.append(f"item {item_id}: {status} with {answers[item_id]}/{overlap} answers")
    return problems


def _project_counters(
    counters: list, per_item: list, answers: Counter[int], item_project: dict[int, int]
) -> list[str]:  # type: ignore[type-arg]
    problems = []
    for project_id, n_items, done, n_answers in counters:
        mine = [row for row in per_item if item_project[row[0]] == project_id]
        want = (
            len(mine),
            sum(1 for row in mine if answers[row[0]] >= row[3]),
            sum(answers[row[0]] for row in mine),
        )
        if (n_items, done, n_answers) != want:
            problems.append(
                f"project {project_id}: (items, done, answers) "
                f"{(n_items, done, n_answers)}, rows say {want}"
            )
    return problems
