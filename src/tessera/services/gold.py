"""Gold items and the gold rule: set or clear known answers, score annotators, pause and lift."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.entities import ItemStatus, Project, User
from tessera.domain.errors import NotFound
from tessera.domain.quality_rules import GoldScore, pause_reason, score_gold, validate_gold
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import item_serving as item_serving_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import quality as quality_repo


def set_gold(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    item_id: int,
    gold: Mapping[str, object],
) -> dict[str, object]:
    """Give an item known answers (checked against the schema); it becomes a gold item.

    A gold item leaves the pool of open work: it is mixed into queues at the project's
    `gold_rate` instead, and its answers never count towards its overlap.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        locked = _lock(db, workspace_id, project_id, item_id)
        schema = project.label_schema
        content = (
            item_repo.get_item(db, workspace_id=workspace_id, item_id=item_id).content
            if schema.needs_content
            else None
        )
        clean = validate_gold(schema, gold, content)
        item_repo.set_gold(
            db, workspace_id=workspace_id, item_id=item_id, gold=clean, status=ItemStatus.GOLD
        )
        if locked.status is not ItemStatus.GOLD:  # it leaves the project's work
            project_repo.add_to_counts(
                db,
                workspace_id=workspace_id,
                project_id=project_id,
                items=-1,
                done=-1 if locked.status is ItemStatus.DONE else 0,
            )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="item.gold_set",
            object_type="item",
            object_id=item_id,
            detail={"project_id": project_id, "questions": sorted(clean)},
        )
        return clean


def clear_gold(
    db: Session, *, actor: User, workspace_id: int, project_id: int, item_id: int
) -> None:
    """Remove an item's known answers: it is ordinary work again (open or done by its count).

    Answers given while it was gold stay stored but still do not count towards its overlap.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        locked = _lock(db, workspace_id, project_id, item_id)
        if locked.status is not ItemStatus.GOLD:
            raise NotFound("gold answer", item_id)
        needed = locked.overlap_override or project.annotations_per_item
        status = ItemStatus.DONE if locked.submitted_count >= needed else ItemStatus.OPEN
        item_repo.set_gold(db, workspace_id=workspace_id, item_id=item_id, gold=None, status=status)
        project_repo.add_to_counts(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            items=1,
            done=1 if status is ItemStatus.DONE else 0,
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="item.gold_cleared",
            object_type="item",
            object_id=item_id,
            detail={"project_id": project_id},
        )


def get_gold(
    db: Session, *, actor: User, workspace_id: int, project_id: int, item_id: int
) -> dict[str, object]:
    """An item's known answers (a content read: on the ledger)."""
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        _lock(db, workspace_id, project_id, item_id)
        gold = item_repo.get_gold(db, workspace_id=workspace_id, item_id=item_id)
        if gold is None:
            raise NotFound("gold answer", item_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="item.gold_read",
            object_type="item",
            object_id=item_id,
            detail={"project_id": project_id},
        )
        return gold


def _lock(
    db: Session, workspace_id: int, project_id: int, item_id: int
) -> item_serving_repo.LockedItem:
    locked = item_serving_repo.lock_item(
        db, workspace_id=workspace_id, item_id=item_id, skip_locked=False
    )
    if locked is None or locked.project_id != project_id:
        raise NotFound("item", item_id)
    return locked


def apply_gold_rule(db: Session, *, project: Project, user: User, now: datetime) -> str | None:
    """After a gold answer, inside the submit's transaction: pause the annotator if the rule
    says so. Only answers since a manager last lifted a pause count. Returns the reason."""
    settings = project.quality
    if settings.gold_min_accuracy is None:
        return None
    ws = project.workspace_id
    if quality_repo.find_active_pause(db, workspace_id=ws, project_id=project.id, user_id=user.id):
        return None
    since = quality_repo.last_lift(db, workspace_id=ws, project_id=project.id, user_id=user.id)
    answers = quality_repo.gold_answers(
        db, workspace_id=ws, project_id=project.id, user_id=user.id, since=since
    )
    gold = item_repo.gold_of_project(db, workspace_id=ws, project_id=project.id)
    score = score_gold(
        project.label_schema, ((a.value, gold[a.item_id]) for a in answers if a.item_id in gold)
    )
    reason = pause_reason(settings, score)
    if reason is None:
        return None
    quality_repo.add_pause(
        db, workspace_id=ws, project_id=project.id, user_id=user.id, reason=reason, now=now
    )
    ledger.record(
        db,
        workspace_id=ws,
        actor=None,
        action="annotator.paused",
        object_type="user",
        object_id=user.id,
        detail={
            "project_id": project.id,
            "gold_answers": score.answers,
            "accuracy": round(score.accuracy or 0.0, 4),
        },
    )
    return reason


def gold_scores(db: Session, *, project: Project) -> dict[int, GoldScore]:
    """Every annotator's accuracy on the project's gold, over all their gold answers."""
    ws = project.workspace_id
    gold = item_repo.gold_of_project(db, workspace_id=ws, project_id=project.id)
    by_user: dict[int, list[tuple[Mapping[str, object], Mapping[str, object]]]] = defaultdict(list)
    for a in quality_repo.gold_answers(db, workspace_id=ws, project_id=project.id):
        if a.item_id in gold:
            by_user[a.user_id].append((a.value, gold[a.item_id]))
    return {u: score_gold(project.label_schema, pairs) for u, pairs in by_user.items()}


def lift_pause(
    db: Session, *, actor: User, workspace_id: int, project_id: int, user_id: int
) -> None:
    """A manager lets a paused annotator work again; the gold rule then counts afresh."""
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_QUALITY)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        lifted = quality_repo.lift_pauses(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            user_id=user_id,
            now=utcnow(),
            by=actor.id,
        )
        if not lifted:
            raise NotFound("pause", user_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="annotator.pause_lifted",
            object_type="user",
            object_id=user_id,
            detail={"project_id": project_id},
        )
