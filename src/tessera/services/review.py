"""The review queue: sample or send annotations to review, lease them to reviewers, decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tessera.domain.entities import Annotation, Assignment, ItemStatus, Project, Task, User
from tessera.domain.errors import Conflict, Forbidden, InvalidInput
from tessera.domain.reviews import (
    Decision,
    ReturnedAnswer,
    Review,
    ReviewSource,
    ReviewStatus,
    ReviewTask,
    SendTo,
    is_sampled,
)
from tessera.domain.text_rules import checked_text
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import annotations as annotation_repo
from tessera.storage.repositories import assignments as assignment_repo
from tessera.storage.repositories import item_serving as item_serving_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import reviews as review_repo

REASON_MAX_CHARS = 2000
MAX_REQUESTED_IDS = 1000


# --- hooks the assignment engine calls inside its own transactions -------------------------


def sample_submission(
    db: Session, *, project: Project, annotation: Annotation, now: datetime
) -> None:
    """Queue a fresh annotation for review when the project's sample picks it.

    The pick is `is_sampled` (a hash of the annotation id against `review_rate`), so it is
    decided once, at submit time, and the same for every replay of the same data.
    """
    if is_sampled(project.workspace_id, annotation.id, project.review_rate):
        review_repo.add_review(
            db,
            workspace_id=project.workspace_id,
            project_id=project.id,
            item_id=annotation.item_id,
            annotation_id=annotation.id,
            annotator_id=annotation.user_id,
            source=ReviewSource.SAMPLED,
            now=now,
        )


def find_returned_task(db: Session, *, project: Project, actor: User) -> Task | None:
    """The oldest of the caller's answers a reviewer sent back to them, as a task to redo."""
    ws = project.workspace_id
    review = review_repo.find_returned(
        db, workspace_id=ws, project_id=project.id, annotator_id=actor.id
    )
    if review is None:
        return None
    annotation = annotation_repo.get_annotation(
        db, workspace_id=ws, annotation_id=review.annotation_id
    )
    task = assignment_repo.get_assignment(
        db, workspace_id=ws, assignment_id=annotation.assignment_id, user_id=actor.id
    )
    item = item_repo.get_item(db, workspace_id=ws, item_id=review.item_id)
    returned = ReturnedAnswer(review.id, review.reason or "", annotation.value)
    return Task(assignment=task, item=item, returned=returned)


def record_redo_served(db: Session, *, actor: User, task: Task) -> None:
    """Put the serving of a returned answer on the ledger (it reads the item's content)."""
    assert task.returned is not None
    ledger.record(
        db,
        workspace_id=task.item.workspace_id,
        actor=actor,
        action="task.served",
        object_type="item",
        object_id=task.item.id,
        detail={
            "project_id": task.item.project_id,
            "assignment_id": task.assignment.id,
            "lease": "returned",
            "review_id": task.returned.review_id,
        },
    )


def resubmit_returned(
    db: Session,
    *,
    actor: User,
    project: Project,
    task: Assignment,
    value: Mapping[str, object],
    idempotency_key: str | None,
    now: datetime,
) -> Annotation | None:
    """Store a new answer to a task whose annotation was returned; None if it was not.

    The returned round keeps the replaced answer and a new round joins the queue.
    """
    ws = project.workspace_id
    annotation = annotation_repo.find_annotation_by_assignment(
        db, workspace_id=ws, assignment_id=task.id
    )
    if annotation is None:
        return None
    review = review_repo.find_returned(
        db, workspace_id=ws, annotator_id=actor.id, annotation_id=annotation.id, for_update=True
    )
    if review is None:
        return None
    review_repo.mark_revised(
        db, workspace_id=ws, review_id=review.id, replaced_value=annotation.value
    )
    revised = annotation_repo.replace_value(
        db,
        workspace_id=ws,
        annotation=annotation,
        value=value,
        schema_version=project.schema_version,
        idempotency_key=idempotency_key,
    )
    review_repo.add_review(
        db,
        workspace_id=ws,
        project_id=project.id,
        item_id=annotation.item_id,
        annotation_id=annotation.id,
        annotator_id=actor.id,
        source=ReviewSource.RESUBMITTED,
        now=now,
    )
    ledger.record(
        db,
        workspace_id=ws,
        actor=actor,
        action="annotation.resubmitted",
        object_type="annotation",
        object_id=annotation.id,
        detail={"review_id": review.id, "item_id": annotation.item_id, "project_id": project.id},
    )
    return revised


