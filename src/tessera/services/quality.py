"""The quality report of a project: agreement, stored results, gold accuracy, skills, pauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import Project, User
from tessera.domain.errors import InvalidInput
from tessera.domain.quality_rules import GoldScore
from tessera.services import gold as gold_service
from tessera.services import ledger
from tessera.services.policies import Action, authorize
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import quality as quality_repo
from tessera.storage.repositories.quality import Pause, Skill, StoredResult

HISTOGRAM_BINS = 10
PAGE_MAX = 200


@dataclass(frozen=True)
class ItemResults:
    item_id: int
    external_id: str
    results: tuple[StoredResult, ...]


@dataclass(frozen=True)
class AnnotatorQuality:
    user_id: int
    email: str
    gold: GoldScore | None
    skills: tuple[Skill, ...]
    pause: Pause | None


@dataclass(frozen=True)
class QualityReport:
    project: Project
    aggregated_at: datetime | None
    questions: list[dict[str, object]]  # the last run's summary per question (agreement)
    histograms: dict[str, list[int]]  # per question: counts of confidence in 10 equal bins
    items: list[ItemResults]
    next_after: int | None
    annotators: list[AnnotatorQuality]
    gold_items: int
    pauses: list[Pause] = field(default_factory=list)


def quality_report(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    after_item_id: int = 0,
    limit: int = 50,
) -> QualityReport:
    """Everything the quality page shows; aggregated values are content, so it is recorded."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"must be between 1 and {PAGE_MAX}", field="limit")
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        run = quality_repo.latest_run(db, workspace_id=workspace_id, project_id=project_id)
        histograms: dict[str, list[int]] = {}
        for question, confidence in quality_repo.confidences(
            db, workspace_id=workspace_id, project_id=project_id
        ):
            bins = histograms.setdefault(question, [0] * HISTOGRAM_BINS)
            bins[min(int(confidence * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
        page_ids = quality_repo.result_item_page(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            after_item_id=after_item_id,
            limit=limit,
        )
        found = quality_repo.results_for_items(db, workspace_id=workspace_id, item_ids=page_ids)
        names = quality_repo.external_ids(db, workspace_id=workspace_id, item_ids=page_ids)
        items = [ItemResults(i, names.get(i, ""), tuple(found[i])) for i in page_ids]
        annotators = _annotators(db, project)
        pauses = quality_repo.list_active_pauses(
            db, workspace_id=workspace_id, project_id=project_id
        )
        gold_items = item_repo.count_gold(db, workspace_id=workspace_id, project_id=project_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="quality.viewed",
            object_type="project",
            object_id=project_id,
            detail={"items": len(items), "after": after_item_id},
        )
    questions = run[1].get("questions", []) if run else []
    return QualityReport(
        project=project,
        aggregated_at=run[0] if run else None,
        questions=list(questions) if isinstance(questions, list) else [],
        histograms=histograms,
        items=items,
        next_after=page_ids[-1] if len(page_ids) == limit else None,
        annotators=annotators,
        gold_items=gold_items,
        pauses=pauses,
    )


def _annotators(db: Session, project: Project) -> list[AnnotatorQuality]:
    ws = project.workspace_id
    scores = gold_service.gold_scores(db, project=project)
    skills = quality_repo.list_skills(db, workspace_id=ws, project_id=project.id)
    pauses = {
        p.user_id: p
        for p in quality_repo.list_active_pauses(db, workspace_id=ws, project_id=project.id)
    }
    users = sorted(set(scores) | {s.user_id for s in skills} | set(pauses))
    emails = quality_repo.user_emails(db, user_ids=users)
    return sorted(
        (
            AnnotatorQuality(
                user_id=u,
                email=emails.get(u, ""),
                gold=scores.get(u),
                skills=tuple(s for s in skills if s.user_id == u),
                pause=pauses.get(u),
            )
            for u in users
        ),
        key=lambda a: a.email,
    )
