"""Review outcomes as numbers: per-annotator stats (for quality) and per-project progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import User
from tessera.domain.errors import NotFound
from tessera.domain.reviews import AnnotatorReviewStats, ReviewProgress
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import reviews as review_repo


@dataclass(frozen=True)
class ReviewStats:
    progress: ReviewProgress
    annotators: tuple[AnnotatorReviewStats, ...]


def annotator_review_stats(
    db: Session, *, workspace_id: int, project_id: int
) -> list[AnnotatorReviewStats]:
    """Accepted / rejected / fixed counts and acceptance rate per annotator of a project.

    No authorization here: for services (the quality page) that have authorized their caller
    already, inside their own transaction. Reads no content.
    """
    return review_repo.stats_by_annotator(db, workspace_id=workspace_id, project_id=project_id)


def review_stats(
    db: Session, *, actor: User, workspace_id: int, project_id: int, now: datetime | None = None
) -> ReviewStats:
    """The project's review progress and each annotator's review outcomes (managers)."""
    now = now or utcnow()
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        progress = review_repo.progress(
            db, workspace_id=workspace_id, project_id=project_id, now=now
        )
        people = annotator_review_stats(db, workspace_id=workspace_id, project_id=project_id)
    return ReviewStats(progress=progress, annotators=tuple(people))


def review_progress(
    db: Session, *, actor: User, workspace_id: int, project_id: int, now: datetime | None = None
) -> ReviewProgress:
    """Counts of the project's review rounds by state, for any member (no names, no content)."""
    now = now or utcnow()
    with read_transaction(db):
        try:
            authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        except NotFound:
            raise NotFound("project", project_id) from None
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        return review_repo.progress(db, workspace_id=workspace_id, project_id=project_id, now=now)
