"""Review rounds of annotations: the queue, its leases, decisions and the counts over them."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tessera.domain.errors import NotFound
from tessera.domain.reviews import (
    AnnotatorReviewStats,
    Review,
    ReviewProgress,
    ReviewSource,
    ReviewStatus,
)
from tessera.storage.cipher import Purpose, open_json, review_row, seal_json
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, reviews, users
from tessera.storage.tables import annotations as annotation_table

_OPEN = [ReviewStatus.PENDING.value, ReviewStatus.RETURNED.value]


def _open_sealed(db: Session, m: RowMapping, column: str, purpose: Purpose) -> object:
    sealed = m[column]
    if sealed is None:
        return None
    return open_json(db, m["workspace_id"], purpose, review_row(m["id"]), sealed)


def _to_review(db: Session, row: AnyRow) -> Review:
    m = row._mapping
    reason = _open_sealed(db, m, "reason", Purpose.REVIEW_REASON)
    fixed = _open_sealed(db, m, "fixed_value", Purpose.REVIEW_FIXED_VALUE)
    return Review(
        id=m["id"],
        workspace_id=m["workspace_id"],
        project_id=m["project_id"],
        item_id=m["item_id"],
        annotation_id=m["annotation_id"],
        annotator_id=m["annotator_id"],
        status=ReviewStatus(m["status"]),
        source=ReviewSource(m["source"]),
        created_at=m["created_at"],
        reviewer_id=m["reviewer_id"],
        leased_by=m["leased_by"],
        lease_expires_at=m["lease_expires_at"],
        reason=None if reason is None else str(reason),
        fixed_value=None if fixed is None else cast(dict[str, object], fixed),
        decided_at=m["decided_at"],
    )


def add_review(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    item_id: int,
    annotation_id: int,
    annotator_id: int,
    source: ReviewSource,
    now: datetime,
) -> int:
    """Queue one annotation for review (the caller knows it has no open round)."""
    return int(
        db.execute(
            reviews.insert()
            .values(
                workspace_id=workspace_id,
                project_id=project_id,
                item_id=item_id,
                annotation_id=annotation_id,
                annotator_id=annotator_id,
                status=ReviewStatus.PENDING.value,
                source=source.value,
                created_at=now,
            )
            .returning(reviews.c.id)
        ).scalar_one()
    )


def enqueue_annotations(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    annotation_ids: Sequence[int] | None,
    annotator_id: int | None,
    now: datetime,
) -> int:
    """Queue the chosen annotations of the project (by id, or all of one annotator's) in one
    statement; those with an open round or rejected to the pool are left as they are.

    Returns how many were queued. Two managers doing this at once queue each annotation once:
    the unique index on open rounds turns the second insert into nothing.
    """
    a = annotation_table
    dead = select(reviews.c.id).where(
        reviews.c.annotation_id == a.c.id,
        reviews.c.status.in_([*_OPEN, ReviewStatus.REJECTED.value]),
    )
    chosen = select(
        a.c.workspace_id,
        a.c.project_id,
        a.c.item_id,
        a.c.id,
        a.c.user_id,
        literal(ReviewStatus.PENDING.value),
        literal(ReviewSource.REQUESTED.value),
        literal(now, type_=reviews.c.created_at.type),
    ).where(a.c.workspace_id == workspace_id, a.c.project_id == project_id, ~exists(dead))
    if annotation_ids is not None:
        chosen = chosen.where(a.c.id.in_(annotation_ids))
    if annotator_id is not None:
        chosen = chosen.where(a.c.user_id == annotator_id)
    columns = [
        "workspace_id",
        "project_id",
        "item_id",
        "annotation_id",
        "annotator_id",
        "status",
        "source",
        "created_at",
    ]
    dialect: Any = sqlite if is_sqlite(db) else postgresql
    stmt = (
        dialect.insert(reviews)
        .from_select(columns, chosen)
        .on_conflict_do_nothing()
        .returning(reviews.c.id)
    )
    return len(db.execute(stmt).all())


def find_live_lease(
    db: Session, *, workspace_id: int, project_id: int, user_id: int, now: datetime
) -> Review | None:
    """The pending round this reviewer holds an unexpired lease on, if any."""
    row = db.execute(
        select(reviews)
        .where(
            reviews.c.workspace_id == workspace_id,
            reviews.c.project_id == project_id,
            reviews.c.status == ReviewStatus.PENDING.value,
            reviews.c.leased_by == user_id,
            reviews.c.lease_expires_at > now,
        )
        .order_by(reviews.c.id)
        .limit(1)
    ).first()
    return None if row is None else _to_review(db, row)


def lease_next(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    user_id: int,
    now: datetime,
    expires_at: datetime,
) -> Review | None:
    """Lease the oldest pending round that nobody holds and whose answer is not the reviewer's.

    On PostgreSQL rows another transaction has locked are skipped (`SKIP LOCKED`), so two
    reviewers asking at once get different rounds; SQLite serialises writers already.
    """
    stmt = (
        select(reviews.c.id)
        .where(
            reviews.c.workspace_id == workspace_id,
            reviews.c.project_id == project_id,
            reviews.c.status == ReviewStatus.PENDING.value,
            reviews.c.annotator_id != user_id,
            (reviews.c.leased_by.is_(None)) | (reviews.c.lease_expires_at <= now),
        )
        .order_by(reviews.c.id)
        .limit(1)
    )
    if not is_sqlite(db):
        stmt = stmt.with_for_update(skip_locked=True)
    review_id = db.execute(stmt).scalar_one_or_none()
    if review_id is None:
        return None
    db.execute(
        update(reviews)
        .where(reviews.c.id == review_id, reviews.c.workspace_id == workspace_id)
        .values(leased_by=user_id, lease_expires_at=expires_at)
    )
    return get_review(db, workspace_id=workspace_id, review_id=review_id)


def get_review(
    db: Session, *, workspace_id: int, review_id: int, for_update: bool = False
) -> Review:
    stmt = select(reviews).where(reviews.c.id == review_id, reviews.c.workspace_id == workspace_id)
    if for_update and not is_sqlite(db):
        stmt = stmt.with_for_update()
    row = db.execute(stmt).first()
    if row is None:
        raise NotFound("review", review_id)
    return _to_review(db, row)


def find_returned(
    db: Session,
    *,
    workspace_id: int,
    project_id: int | None = None,
    annotator_id: int,
    annotation_id: int | None = None,
    for_update: bool = False,
) -> Review | None:
    """The oldest round returned to this annotator (in a project, or for one annotation)."""
    stmt = _returned_statement(
        by_project=project_id is not None,
        by_annotation=annotation_id is not None,
        lock=for_update and not is_sqlite(db),
    )
    params = {"ws": workspace_id, "annotator": annotator_id}
    if project_id is not None:
        params["project"] = project_id
    if annotation_id is not None:
        params["annotation"] = annotation_id
    row = db.execute(stmt, params).first()
    return None if row is None else _to_review(db, row)


@functools.lru_cache(maxsize=8)
def _returned_statement(*, by_project: bool, by_annotation: bool, lock: bool) -> Select[Any]:
    """Built once per shape: `next_task` asks on every call (decision 0015)."""
    stmt = (
        select(reviews)
        .where(
            reviews.c.workspace_id == bindparam("ws"),
            reviews.c.annotator_id == bindparam("annotator"),
            reviews.c.status == ReviewStatus.RETURNED.value,
        )
        .order_by(reviews.c.id)
        .limit(1)
    )
    if by_project:
        stmt = stmt.where(reviews.c.project_id == bindparam("project"))
    if by_annotation:
        stmt = stmt.where(reviews.c.annotation_id == bindparam("annotation"))
    return stmt.with_for_update() if lock else stmt


def record_decision(
    db: Session,
    *,
    workspace_id: int,
    review_id: int,
    status: ReviewStatus,
    reviewer_id: int,
    reason: str | None,
    fixed_value: Mapping[str, object] | None,
    now: datetime,
) -> None:
    """Close a pending round with the reviewer's decision; reason and value are sealed."""
    row = review_row(review_id)
    db.execute(
        update(reviews)
        .where(reviews.c.id == review_id, reviews.c.workspace_id == workspace_id)
        .values(
            status=status.value,
            reviewer_id=reviewer_id,
            leased_by=None,
            lease_expires_at=None,
            decided_at=now,
            reason=None
            if reason is None
            else seal_json(db, workspace_id, Purpose.REVIEW_REASON, row, reason),
            fixed_value=None
            if fixed_value is None
            else seal_json(db, workspace_id, Purpose.REVIEW_FIXED_VALUE, row, dict(fixed_value)),
        )
    )


def mark_revised(
    db: Session, *, workspace_id: int, review_id: int, replaced_value: Mapping[str, object]
) -> None:
    """Close a returned round once its annotator has answered again, keeping the old answer."""
    sealed = seal_json(
        db, workspace_id, Purpose.REVIEW_REPLACED_VALUE, review_row(review_id), dict(replaced_value)
    )
    db.execute(
        update(reviews)
        .where(reviews.c.id == review_id, reviews.c.workspace_id == workspace_id)
        .values(status=ReviewStatus.REVISED.value, replaced_value=sealed)
    )


def latest_for_annotations(
    db: Session, *, workspace_id: int, annotation_ids: Sequence[int]
) -> dict[int, tuple[Review, str | None]]:
    """The latest round of each of these annotations that has one, with its reviewer's email."""
    if not annotation_ids:
        return {}
    latest = (
        select(func.max(reviews.c.id))
        .where(
            reviews.c.workspace_id == workspace_id,
            reviews.c.annotation_id.in_(annotation_ids),
        )
        .group_by(reviews.c.annotation_id)
    )
    rows = db.execute(
        select(reviews, users.c.email)
        .outerjoin(users, users.c.id == reviews.c.reviewer_id)
        .where(reviews.c.workspace_id == workspace_id, reviews.c.id.in_(latest))
    ).all()
    out: dict[int, tuple[Review, str | None]] = {}
    for r in rows:
        review = _to_review(db, r)
        out[review.annotation_id] = (review, r._mapping["email"])
    return out


def _count(status: ReviewStatus | Sequence[ReviewStatus]) -> Any:
    wanted = [status] if isinstance(status, ReviewStatus) else list(status)
    return func.sum(case((reviews.c.status.in_([s.value for s in wanted]), 1), else_=0))


_REJECTED = (ReviewStatus.REJECTED, ReviewStatus.RETURNED, ReviewStatus.REVISED)


def stats_by_annotator(
    db: Session, *, workspace_id: int, project_id: int
) -> list[AnnotatorReviewStats]:
    """Decided rounds per annotator of the project, by email."""
    rows = db.execute(
        select(
            reviews.c.annotator_id,
            users.c.email,
            _count(ReviewStatus.ACCEPTED),
            _count(_REJECTED),
            _count(ReviewStatus.FIXED),
        )
        .join(users, users.c.id == reviews.c.annotator_id)
        .where(reviews.c.workspace_id == workspace_id, reviews.c.project_id == project_id)
        .group_by(reviews.c.annotator_id, users.c.email)
        .order_by(users.c.email)
    ).all()
    return [
        AnnotatorReviewStats(
            user_id=int(r[0]),
            email=str(r[1]),
            accepted=int(r[2] or 0),
            rejected=int(r[3] or 0),
            fixed=int(r[4] or 0),
        )
        for r in rows
    ]


def progress(db: Session, *, workspace_id: int, project_id: int, now: datetime) -> ReviewProgress:
    """The project's rounds by state; `in_review` are pending rounds under a live lease."""
    leased = and_(
        reviews.c.status == ReviewStatus.PENDING.value,
        reviews.c.leased_by.is_not(None),
        reviews.c.lease_expires_at > now,
    )
    row = db.execute(
        select(
            _count(ReviewStatus.PENDING),
            func.sum(case((leased, 1), else_=0)),
            _count(ReviewStatus.RETURNED),
            _count(ReviewStatus.ACCEPTED),
            _count((ReviewStatus.REJECTED, ReviewStatus.REVISED)),
            _count(ReviewStatus.FIXED),
        ).where(reviews.c.workspace_id == workspace_id, reviews.c.project_id == project_id)
    ).one()
    n = [int(v or 0) for v in row]
    return ReviewProgress(
        pending=n[0], in_review=n[1], returned=n[2], accepted=n[3], rejected=n[4], fixed=n[5]
    )
