"""Serving tasks: lease the next item to an annotator, take a submission, record a skip."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tessera.domain.entities import (
    Annotation,
    ApiCaller,
    Assignment,
    AssignmentState,
    Item,
    ItemStatus,
    Project,
    ServingOrder,
    Task,
    User,
)
from tessera.domain.errors import AnnotatorPaused, Conflict, InvalidInput, NotFound
from tessera.services import aggregation, gold, ledger, review
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize_caller
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import annotations as annotation_repo
from tessera.storage.repositories import assignments as assignment_repo
from tessera.storage.repositories import item_serving as item_serving_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo

SKIP_REASON_MAX_CHARS = 500
IDEMPOTENCY_KEY_MAX_CHARS = 200


def next_task(
    db: Session,
    *,
    actor: User | ApiCaller,
    workspace_id: int,
    project_id: int,
    now: datetime | None = None,
) -> Task | None:
    """The caller's live lease if any, else lease the best open item the caller has not seen.

    An item is open while submitted answers plus unexpired leases stay below the project's
    overlap; expired leases stop counting by themselves, so no background job is needed.
    Returns None when nothing is left for this annotator. An `ApiCaller`'s token is checked by
    the statement that takes the member's lock.
    """
    now = now or utcnow()
    with write_transaction(db, hot_path=True):
        # The member's lock: asking twice at once still hands out one lease. From here on the
        # actor is a user, whose token (if it came with one) was found valid.
        actor, _ = authorize_caller(
            db, caller=actor, workspace_id=workspace_id, action=Action.ANNOTATE, lock_member=True
        )
        start = project_repo.get_project_for_annotator(
            db, workspace_id=workspace_id, project_id=project_id, user_id=actor.id, now=now
        )
        project = start.project
        if start.paused_for is not None:
            raise AnnotatorPaused(
                f"you are paused in this project: {start.paused_for}. A manager can lift the pause."
            )
        # Read in full only when that statement found one: most calls come after a submit.
        live = (
            assignment_repo.find_live_assignment(
                db, workspace_id=workspace_id, project_id=project_id, user_id=actor.id, now=now
            )
            if start.has_live_lease
            else None
        )
        is_live_lease = live is not None
        if live is None and start.has_returned:  # an answer sent back comes before new work
            redo = review.find_returned_task(db, project=project, actor=actor)
            if redo is not None:
                review.record_redo_served(db, actor=actor, task=redo)
                return redo
        read: Item | None = None  # the item, when leasing it read it already
        if live is None and not _at_cap(db, project, actor, now):
            if _draws_gold(project):
                live = _lease_gold(db, project, actor, now)
            if live is None:
                live, read = _lease_next(db, project, actor, now) or (None, None)
        if live is None:
            return None
        item = read or item_repo.get_item(db, workspace_id=workspace_id, item_id=live.item_id)
        others: list[dict[str, object]] = []
        # A gold item looks like any other: no status, no gold, and no others' answers.
        if not project.is_blind and item.status is not ItemStatus.GOLD:
            others = annotation_repo.list_other_answers(
                db, workspace_id=workspace_id, item_id=item.id, user_id=actor.id
            )
        # Last in the transaction: the chain head's lock is held only until the commit.
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="task.served",
            object_type="item",
            object_id=item.id,
            detail={
                "project_id": project_id,
                "assignment_id": live.id,
                "lease": "live" if is_live_lease else "new",
            },
        )
        return Task(assignment=live, item=item, other_answers=tuple(others))


def _draws_gold(project: Project) -> bool:
    """Each new lease is a gold item with probability `gold_rate` (when one is left): random,
    so an annotator cannot tell which tasks are gold by their position in the queue."""
    rate = project.quality.gold_rate
    return rate > 0 and random.random() < rate  # noqa: S311 (a draw, not a secret)


def _lease_gold(db: Session, project: Project, actor: User, now: datetime) -> Assignment | None:
    """Lease a gold item this annotator has never been given. Gold items have no overlap: any
    number of annotators may hold one, so no item lock is needed (the user's is held)."""
    start = random.getrandbits(item_repo.RAND_KEY_BITS)
    found = item_repo.unseen_gold_items(
        db,
        workspace_id=project.workspace_id,
        project_id=project.id,
        user_id=actor.id,
        start=start,
        limit=1,
    )
    if not found:
        return None
    return assignment_repo.add_assignment_if_room(
        db,
        workspace_id=project.workspace_id,
        project_id=project.id,
        item_id=found[0],
        user_id=actor.id,
        now=now,
        expires_at=now + timedelta(seconds=project.lease_ttl_s),
        live_below=None,
    )


def _at_cap(db: Session, project: Project, actor: User, now: datetime) -> bool:
    cap = project.max_items_per_annotator
    if cap is None:
        return False
    load = assignment_repo.count_load(
        db, workspace_id=project.workspace_id, project_id=project.id, user_id=actor.id, now=now
    )
    return load >= cap


# A new lease, and its item when taking the lease read it whole (PostgreSQL's row lock does).
Lease = tuple[Assignment, Item | None]


def _lease_next(db: Session, project: Project, actor: User, now: datetime) -> Lease | None:
    """Walk the open items in the project's serving order and lease the first one we may.

    The random order scans its stored random keys from a random start and wraps around once.
    """
    if project.serving_order is not ServingOrder.RANDOM:
        return _lease_in_range(db, project, actor, now, at_least=None, below=None)
    start = random.getrandbits(item_repo.RAND_KEY_BITS)
    return _lease_in_range(db, project, actor, now, at_least=start, below=None) or (
        _lease_in_range(db, project, actor, now, at_least=None, below=start)
    )


def _lease_in_range(
    db: Session,
    project: Project,
    actor: User,
    now: datetime,
    *,
    at_least: int | None,
    below: int | None,
) -> Lease | None:
    after: item_serving_repo.CandidateKey | None = None
    while True:
        found = item_serving_repo.first_candidate(
            db,
            workspace_id=project.workspace_id,
            project_id=project.id,
            order=project.serving_order,
            after=after,
            at_least=at_least,
            below=below,
            available_to=(actor.id, project.annotations_per_item, now),
        )
        if found is None:
            return None
        candidate, locked = found
        leased = _try_lease(db, project, actor, candidate, now, locked=locked)
        if leased is not None:
            return leased
        after = candidate.key


def _try_lease(
    db: Session,
    project: Project,
    actor: User,
    candidate: item_serving_repo.Candidate,
    now: datetime,
    *,
    locked: Item | None,
) -> Lease | None:
    """Lease the candidate; `locked` is its row as PostgreSQL's lock read it (None on SQLite,
    where the candidate needs no second look)."""
    ws, item_id = project.workspace_id, candidate.item_id
    room = None
    if locked is not None:
        if locked.status is not ItemStatus.OPEN:
            return None
        room = overlap_of(project, locked.overlap_override) - locked.submitted_count
        if room <= 0:
            return None
    expires_at = now + timedelta(seconds=project.lease_ttl_s)
    if candidate.lapsed_lease_id is not None:
        renewed = assignment_repo.renew_assignment(
            db,
            workspace_id=ws,
            assignment_id=candidate.lapsed_lease_id,
            now=now,
            expires_at=expires_at,
            live_below=room,
        )
        if not renewed:
            return None  # answered or skipped since the candidates were read, or no room
        renewal = Assignment(
            id=candidate.lapsed_lease_id,
            workspace_id=ws,
            project_id=project.id,
            item_id=item_id,
            user_id=actor.id,
            state=AssignmentState.LEASED,
            leased_at=now,
            expires_at=expires_at,
        )
        return renewal, locked
    lease = assignment_repo.add_assignment_if_room(
        db,
        workspace_id=ws,
        project_id=project.id,
        item_id=item_id,
        user_id=actor.id,
        now=now,
        expires_at=expires_at,
        live_below=room,
    )
    return None if lease is None else (lease, locked)


def submit_annotation(
    db: Session,
    *,
    actor: User | ApiCaller,
    workspace_id: int,
    assignment_id: int,
    value: Mapping[str, object],
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Annotation:
    """Store the caller's answer for one of their tasks and close the lease.

    A late submission (lease expired) counts only while the item still needs an answer. A
    retry (the same idempotency key, or without one the same answer) returns the stored
    annotation; anything else sent to a submitted task is a Conflict, never an overwrite.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX_CHARS:
        raise InvalidInput(
            f"must be 1-{IDEMPOTENCY_KEY_MAX_CHARS} characters", field="idempotency_key"
        )
    with write_transaction(db, hot_path=True):
        actor, _ = authorize_caller(
            db, caller=actor, workspace_id=workspace_id, action=Action.ANNOTATE
        )
        # The item's lock first, found through the task: everything read after it is current
        # (on PostgreSQL a concurrent submit of the same task may have changed it meanwhile).
        locked = item_serving_repo.lock_item_of_task(
            db, workspace_id=workspace_id, assignment_id=assignment_id, user_id=actor.id
        )
        if locked is None:
            raise NotFound("task", assignment_id)
        task, project = assignment_repo.get_assignment_with_project(
            db, workspace_id=workspace_id, assignment_id=assignment_id, user_id=actor.id
        )
        schema = project.label_schema
        # Spans, pixel boxes, item-listed rankings and step labels are checked against the item.
        content = (
            item_repo.get_item(db, workspace_id=workspace_id, item_id=task.item_id).content
            if schema.needs_content
            else None
        )
        clean = schema.validate_answer(value, content)
        submitted, overlap = locked.submitted_count, overlap_of(project, locked.overlap_override)
        # The clock is read only now: a request that waited for the lock past its lease must
        # be judged as late, or it could add an answer to an item someone else has filled.
        now = now or utcnow()
        if task.state is AssignmentState.SUBMITTED:
            redone = review.resubmit_returned(
                db,
                actor=actor,
                project=project,
                task=task,
                value=clean,
                idempotency_key=idempotency_key,
                now=now,
            )
            return redone or _retry_or_conflict(
                db, workspace_id, assignment_id, clean, idempotency_key
            )
        if task.state is AssignmentState.SKIPPED:
            raise Conflict("this task was skipped; it cannot be submitted")
        if locked.status is ItemStatus.GOLD:
            return _submit_gold(db, project, actor, task, clean, now, idempotency_key)
        if task.expires_at <= now:
            others = assignment_repo.count_live_leases(
                db, workspace_id=workspace_id, item_id=task.item_id, now=now
            )
            if locked.status is not ItemStatus.OPEN or submitted + others >= overlap:
                raise Conflict(
                    "the lease on this task expired and the item already has the answers it "
                    "needs; ask for the next task"
                )
        if submitted >= overlap:  # its overlap was lowered while this lease was live
            raise Conflict("the item already has the answers it needs; ask for the next task")
        annotation = _store_answer(db, project, task, clean, now, idempotency_key)
        review.sample_submission(db, project=project, annotation=annotation, now=now)
        is_done = submitted + 1 >= overlap
        more = is_done and aggregation.needs_more_answers(
            db, project=project, item_id=task.item_id, overlap=overlap, now=now
        )
        if more:
            is_done = False  # the confidence rule raised its overlap by one, under its lock
        item_serving_repo.record_submission(
            db,
            workspace_id=workspace_id,
            item_id=task.item_id,
            project_id=project.id,
            is_done=is_done,
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="annotation.submitted",
            object_type="annotation",
            object_id=annotation.id,
            detail={
                "item_id": task.item_id,
                "assignment_id": task.id,
                "project_id": project.id,
                # the confidence rule asked for one more answer: the item's new overlap
                **({"more_answers_requested": overlap + 1} if more else {}),
            },
        )
        return annotation


def _store_answer(
    db: Session,
    project: Project,
    task: Assignment,
    clean: Mapping[str, object],
    now: datetime,
    idempotency_key: str | None,
) -> Annotation:
    """Store the lease holder's answer under the project's schema version and close the lease."""
    return annotation_repo.add_annotation(
        db,
        workspace_id=project.workspace_id,
        project_id=project.id,
        item_id=task.item_id,
        assignment_id=task.id,
        user_id=task.user_id,
        value=clean,
        schema_version=project.schema_version,
        now=now,
        idempotency_key=idempotency_key,
        closes_lease=True,
    )


def _submit_gold(
    db: Session,
    project: Project,
    actor: User,
    task: Assignment,
    clean: Mapping[str, object],
    now: datetime,
    idempotency_key: str | None,
) -> Annotation:
    """A gold answer: stored and scored, late or not; it never counts towards an overlap."""
    ws = project.workspace_id
    annotation = _store_answer(db, project, task, clean, now, idempotency_key)
    project_repo.add_to_counts(db, workspace_id=ws, project_id=project.id, annotations=1)
    gold.apply_gold_rule(db, project=project, user=actor, now=now)
    ledger.record(
        db,
        workspace_id=ws,
        actor=actor,
        action="annotation.submitted",
        object_type="annotation",
        object_id=annotation.id,
        detail={"item_id": task.item_id, "assignment_id": task.id, "project_id": project.id},
    )
    return annotation


def overlap_of(project: Project, overlap_override: int | None) -> int:
    """How many answers an item needs: its own override, else the project's overlap."""
    return overlap_override or project.annotations_per_item


def _retry_or_conflict(
    db: Session,
    workspace_id: int,
    assignment_id: int,
    clean: Mapping[str, object],
    idempotency_key: str | None,
) -> Annotation:
    stored = annotation_repo.find_annotation_by_assignment(
        db, workspace_id=workspace_id, assignment_id=assignment_id
    )
    assert stored is not None  # a submitted assignment has its annotation
    if idempotency_key is not None and stored.idempotency_key is not None:
        if idempotency_key == stored.idempotency_key:
            return stored  # a retry of the same request: stored once
        raise Conflict("this task was already submitted (with another idempotency key)")
    if stored.value == dict(clean):
        return stored  # the same answer again: stored once
    raise Conflict("this task was already submitted with a different answer")


def skip_task(
    db: Session,
    *,
    actor: User | ApiCaller,
    workspace_id: int,
    assignment_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Give a task back with a reason; the item is never served to this annotator again."""
    if len(reason) > SKIP_REASON_MAX_CHARS or "\x00" in reason:
        raise InvalidInput(f"at most {SKIP_REASON_MAX_CHARS} characters", field="reason")
    now = now or utcnow()
    with write_transaction(db, hot_path=True):
        actor, _ = authorize_caller(
            db, caller=actor, workspace_id=workspace_id, action=Action.ANNOTATE
        )
        task = assignment_repo.get_assignment(
            db,
            workspace_id=workspace_id,
            assignment_id=assignment_id,
            user_id=actor.id,
            for_update=True,
        )
        if task.state is AssignmentState.SUBMITTED:
            raise Conflict("this task was already submitted")
        if task.state is AssignmentState.SKIPPED:
            return
        assignment_repo.close_assignment(
            db,
            workspace_id=workspace_id,
            assignment_id=task.id,
            state=AssignmentState.SKIPPED,
            now=now,
            skip_reason=reason,
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="task.skipped",
            object_type="assignment",
            object_id=task.id,
            detail={"item_id": task.item_id, "project_id": task.project_id},
        )
