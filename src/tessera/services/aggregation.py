"""Aggregating a project's answers with tessera.quality, storing results, skills and agreement;
and the confidence rule that asks for one more answer on items still unsure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import ItemStatus, Project, User
from tessera.domain.quality_rules import aggregation_keys, live_results
from tessera.services import ledger
from tessera.services.aggregation_methods import aggregate_key
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import item_serving as item_serving_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import quality as quality_repo
from tessera.storage.repositories.quality import StoredResult

LIVE_METHOD = "live_vote"


@dataclass(frozen=True)
class AggregationReport:
    answers: int
    items: int
    results: int
    reopened: int
    summary: dict[str, object]


def aggregate_project(
    db: Session, *, actor: User, workspace_id: int, project_id: int
) -> AggregationReport:
    """Aggregate every answer of the project per question and store the results.

    Single choice: Dawid-Skene with gold clamped; multiple choice: Dawid-Skene per option
    (binary relevance); ratings: mean with per-annotator bias. Stores each item's result,
    confidence and method (values sealed), each annotator's skill and confusion matrix, and
    the run's agreement figures; then applies the confidence rule to done items.
    """
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        answers = list(
            quality_repo.iter_project_answers(db, workspace_id=workspace_id, project_id=project_id)
        )
        gold = item_repo.gold_of_project(db, workspace_id=workspace_id, project_id=project_id)
        emails = quality_repo.user_emails(db, user_ids=sorted({a.user_id for a in answers}))
    keys = [
        aggregate_key(project, answers, gold, emails, k)
        for k in aggregation_keys(project.label_schema)
    ]
    results = [r for k in keys for r in k.results]
    summary: dict[str, object] = {
        "answers": len(answers),
        "items": len({a.item_id for a in answers if a.item_id not in gold}),
        "questions": [k.summary for k in keys],
    }
    now = utcnow()
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        quality_repo.replace_results(
            db, workspace_id=workspace_id, project_id=project_id, results=results, now=now
        )
        quality_repo.replace_skills(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            skills=[s for k in keys for s in k.skills],
            now=now,
        )
        reopened = _reopen_unsure(db, project, results)
        summary["reopened"] = reopened
        quality_repo.add_run(
            db, workspace_id=workspace_id, project_id=project_id, summary=summary, now=now
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="quality.aggregated",
            object_type="project",
            object_id=project_id,
            detail={"answers": len(answers), "results": len(results), "reopened": reopened},
        )
    return AggregationReport(
        answers=len(answers),
        items=int(summary["items"]),  # type: ignore[call-overload]
        results=len(results),
        reopened=reopened,
        summary=summary,
    )


def _reopen_unsure(db: Session, project: Project, results: Sequence[StoredResult]) -> int:
    """Raise the overlap of done items whose least confident result is below the threshold."""
    threshold = project.quality.min_confidence
    cap = project.quality.max_annotations_per_item
    if threshold is None or cap is None:
        return 0
    unsure = sorted({r.item_id for r in results if r.confidence < threshold})
    reopened = 0
    for item_id in unsure:  # a fixed lock order, as everywhere items are locked in bulk
        # SKIP LOCKED: an item a submit holds is being answered right now; waiting for it
        # while holding result rows that submit also writes could deadlock.
        locked = item_serving_repo.lock_item(
            db, workspace_id=project.workspace_id, item_id=item_id, skip_locked=True
        )
        if locked is None or locked.status is not ItemStatus.DONE:
            continue  # open items are still collecting answers; gold items are known
        overlap = locked.overlap_override or project.annotations_per_item
        if overlap >= cap or locked.submitted_count < overlap:
            continue
        item_serving_repo.set_overlap_override(
            db, workspace_id=project.workspace_id, item_id=item_id, overlap=overlap + 1
        )
        reopened += 1
    # Counters, then the ledger, last: the lock order every submit keeps (no deadlock).
    project_repo.add_to_counts(
        db, workspace_id=project.workspace_id, project_id=project.id, done=-reopened
    )
    return reopened


def needs_more_answers(
    db: Session, *, project: Project, item_id: int, overlap: int, now: datetime
) -> bool:
    """Inside the submit that completes an item (its row locked): aggregate its answers with
    the annotators' last known skills, store the result, and raise its overlap by one when
    its confidence is below `min_confidence` and the cap allows. Returns whether it did."""
    settings = project.quality
    if settings.min_confidence is None:
        return False
    ws = project.workspace_id
    answers = quality_repo.item_answers(db, workspace_id=ws, item_id=item_id)
    users = sorted({a.user_id for a in answers})
    skills = {
        (s.user_id, s.question): s.skill
        for s in quality_repo.list_skills(
            db, workspace_id=ws, project_id=project.id, user_ids=users
        )
        if s.skill is not None
    }
    found = live_results(project.label_schema, ((a.user_id, a.value) for a in answers), skills)
    quality_repo.replace_results(
        db,
        workspace_id=ws,
        project_id=project.id,
        item_id=item_id,
        now=now,
        results=[
            StoredResult(item_id, k, r.value, r.confidence, LIVE_METHOD, r.n_answers)
            for k, r in found.items()
        ],
    )
    if not found or settings.max_annotations_per_item is None:
        return False
    if min(r.confidence for r in found.values()) >= settings.min_confidence:
        return False
    if overlap >= settings.max_annotations_per_item:
        return False
    # The submit's own ledger event says so; recording here would take the chain head before
    # the project's counters, against the lock order of every other submit.
    item_serving_repo.set_overlap_override(
        db, workspace_id=ws, item_id=item_id, overlap=overlap + 1
    )
    return True