# --- managers and reviewers ------------------------------------------------------------------


def request_review(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    annotation_ids: Sequence[int] | None = None,
    annotator_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Send chosen annotations, or every answer of one annotator, to the review queue.

    Annotations already waiting (or back with their annotator, or rejected to the pool) are
    left alone; ids of other projects or workspaces are ignored. Returns how many were queued.
    """
    if (annotation_ids is None) == (annotator_id is None):
        raise InvalidInput("give either annotation_ids or annotator_id", field="annotation_ids")
    if annotation_ids is not None and not 1 <= len(annotation_ids) <= MAX_REQUESTED_IDS:
        raise InvalidInput(f"1 to {MAX_REQUESTED_IDS} ids", field="annotation_ids")
    now = now or utcnow()
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        queued = review_repo.enqueue_annotations(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            annotation_ids=annotation_ids,
            annotator_id=annotator_id,
            now=now,
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="review.requested",
            object_type="project",
            object_id=project_id,
            detail={
                "annotations": len(annotation_ids) if annotation_ids is not None else None,
                "annotator_id": annotator_id,
                "queued": queued,
            },
        )
        return queued


def next_review(
    db: Session, *, actor: User, workspace_id: int, project_id: int, now: datetime | None = None
) -> ReviewTask | None:
    """The caller's live review lease if any, else lease the oldest waiting review to them.

    Never one of the caller's own answers; two reviewers never hold the same review. The
    lease lasts the project's `lease_ttl_s`. The read of content is put on the ledger.
    """
    now = now or utcnow()
    with write_transaction(db, hot_path=True):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.REVIEW)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        review = review_repo.find_live_lease(
            db, workspace_id=workspace_id, project_id=project_id, user_id=actor.id, now=now
        )
        is_live = review is not None
        if review is None:
            review = review_repo.lease_next(
                db,
                workspace_id=workspace_id,
                project_id=project_id,
                user_id=actor.id,
                now=now,
                expires_at=now + timedelta(seconds=project.lease_ttl_s),
            )
        if review is None:
            return None
        task = _review_task(db, review)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="review.served",
            object_type="annotation",
            object_id=review.annotation_id,
            detail={
                "review_id": review.id,
                "item_id": review.item_id,
                "project_id": project_id,
                "lease": "live" if is_live else "new",
            },
        )
        return task


def _review_task(db: Session, review: Review) -> ReviewTask:
    ws = review.workspace_id
    annotation = annotation_repo.get_annotation(
        db, workspace_id=ws, annotation_id=review.annotation_id
    )
    item = item_repo.get_item(db, workspace_id=ws, item_id=review.item_id)
    return ReviewTask(review, item.external_id, item.content, annotation.value)


def decide_review(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    review_id: int,
    decision: Decision,
    reason: str = "",
    send_to: SendTo | None = None,
    value: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> Review:
    """Accept, reject (back to the annotator or to the pool) or fix a waiting review.

    A rejection needs a reason and a destination; a fix needs a value, checked against the
    project's schema, that becomes the item's reviewed answer (the original is kept). Rejected
    to the pool, the annotation stops counting: the item needs another answer. A review that
    is already decided, or leased to another reviewer, is a Conflict; the same decision sent
    again by the same reviewer returns the stored one.
    """
    _check_decision(decision, reason, send_to, value)
    with write_transaction(db, hot_path=True):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.REVIEW)
        review = review_repo.get_review(db, workspace_id=workspace_id, review_id=review_id)
        if review.annotator_id == actor.id:
            raise Forbidden("you may not review your own annotation")
        project = project_repo.get_project(
            db, workspace_id=workspace_id, project_id=review.project_id
        )
        fixed = _checked_fix(db, project, review, value) if decision is Decision.FIX else None
        # The item first, then the review: the order submit takes them in, so no deadlock.
        locked = item_serving_repo.lock_item(
            db, workspace_id=workspace_id, item_id=review.item_id, skip_locked=False
        )
        assert locked is not None  # the review's foreign key keeps the item
        review = review_repo.get_review(
            db, workspace_id=workspace_id, review_id=review_id, for_update=True
        )
        now = now or utcnow()
        status = _status_of(decision, send_to)
        if review.status is not ReviewStatus.PENDING:
            if review.reviewer_id == actor.id and _same_outcome(review.status, status):
                return review  # a retry of the same decision
            raise Conflict(f"this annotation was already reviewed ({review.status.value})")
        held = review.lease_expires_at is not None and review.lease_expires_at > now
        if held and review.leased_by not in (None, actor.id):
            raise Conflict("another reviewer is reviewing this annotation")
        review_repo.record_decision(
            db,
            workspace_id=workspace_id,
            review_id=review.id,
            status=status,
            reviewer_id=actor.id,
            reason=reason.strip() or None,
            fixed_value=fixed,
            now=now,
        )
        if status is ReviewStatus.REJECTED:
            _release_answer(db, project, locked, review.item_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="review.decided",
            object_type="annotation",
            object_id=review.annotation_id,
            detail={
                "review_id": review.id,
                "decision": decision.value,
                "send_to": send_to.value if send_to else None,
                "item_id": review.item_id,
                "project_id": project.id,
            },
        )
        return review_repo.get_review(db, workspace_id=workspace_id, review_id=review.id)


def _check_decision(
    decision: Decision, reason: str, send_to: SendTo | None, value: Mapping[str, object] | None
) -> None:
    checked_text(reason, field="reason", max_chars=REASON_MAX_CHARS)
    if decision is Decision.REJECT:
        if not reason.strip():
            raise InvalidInput("a rejection needs a reason", field="reason")
        if send_to is None:
            raise InvalidInput("say where it goes: annotator or pool", field="send_to")
    elif send_to is not None:
        raise InvalidInput("only a rejection is sent somewhere", field="send_to")
    if (decision is Decision.FIX) != (value is not None):
        raise InvalidInput("a fix, and only a fix, carries a value", field="value")


def _status_of(decision: Decision, send_to: SendTo | None) -> ReviewStatus:
    if decision is Decision.ACCEPT:
        return ReviewStatus.ACCEPTED
    if decision is Decision.FIX:
        return ReviewStatus.FIXED
    return ReviewStatus.RETURNED if send_to is SendTo.ANNOTATOR else ReviewStatus.REJECTED


def _same_outcome(stored: ReviewStatus, wanted: ReviewStatus) -> bool:
    # A returned round the annotator has since answered again is still that decision.
    return stored is wanted or (stored, wanted) == (ReviewStatus.REVISED, ReviewStatus.RETURNED)


def _checked_fix(
    db: Session, project: Project, review: Review, value: Mapping[str, object] | None
) -> dict[str, object]:
    assert value is not None
    schema = project.label_schema
    content = (
        item_repo.get_item(db, workspace_id=project.workspace_id, item_id=review.item_id).content
        if schema.needs_content
        else None
    )
    return dict(schema.validate_answer(value, content))


def _release_answer(
    db: Session, project: Project, locked: item_serving_repo.LockedItem, item_id: int
) -> None:
    """The rejected answer stops counting: one answer fewer, and a done item opens again.

    Gold answers never counted towards an overlap, so a gold item's counters stay.
    """
    if locked.status is ItemStatus.GOLD:
        project_repo.add_to_counts(
            db, workspace_id=project.workspace_id, project_id=project.id, annotations=-1
        )
        return
    overlap = locked.overlap_override or project.annotations_per_item
    was_done = locked.status is ItemStatus.DONE
    reopen = was_done and locked.submitted_count - 1 < overlap
    item_serving_repo.release_submission(
        db, workspace_id=project.workspace_id, item_id=item_id, reopen=reopen
    )
    project_repo.add_to_counts(
        db,
        workspace_id=project.workspace_id,
        project_id=project.id,
        done=-1 if reopen else 0,
        annotations=-1,
    )
