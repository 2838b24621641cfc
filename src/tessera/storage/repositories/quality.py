"""Quality data: annotator pauses, answers on gold, aggregated results, skills and runs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, RowMapping, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tessera.domain.entities import ItemStatus
from tessera.storage.cipher import Purpose, annotation_row, open_json, result_row, seal_json
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import annotations as annotation_table
from tessera.storage.tables import (
    annotator_pauses,
    annotator_skills,
    items,
    quality_results,
    quality_runs,
    reviews,
    users,
)


@dataclass(frozen=True)
class Pause:
    id: int
    project_id: int
    user_id: int
    email: str
    reason: str
    paused_at: datetime


@dataclass(frozen=True)
class Answer:
    """One stored answer, opened: who gave it to which item, and when."""

    item_id: int
    user_id: int
    value: dict[str, object]
    created_at: datetime


@dataclass(frozen=True)
class StoredResult:
    item_id: int
    question: str
    value: object
    confidence: float
    method: str
    n_answers: int


@dataclass(frozen=True)
class Skill:
    user_id: int
    email: str
    question: str
    method: str
    skill: float | None
    n_answers: int
    confusion: list[list[float]] | None


# -- pauses -------------------------------------------------------------------------------


def find_active_pause(
    db: Session, *, workspace_id: int, project_id: int, user_id: int
) -> Pause | None:
    rows = list_active_pauses(db, workspace_id=workspace_id, project_id=project_id, user_id=user_id)
    return rows[0] if rows else None


def list_active_pauses(
    db: Session, *, workspace_id: int, project_id: int, user_id: int | None = None
) -> list[Pause]:
    params = {"ws": workspace_id, "project": project_id}
    stmt = _ACTIVE_PAUSES
    if user_id is not None:  # `next_task` asks this on every call
        stmt, params["user"] = _ACTIVE_PAUSES_OF_USER, user_id
    return [
        Pause(
            id=r._mapping["id"],
            project_id=r._mapping["project_id"],
            user_id=r._mapping["user_id"],
            email=r._mapping["email"],
            reason=r._mapping["reason"],
            paused_at=r._mapping["paused_at"],
        )
        for r in db.execute(stmt, params).all()
    ]


# Built once (decision 0015).
_ACTIVE_PAUSES = (
    select(annotator_pauses, users.c.email)
    .join(users, users.c.id == annotator_pauses.c.user_id)
    .where(
        annotator_pauses.c.workspace_id == bindparam("ws"),
        annotator_pauses.c.project_id == bindparam("project"),
        annotator_pauses.c.lifted_at.is_(None),
    )
    .order_by(annotator_pauses.c.id)
)
_ACTIVE_PAUSES_OF_USER = _ACTIVE_PAUSES.where(annotator_pauses.c.user_id == bindparam("user"))


def add_pause(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, reason: str, now: datetime
) -> int:
    return int(
        db.execute(
            insert(annotator_pauses)
            .values(
                workspace_id=workspace_id,
                project_id=project_id,
                user_id=user_id,
                reason=reason[:500],
                paused_at=now,
            )
            .returning(annotator_pauses.c.id)
        ).scalar_one()
    )


def lift_pauses(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, now: datetime, by: int
) -> int:
    """Lift the user's active pause in the project; returns how many were lifted."""
    result = db.execute(
        update(annotator_pauses)
        .where(
            annotator_pauses.c.workspace_id == workspace_id,
            annotator_pauses.c.project_id == project_id,
            annotator_pauses.c.user_id == user_id,
            annotator_pauses.c.lifted_at.is_(None),
        )
        .values(lifted_at=now, lifted_by=by)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def last_lift(db: Session, *, workspace_id: int, project_id: int, user_id: int) -> datetime | None:
    """When a manager last lifted this user's pause here: the gold rule counts from then."""
    rows = db.execute(
        select(annotator_pauses.c.lifted_at)
        .where(
            annotator_pauses.c.workspace_id == workspace_id,
            annotator_pauses.c.project_id == project_id,
            annotator_pauses.c.user_id == user_id,
            annotator_pauses.c.lifted_at.is_not(None),
        )
        .order_by(annotator_pauses.c.lifted_at.desc())
        .limit(1)
    ).first()
    return None if rows is None else cast(datetime, rows[0])


# -- answers --------------------------------------------------------------------------------


def _answer(db: Session, workspace_id: int, m: RowMapping) -> Answer:
    value = open_json(
        db,
        workspace_id,
        Purpose.ANNOTATION_VALUE,
        annotation_row(cast(int, m["assignment_id"])),
        cast(bytes, m["value"]),
    )
    return Answer(
        item_id=cast(int, m["item_id"]),
        user_id=cast(int, m["user_id"]),
        value=cast(dict[str, object], value),
        created_at=cast(datetime, m["created_at"]),
    )


def _not_rejected() -> ColumnElement[bool]:
    """Answers a reviewer rejected to the pool no longer count (review queue, decision 0012)."""
    return ~(
        select(reviews.c.id)
        .where(
            reviews.c.annotation_id == annotation_table.c.id,
            reviews.c.status == "rejected",
        )
        .exists()
    )


_ANSWER_COLUMNS = (
    annotation_table.c.id,
    annotation_table.c.item_id,
    annotation_table.c.user_id,
    annotation_table.c.assignment_id,
    annotation_table.c.value,
    annotation_table.c.created_at,
)


def gold_answers(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    user_id: int | None = None,
    since: datetime | None = None,
) -> list[Answer]:
    """Answers given on the project's gold items (one user's, after `since`, when given)."""
    stmt = (
        select(*_ANSWER_COLUMNS)
        .join(items, items.c.id == annotation_table.c.item_id)
        .where(
            annotation_table.c.workspace_id == workspace_id,
            annotation_table.c.project_id == project_id,
            items.c.status == ItemStatus.GOLD.value,
        )
        .order_by(annotation_table.c.id)
    )
    if user_id is not None:
        stmt = stmt.where(annotation_table.c.user_id == user_id)
    if since is not None:
        stmt = stmt.where(annotation_table.c.created_at > since)
    return [_answer(db, workspace_id, r._mapping) for r in db.execute(stmt).all()]


def item_answers(db: Session, *, workspace_id: int, item_id: int) -> list[Answer]:
    stmt = (
        select(*_ANSWER_COLUMNS)
        .where(
            annotation_table.c.workspace_id == workspace_id,
            annotation_table.c.item_id == item_id,
            _not_rejected(),
        )
        .order_by(annotation_table.c.id)
    )
    return [_answer(db, workspace_id, r._mapping) for r in db.execute(stmt).all()]


def iter_project_answers(
    db: Session, *, workspace_id: int, project_id: int, batch_size: int = 2000
) -> Iterator[Answer]:
    """Every answer of the project in id order, a keyset batch at a time."""
    after = 0
    while True:
        rows = db.execute(
            select(*_ANSWER_COLUMNS)
            .where(
                annotation_table.c.workspace_id == workspace_id,
                annotation_table.c.project_id == project_id,
                annotation_table.c.id > after,
                _not_rejected(),
            )
            .order_by(annotation_table.c.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        for r in rows:
            yield _answer(db, workspace_id, r._mapping)
        after = rows[-1][0]


def user_emails(db: Session, *, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.execute(select(users.c.id, users.c.email).where(users.c.id.in_(user_ids))).all()
    return {int(r[0]): str(r[1]) for r in rows}


# -- results --------------------------------------------------------------------------------


def replace_results(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    results: Sequence[StoredResult],
    now: datetime,
    item_id: int | None = None,
) -> None:
    """Store results, replacing the project's earlier ones (or one item's, given `item_id`)."""
    stmt = delete(quality_results).where(
        quality_results.c.workspace_id == workspace_id,
        quality_results.c.project_id == project_id,
    )
    if item_id is not None:
        stmt = stmt.where(quality_results.c.item_id == item_id)
    db.execute(stmt)
    rows = [
        {
            "workspace_id": workspace_id,
            "project_id": project_id,
            "item_id": r.item_id,
            "question": r.question,
            "value": seal_json(
                db, workspace_id, Purpose.QUALITY_RESULT, result_row(r.item_id, r.question), r.value
            ),
            "confidence": r.confidence,
            "method": r.method,
            "n_answers": r.n_answers,
            "updated_at": now,
        }
        for r in results
    ]
    if not rows:
        return
    # An upsert, not a plain insert: a submit's live result for one item and a full run may
    # write the same (item, question) at once, and neither must fail (the later one wins).
    dialect = sqlite if is_sqlite(db) else postgresql
    stmt = dialect.insert(quality_results)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "question"],
        set_={
            c: stmt.excluded[c]
            for c in ("value", "confidence", "method", "n_answers", "updated_at")
        },
    )
    for start in range(0, len(rows), 1000):
        db.execute(stmt, rows[start : start + 1000])


def _result(db: Session, workspace_id: int, m: RowMapping) -> StoredResult:
    item_id, question = cast(int, m["item_id"]), cast(str, m["question"])
    value = open_json(
        db,
        workspace_id,
        Purpose.QUALITY_RESULT,
        result_row(item_id, question),
        cast(bytes, m["value"]),
    )
    return StoredResult(
        item_id=item_id,
        question=question,
        value=value,
        confidence=float(cast(float, m["confidence"])),
        method=cast(str, m["method"]),
        n_answers=cast(int, m["n_answers"]),
    )


def results_for_items(
    db: Session, *, workspace_id: int, item_ids: Sequence[int]
) -> dict[int, list[StoredResult]]:
    out: dict[int, list[StoredResult]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    rows = db.execute(
        select(quality_results)
        .where(
            quality_results.c.workspace_id == workspace_id,
            quality_results.c.item_id.in_(item_ids),
        )
        .order_by(quality_results.c.item_id, quality_results.c.id)
    ).all()
    for r in rows:
        res = _result(db, workspace_id, r._mapping)
        out[res.item_id].append(res)
    return out


def result_item_page(
    db: Session, *, workspace_id: int, project_id: int, after_item_id: int, limit: int
) -> list[int]:
    """Ids of the next `limit` items that have results, after `after_item_id` (keyset)."""
    rows = db.execute(
        select(quality_results.c.item_id)
        .where(
            quality_results.c.workspace_id == workspace_id,
            quality_results.c.project_id == project_id,
            quality_results.c.item_id > after_item_id,
        )
        .group_by(quality_results.c.item_id)
        .order_by(quality_results.c.item_id)
        .limit(limit)
    ).all()
    return [int(r[0]) for r in rows]


def confidences(db: Session, *, workspace_id: int, project_id: int) -> list[tuple[str, float]]:
    """(question, confidence) of every stored result: the histogram's input, no values."""
    rows = db.execute(
        select(quality_results.c.question, quality_results.c.confidence).where(
            quality_results.c.workspace_id == workspace_id,
            quality_results.c.project_id == project_id,
        )
    ).all()
    return [(str(r[0]), float(r[1])) for r in rows]


# -- skills and runs ------------------------------------------------------------------------


def replace_skills(
    db: Session, *, workspace_id: int, project_id: int, skills: Sequence[Skill], now: datetime
) -> None:
    db.execute(
        delete(annotator_skills).where(
            annotator_skills.c.workspace_id == workspace_id,
            annotator_skills.c.project_id == project_id,
        )
    )
    rows = [
        {
            "workspace_id": workspace_id,
            "project_id": project_id,
            "user_id": s.user_id,
            "question": s.question,
            "method": s.method,
            "skill": s.skill,
            "n_answers": s.n_answers,
            "confusion": None if s.confusion is None else json.dumps(s.confusion),
            "updated_at": now,
        }
        for s in skills
    ]
    if rows:
        db.execute(insert(annotator_skills), rows)


def list_skills(
    db: Session, *, workspace_id: int, project_id: int, user_ids: Sequence[int] | None = None
) -> list[Skill]:
    stmt = (
        select(annotator_skills, users.c.email)
        .join(users, users.c.id == annotator_skills.c.user_id)
        .where(
            annotator_skills.c.workspace_id == workspace_id,
            annotator_skills.c.project_id == project_id,
        )
        .order_by(users.c.email, annotator_skills.c.question)
    )
    if user_ids is not None:
        stmt = stmt.where(annotator_skills.c.user_id.in_(user_ids))
    out = []
    for r in db.execute(stmt).all():
        m = r._mapping
        out.append(
            Skill(
                user_id=m["user_id"],
                email=m["email"],
                question=m["question"],
                method=m["method"],
                skill=m["skill"],
                n_answers=m["n_answers"],
                confusion=None if m["confusion"] is None else json.loads(m["confusion"]),
            )
        )
    return out


def add_run(
    db: Session, *, workspace_id: int, project_id: int, summary: Mapping[str, object], now: datetime
) -> int:
    return int(
        db.execute(
            insert(quality_runs)
            .values(
                workspace_id=workspace_id,
                project_id=project_id,
                summary=json.dumps(summary),
                created_at=now,
            )
            .returning(quality_runs.c.id)
        ).scalar_one()
    )


def latest_run(
    db: Session, *, workspace_id: int, project_id: int
) -> tuple[datetime, dict[str, object]] | None:
    row = db.execute(
        select(quality_runs.c.created_at, quality_runs.c.summary)
        .where(
            quality_runs.c.workspace_id == workspace_id,
            quality_runs.c.project_id == project_id,
        )
        .order_by(quality_runs.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return cast(datetime, row[0]), cast(dict[str, object], json.loads(row[1]))


def external_ids(db: Session, *, workspace_id: int, item_ids: Sequence[int]) -> dict[int, str]:
    """Items' external ids (no content is opened)."""
    if not item_ids:
        return {}
    rows = db.execute(
        select(items.c.id, items.c.external_id).where(
            items.c.workspace_id == workspace_id, items.c.id.in_(item_ids)
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}
