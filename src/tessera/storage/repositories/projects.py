"""Projects of a workspace, with their label schema and denormalised counters."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.entities import AssignmentState, Project, ProjectCounts, ServingOrder
from tessera.domain.errors import NotFound
from tessera.domain.label_schema import LabelSchema, parse_label_schema
from tessera.domain.quality_rules import QualitySettings
from tessera.domain.reviews import ReviewStatus
from tessera.storage.cipher import Purpose, guidelines_row, open_json, seal_json
from tessera.storage.tables import AnyRow, annotator_pauses, assignments, projects, reviews


def project_from_row(row: AnyRow) -> Project:
    m = row._mapping
    return Project(
        id=m["id"],
        workspace_id=m["workspace_id"],
        name=m["name"],
        description=m["description"],
        label_schema=_parsed_schema(m["label_schema"]),
        schema_version=m["schema_version"],
        annotations_per_item=m["annotations_per_item"],
        lease_ttl_s=m["lease_ttl_s"],
        counts=ProjectCounts(
            items=m["item_count"], done=m["done_count"], annotations=m["annotation_count"]
        ),
        created_at=m["created_at"],
        serving_order=ServingOrder(m["serving_order"]),
        max_items_per_annotator=m["max_items_per_annotator"],
        is_blind=m["is_blind"],
        quality=QualitySettings(
            gold_rate=float(m["gold_rate"]),
            gold_min_accuracy=m["gold_min_accuracy"],
            gold_min_answers=m["gold_min_answers"],
            min_confidence=m["min_confidence"],
            max_annotations_per_item=m["max_annotations_per_item"],
        ),
        review_rate=float(m["review_rate"]),
    )


@functools.lru_cache(maxsize=256)
def _parsed_schema(stored: str) -> LabelSchema:
    """A stored schema's parsed form; schemas are immutable values, so one parse serves every
    request that reads the same text."""
    return parse_label_schema(json.loads(stored))


def add_project(
    db: Session,
    *,
    workspace_id: int,
    name: str,
    description: str,
    label_schema: LabelSchema,
    annotations_per_item: int,
    lease_ttl_s: int,
    now: datetime,
    serving_order: ServingOrder = ServingOrder.PRIORITY,
    max_items_per_annotator: int | None = None,
    is_blind: bool = True,
    review_rate: float = 0.0,
) -> Project:
    project_id = db.execute(
        insert(projects)
        .values(
            workspace_id=workspace_id,
            name=name,
            description=description,
            label_schema=json.dumps(label_schema.to_dict()),
            schema_version=1,
            annotations_per_item=annotations_per_item,
            lease_ttl_s=lease_ttl_s,
            item_count=0,
            done_count=0,
            annotation_count=0,
            created_at=now,
            serving_order=serving_order.value,
            max_items_per_annotator=max_items_per_annotator,
            is_blind=is_blind,
            review_rate=review_rate,
        )
        .returning(projects.c.id)
    ).scalar_one()
    return get_project(db, workspace_id=workspace_id, project_id=project_id)


def get_project(
    db: Session, *, workspace_id: int, project_id: int, for_update: bool = False
) -> Project:
    stmt = _ONE_FOR_UPDATE if for_update else _ONE
    row = db.execute(stmt, {"id": project_id, "ws": workspace_id}).first()
    if row is None:
        raise NotFound("project", project_id)
    return project_from_row(row)


# Statements of the task-serving path, built once (decision 0015).
_ONE = select(projects).where(
    projects.c.id == bindparam("id"), projects.c.workspace_id == bindparam("ws")
)
_ONE_FOR_UPDATE = _ONE.with_for_update()


@dataclass(frozen=True)
class AnnotatorStart:
    """What next task needs to know first, read in one statement on every call."""

    project: Project
    paused_for: str | None  # the reason this annotator is paused in the project, if they are
    has_live_lease: bool  # they hold an unexpired lease in it
    has_returned: bool  # a reviewer sent one of their answers in it back to them


def get_project_for_annotator(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, now: datetime
) -> AnnotatorStart:
    """The project and where this annotator stands in it; NotFound if it is not there."""
    params = {"id": project_id, "ws": workspace_id, "user": user_id, "now": now}
    found = db.execute(_ONE_FOR_ANNOTATOR, params).first()
    if found is None:
        raise NotFound("project", project_id)
    m = found._mapping
    return AnnotatorStart(
        project_from_row(found),
        m["pause_reason"],
        has_live_lease=bool(m["has_live_lease"]),
        has_returned=bool(m["has_returned"]),
    )


_ONE_FOR_ANNOTATOR = _ONE.add_columns(
    select(annotator_pauses.c.reason)
    .where(
        annotator_pauses.c.workspace_id == projects.c.workspace_id,
        annotator_pauses.c.project_id == projects.c.id,
        annotator_pauses.c.user_id == bindparam("user"),
        annotator_pauses.c.lifted_at.is_(None),
    )
    .order_by(annotator_pauses.c.id)
    .limit(1)
    .scalar_subquery()
    .label("pause_reason"),
    exists()
    .where(
        assignments.c.workspace_id == projects.c.workspace_id,
        assignments.c.project_id == projects.c.id,
        assignments.c.user_id == bindparam("user"),
        assignments.c.state == AssignmentState.LEASED.value,
        assignments.c.expires_at > bindparam("now"),
    )
    .label("has_live_lease"),
    exists()
    .where(
        reviews.c.workspace_id == projects.c.workspace_id,
        reviews.c.project_id == projects.c.id,
        reviews.c.annotator_id == bindparam("user"),
        reviews.c.status == ReviewStatus.RETURNED.value,
    )
    .label("has_returned"),
)


def list_projects(db: Session, *, workspace_id: int) -> list[Project]:
    rows = db.execute(
        select(projects)
        .where(projects.c.workspace_id == workspace_id)
        .order_by(projects.c.created_at.desc(), projects.c.id.desc())
    ).all()
    return [project_from_row(r) for r in rows]


def update_project(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    name: str | None = None,
    description: str | None = None,
    label_schema: LabelSchema | None = None,
    annotations_per_item: int | None = None,
    lease_ttl_s: int | None = None,
    serving_order: ServingOrder | None = None,
    max_items_per_annotator: int | None = None,
    clear_max_items: bool = False,
    is_blind: bool | None = None,
    quality: QualitySettings | None = None,
    review_rate: float | None = None,
) -> None:
    """Change the given settings; a new label schema bumps the schema version."""
    values: dict[str, object] = {}
    if review_rate is not None:
        values["review_rate"] = review_rate
    if serving_order is not None:
        values["serving_order"] = serving_order.value
    if max_items_per_annotator is not None or clear_max_items:
        values["max_items_per_annotator"] = max_items_per_annotator
    if is_blind is not None:
        values["is_blind"] = is_blind
    if quality is not None:
        values.update(quality_columns(quality))
    if name is not None:
        values["name"] = name
    if description is not None:
        values["description"] = description
    if label_schema is not None:
        values["label_schema"] = json.dumps(label_schema.to_dict())
        values["schema_version"] = projects.c.schema_version + 1
    if annotations_per_item is not None:
        values["annotations_per_item"] = annotations_per_item
    if lease_ttl_s is not None:
        values["lease_ttl_s"] = lease_ttl_s
    if values:
        db.execute(
            update(projects)
            .where(projects.c.id == project_id, projects.c.workspace_id == workspace_id)
            .values(**values)
        )


def quality_columns(quality: QualitySettings) -> dict[str, object]:
    """The projects columns that hold a project's quality settings."""
    return {
        "gold_rate": quality.gold_rate,
        "gold_min_accuracy": quality.gold_min_accuracy,
        "gold_min_answers": quality.gold_min_answers,
        "min_confidence": quality.min_confidence,
        "max_annotations_per_item": quality.max_annotations_per_item,
    }


