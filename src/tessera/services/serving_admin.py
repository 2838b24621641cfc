"""The manager's side of task serving: where every item and lease stands, per-item overrides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import AnnotatorProgress, ItemStatus, ProjectStats, User
from tessera.domain.errors import InvalidInput, NotFound
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.imports import PRIORITY_RANGE
from tessera.services.policies import Action, authorize
from tessera.services.projects import MAX_OVERLAP
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import assignments as assignment_repo
from tessera.storage.repositories import item_serving as item_serving_repo
from tessera.storage.repositories import projects as project_repo

MAX_ITEMS_PER_OVERRIDE = 1000


def project_stats(
    db: Session, *, actor: User, workspace_id: int, project_id: int, now: datetime | None = None
) -> ProjectStats:
    """Open, leased, done and expired counts and each annotator's progress (managers).

    `leased` counts live leases; `expired` counts lapsed leases nobody closed yet (their items
    are back in the pool already). Gold items are not counted: they are not work. No item
    content is read.
    """
    now = now or utcnow()
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        leased, expired = assignment_repo.lease_counts(
            db, workspace_id=workspace_id, project_id=project_id, now=now
        )
        people = assignment_repo.progress_by_annotator(
            db, workspace_id=workspace_id, project_id=project_id, now=now
        )
    counts = project.counts
    return ProjectStats(
        items=counts.items,
        open=counts.items - counts.done,
        done=counts.done,
        leased=leased,
        expired=expired,
        annotators=tuple(AnnotatorProgress(*p) for p in people),
    )


def set_item_overrides(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    item_ids: Sequence[int],
    annotations_per_item: int | None = None,
    reset_overlap: bool = False,
    priority: int | None = None,
) -> int:
    """Raise (or lower, or reset) the overlap of chosen items and set their priority.

    An item whose new overlap exceeds its answers opens again; one that already has enough
    answers is done. Returns how many items changed.
    """
    _check(item_ids, annotations_per_item, priority)
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        done_delta = 0
        for item_id in sorted(set(item_ids)):  # a fixed lock order: no deadlock between managers
            locked = item_serving_repo.lock_item(
                db, workspace_id=workspace_id, item_id=item_id, skip_locked=False
            )
            if locked is None or locked.project_id != project_id:
                raise NotFound("item", item_id)
            override = None if reset_overlap else (annotations_per_item or locked.overlap_override)
            needed = override or project.annotations_per_item
            status = ItemStatus.DONE if locked.submitted_count >= needed else ItemStatus.OPEN
            if locked.status is ItemStatus.GOLD:
                status = ItemStatus.GOLD  # known answers: outside any overlap
            done_delta += (status is ItemStatus.DONE) - (locked.status is ItemStatus.DONE)
            item_serving_repo.set_item_state(
                db,
                workspace_id=workspace_id,
                item_id=item_id,
                status=status,
                overlap_override=override,
                priority=locked.priority if priority is None else priority,
            )
        project_repo.add_to_counts(
            db, workspace_id=workspace_id, project_id=project_id, done=done_delta
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="items.overridden",
            object_type="project",
            object_id=project_id,
            detail={
                "items": len(set(item_ids)),
                "annotations_per_item": annotations_per_item,
                "reset_overlap": reset_overlap,
                "priority": priority,
            },
        )
    return len(set(item_ids))


def _check(item_ids: Sequence[int], overlap: int | None, priority: int | None) -> None:
    if not 0 < len(item_ids) <= MAX_ITEMS_PER_OVERRIDE:
        raise InvalidInput(f"give 1 to {MAX_ITEMS_PER_OVERRIDE} item ids", field="item_ids")
    if overlap is not None and not 1 <= overlap <= MAX_OVERLAP:
        raise InvalidInput(f"must be between 1 and {MAX_OVERLAP}", field="annotations_per_item")
    lo, hi = PRIORITY_RANGE
    if priority is not None and not lo <= priority <= hi:
        raise InvalidInput(f"must be an integer from {lo} to {hi}", field="priority")
