"""Routes of the review queue: send to review, next review, decide, stats."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.reviews import Decision, Review, ReviewProgress, ReviewTask, SendTo
from tessera.schemas.reviews import (
    AnnotatorReviewStatsPublic,
    ReviewDecisionCreate,
    ReviewProgressPublic,
    ReviewPublic,
    ReviewRequest,
    ReviewsQueued,
    ReviewStatsPublic,
    ReviewTaskPublic,
)
from tessera.services import review, review_stats

router = APIRouter(tags=["reviews"])
ProjectReviews = "/workspaces/{workspace_id}/projects/{project_id}/reviews"


def review_public(r: Review) -> ReviewPublic:
    return ReviewPublic(
        id=r.id,
        project_id=r.project_id,
        item_id=r.item_id,
        annotation_id=r.annotation_id,
        annotator_id=r.annotator_id,
        status=r.status.value,
        source=r.source.value,
        reviewer_id=r.reviewer_id,
        reason=r.reason,
        fixed_value=r.fixed_value,
        lease_expires_at=r.lease_expires_at,
        created_at=r.created_at,
        decided_at=r.decided_at,
    )


def _task_public(t: ReviewTask) -> ReviewTaskPublic:
    return ReviewTaskPublic(
        review=review_public(t.review),
        item_external_id=t.item_external_id,
        data=t.item_content,
        value=t.value,
    )


def _progress_public(p: ReviewProgress) -> ReviewProgressPublic:
    return ReviewProgressPublic(
        pending=p.pending,
        in_review=p.in_review,
        returned=p.returned,
        accepted=p.accepted,
        rejected=p.rejected,
        fixed=p.fixed,
        decided=p.decided,
        total=p.total,
    )


@router.post(ProjectReviews, status_code=201)
def request_review(
    workspace_id: int, project_id: int, body: ReviewRequest, db: SessionDep, user: CurrentUser
) -> ReviewsQueued:
    """Send chosen annotations, or all of one annotator's, to the review queue (managers)."""
    queued = review.request_review(
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        annotation_ids=body.annotation_ids,
        annotator_id=body.annotator_id,
    )
    return ReviewsQueued(queued=queued)


@router.post(
    ProjectReviews + "/next",
    response_model=ReviewTaskPublic,
    responses={204: {"description": "nothing left to review"}},
)
def next_review(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> ReviewTaskPublic | Response:
    """Lease the next annotation to review (or return the caller's live one); 204 when none."""
    task = review.next_review(db, actor=user, workspace_id=workspace_id, project_id=project_id)
    if task is None:
        return Response(status_code=204)
    return _task_public(task)


@router.post("/workspaces/{workspace_id}/reviews/{review_id}/decision")
def decide_review(
    workspace_id: int,
    review_id: int,
    body: ReviewDecisionCreate,
    db: SessionDep,
    user: CurrentUser,
) -> ReviewPublic:
    """Accept, reject (with a reason, to the annotator or the pool) or fix; 409 if already
    decided or leased to another reviewer."""
    r = review.decide_review(
        db,
        actor=user,
        workspace_id=workspace_id,
        review_id=review_id,
        decision=Decision(body.decision),
        reason=body.reason,
        send_to=SendTo(body.send_to) if body.send_to else None,
        value=body.value,
    )
    return review_public(r)


@router.get(ProjectReviews + "/stats")
def read_review_stats(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> ReviewStatsPublic:
    """Review progress and per-annotator outcomes: accepted, rejected, fixed, acceptance rate."""
    stats = review_stats.review_stats(
        db, actor=user, workspace_id=workspace_id, project_id=project_id
    )
    return ReviewStatsPublic(
        progress=_progress_public(stats.progress),
        annotators=[
            AnnotatorReviewStatsPublic(
                user_id=a.user_id,
                email=a.email,
                accepted=a.accepted,
                rejected=a.rejected,
                fixed=a.fixed,
                reviewed=a.reviewed,
                acceptance_rate=a.acceptance_rate,
            )
            for a in stats.annotators
        ],
    )