def get_guidelines(db: Session, *, workspace_id: int, project_id: int) -> str:
    """The project's guidelines, opened from their sealed column ("" when none)."""
    sealed = db.execute(
        select(projects.c.guidelines).where(
            projects.c.id == project_id, projects.c.workspace_id == workspace_id
        )
    ).first()
    if sealed is None:
        raise NotFound("project", project_id)
    if sealed[0] is None:
        return ""
    text = open_json(
        db, workspace_id, Purpose.PROJECT_GUIDELINES, guidelines_row(project_id), sealed[0]
    )
    return str(text)


def set_guidelines(db: Session, *, workspace_id: int, project_id: int, guidelines: str) -> None:
    """Seal and store the guidelines, bound to this project."""
    sealed = seal_json(
        db, workspace_id, Purpose.PROJECT_GUIDELINES, guidelines_row(project_id), guidelines
    )
    db.execute(
        update(projects)
        .where(projects.c.id == project_id, projects.c.workspace_id == workspace_id)
        .values(guidelines=sealed)
    )


def add_to_counts(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    items: int = 0,
    done: int = 0,
    annotations: int = 0,
) -> None:
    """Move the counters by the given deltas, atomically in the database."""
    deltas = {"items": items, "done": done, "answers": annotations}
    db.execute(ADD_TO_COUNTS, {"b_project": project_id, "b_ws": workspace_id, **deltas})


# Public so that a write that also moves the counters can run it as one statement with its own
# (item_serving.record_submission). Parameters: b_project, b_ws, items, done, answers.
ADD_TO_COUNTS = (
    update(projects)
    .where(projects.c.id == bindparam("b_project"), projects.c.workspace_id == bindparam("b_ws"))
    .values(
        item_count=projects.c.item_count + bindparam("items"),
        done_count=projects.c.done_count + bindparam("done"),
        annotation_count=projects.c.annotation_count + bindparam("answers"),
    )
)


def find_project_workspace(db: Session, *, project_id: int) -> int | None:
    """The workspace a project id belongs to, for entry points given only the project id.

    Callers must authorize the actor for that workspace before reading anything else.
    """
    return db.execute(
        select(projects.c.workspace_id).where(projects.c.id == project_id)
    ).scalar_one_or_none()
