"""Annotations: one sealed answer per assignment."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.entities import Annotation, AssignmentState
from tessera.domain.errors import NotFound
from tessera.storage.cipher import Purpose, annotation_row, open_json, seal_json
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, assignments, users
from tessera.storage.tables import annotations as annotation_table


@dataclass(frozen=True)
class AnnotationWithAuthor:
    annotation: Annotation
    author_email: str


def _to_annotation(db: Session, row: AnyRow) -> Annotation:
    m = row._mapping
    bound = annotation_row(m["assignment_id"])
    value = open_json(db, m["workspace_id"], Purpose.ANNOTATION_VALUE, bound, m["value"])
    return Annotation(
        id=m["id"],
        workspace_id=m["workspace_id"],
        project_id=m["project_id"],
        item_id=m["item_id"],
        assignment_id=m["assignment_id"],
        user_id=m["user_id"],
        value=cast(dict[str, object], value),
        schema_version=m["schema_version"],
        created_at=m["created_at"],
        idempotency_key=m["idempotency_key"],
    )


# Built once: every submit inserts one (decision 0015).
_ADD = insert(annotation_table).returning(annotation_table.c.id)
_CLOSE_LEASE = (
    update(assignments)
    .where(assignments.c.id == bindparam("b_id"), assignments.c.workspace_id == bindparam("b_ws"))
    .values(
        state=AssignmentState.SUBMITTED.value,
        closed_at=bindparam("b_closed_at", type_=assignments.c.closed_at.type),
    )
)
# PostgreSQL: the answer and its lease's closing in one statement (a WITH's UPDATE always runs).
# No parameter is named like a column, or SQLAlchemy would add it to the SET or the VALUES.
_ADD_CLOSING_LEASE = (
    insert(annotation_table)
    .values(
        {
            name: bindparam("a_" + name, type_=annotation_table.c[name].type)
            for name in (
                "workspace_id",
                "project_id",
                "item_id",
                "assignment_id",
                "user_id",
                "value",
                "schema_version",
                "created_at",
                "idempotency_key",
            )
        }
    )
    .returning(annotation_table.c.id)
    .add_cte(_CLOSE_LEASE.cte("closed_lease"))
)


def add_annotation(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    item_id: int,
    assignment_id: int,
    user_id: int,
    value: Mapping[str, object],
    schema_version: int,
    now: datetime,
    idempotency_key: str | None = None,
    closes_lease: bool = False,
) -> Annotation:
    """Store an answer. `closes_lease`: its assignment is marked submitted in the same step
    (on PostgreSQL in the same statement: a round trip fewer on every submission)."""
    sealed = seal_json(
        db, workspace_id, Purpose.ANNOTATION_VALUE, annotation_row(assignment_id), dict(value)
    )
    row = {
        "workspace_id": workspace_id,
        "project_id": project_id,
        "item_id": item_id,
        "assignment_id": assignment_id,
        "user_id": user_id,
        "value": sealed,
        "schema_version": schema_version,
        "created_at": now,
        "idempotency_key": idempotency_key,
    }
    closing = {"b_id": assignment_id, "b_ws": workspace_id, "b_closed_at": now}
    if not closes_lease:
        annotation_id = db.execute(_ADD, row).scalar_one()
    elif is_sqlite(db):  # no UPDATE in a WITH there; its statements cost no round trip
        annotation_id = db.execute(_ADD, row).scalar_one()
        db.execute(_CLOSE_LEASE, closing)
    else:
        params = {"a_" + name: v for name, v in row.items()} | closing
        annotation_id = db.execute(_ADD_CLOSING_LEASE, params).scalar_one()
    return Annotation(
        id=annotation_id,
        workspace_id=workspace_id,
        project_id=project_id,
        item_id=item_id,
        assignment_id=assignment_id,
        user_id=user_id,
        value=dict(value),
        schema_version=schema_version,
        created_at=now,
        idempotency_key=idempotency_key,
    )


def find_annotation_by_assignment(
    db: Session, *, workspace_id: int, assignment_id: int
) -> Annotation | None:
    row = db.execute(
        select(annotation_table).where(
            annotation_table.c.workspace_id == workspace_id,
            annotation_table.c.assignment_id == assignment_id,
        )
    ).first()
    return None if row is None else _to_annotation(db, row)


def list_annotations_for_items(
    db: Session, *, workspace_id: int, item_ids: Sequence[int]
) -> dict[int, list[AnnotationWithAuthor]]:
    """Every annotation of these items with its author's email, grouped by item, oldest first."""
    out: dict[int, list[AnnotationWithAuthor]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    rows = db.execute(
        select(annotation_table, users.c.email)
        .join(users, users.c.id == annotation_table.c.user_id)
        .where(
            annotation_table.c.workspace_id == workspace_id,
            annotation_table.c.item_id.in_(item_ids),
        )
        .order_by(annotation_table.c.item_id, annotation_table.c.id)
    ).all()
    for r in rows:
        ann = _to_annotation(db, r)
        out[ann.item_id].append(AnnotationWithAuthor(ann, r._mapping["email"]))
    return out


def list_other_answers(
    db: Session, *, workspace_id: int, item_id: int, user_id: int
) -> list[dict[str, object]]:
    """The values other annotators gave for an item (for projects that are not blind)."""
    rows = db.execute(
        select(annotation_table)
        .where(
            annotation_table.c.workspace_id == workspace_id,
            annotation_table.c.item_id == item_id,
            annotation_table.c.user_id != user_id,
        )
        .order_by(annotation_table.c.id)
    ).all()
    return [_to_annotation(db, r).value for r in rows]


def get_annotation(db: Session, *, workspace_id: int, annotation_id: int) -> Annotation:
    row = db.execute(
        select(annotation_table).where(
            annotation_table.c.id == annotation_id,
            annotation_table.c.workspace_id == workspace_id,
        )
    ).first()
    if row is None:
        raise NotFound("annotation", annotation_id)
    return _to_annotation(db, row)


def replace_value(
    db: Session,
    *,
    workspace_id: int,
    annotation: Annotation,
    value: Mapping[str, object],
    schema_version: int,
    idempotency_key: str | None,
) -> Annotation:
    """Store an annotator's new answer to a returned annotation (the review keeps the old one)."""
    db.execute(
        update(annotation_table)
        .where(
            annotation_table.c.id == annotation.id,
            annotation_table.c.workspace_id == workspace_id,
        )
        .values(
            value=seal_json(
                db,
                workspace_id,
                Purpose.ANNOTATION_VALUE,
                annotation_row(annotation.assignment_id),
                dict(value),
            ),
            schema_version=schema_version,
            idempotency_key=idempotency_key,
        )
    )
    return replace(
        annotation,
        value=dict(value),
        schema_version=schema_version,
        idempotency_key=idempotency_key,
    )
