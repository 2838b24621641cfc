"""Media: sealed image bytes per workspace, and which items show them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tessera.domain.errors import NotFound
from tessera.domain.media import Media, MediaType
from tessera.storage.cipher import Purpose, cipher_of, key_loader, media_row
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, assignments, item_media, items, media

_META = (
    media.c.id,
    media.c.workspace_id,
    media.c.project_id,
    media.c.content_type,
    media.c.size_bytes,
    media.c.sha256,
    media.c.created_at,
)


def _to_media(row: AnyRow) -> Media:
    m = row._mapping
    return Media(
        id=m["id"],
        workspace_id=m["workspace_id"],
        project_id=m["project_id"],
        content_type=MediaType(m["content_type"]),
        size_bytes=int(m["size_bytes"]),
        sha256=m["sha256"],
        created_at=m["created_at"],
    )


def add_media(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    content_type: MediaType,
    data: bytes,
    sha256: str,
    created_by: int | None,
    now: datetime,
) -> Media:
    """Store the bytes sealed with the workspace key, bound to the new row's id.

    The id is known only after the insert, so the row is written with an empty body first and
    sealed in the same transaction: no reader ever sees it unsealed or unbound.
    """
    media_id = db.execute(
        insert(media)
        .values(
            workspace_id=workspace_id,
            project_id=project_id,
            content_type=content_type.value,
            size_bytes=len(data),
            sha256=sha256,
            content=b"",
            created_by=created_by,
            created_at=now,
        )
        .returning(media.c.id)
    ).scalar_one()
    sealed = cipher_of(db).seal(
        workspace_id,
        Purpose.MEDIA_CONTENT.value,
        media_row(media_id),
        data,
        key_loader(db, workspace_id),
    )
    db.execute(update(media).where(media.c.id == media_id).values(content=sealed))
    return Media(
        id=media_id,
        workspace_id=workspace_id,
        project_id=project_id,
        content_type=content_type,
        size_bytes=len(data),
        sha256=sha256,
        created_at=now,
    )


def find_media_by_hash(
    db: Session, *, workspace_id: int, project_id: int, sha256: str
) -> Media | None:
    """The project's earlier upload of the same bytes (uploads are idempotent)."""
    row = db.execute(
        select(*_META)
        .where(
            media.c.workspace_id == workspace_id,
            media.c.project_id == project_id,
            media.c.sha256 == sha256,
        )
        .order_by(media.c.id)
        .limit(1)
    ).first()
    return None if row is None else _to_media(row)


def get_media(db: Session, *, workspace_id: int, media_id: int) -> Media:
    row = db.execute(
        select(*_META).where(media.c.id == media_id, media.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        raise NotFound("media", media_id)
    return _to_media(row)


def read_media_bytes(db: Session, *, workspace_id: int, media_id: int) -> bytes:
    """The opened bytes of one upload of this workspace."""
    sealed = db.execute(
        select(media.c.content).where(media.c.id == media_id, media.c.workspace_id == workspace_id)
    ).scalar_one_or_none()
    if sealed is None:
        raise NotFound("media", media_id)
    return cipher_of(db).open(
        workspace_id,
        Purpose.MEDIA_CONTENT.value,
        media_row(media_id),
        bytes(sealed),
        key_loader(db, workspace_id),
    )


def existing_media_ids(db: Session, *, workspace_id: int, media_ids: Collection[int]) -> set[int]:
    """Which of these ids are uploads of this workspace."""
    if not media_ids:
        return set()
    rows = db.execute(
        select(media.c.id).where(media.c.workspace_id == workspace_id, media.c.id.in_(media_ids))
    ).all()
    return {int(r[0]) for r in rows}


def link_items_to_media(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    refs: Iterable[tuple[str, int]],
) -> None:
    """Record which items (by external id) show which media; links that exist are kept."""
    pairs = list(refs)
    if not pairs:
        return
    external_ids = {e for e, _ in pairs}
    id_of = dict(
        db.execute(
            select(items.c.external_id, items.c.id).where(
                items.c.workspace_id == workspace_id,
                items.c.project_id == project_id,
                items.c.external_id.in_(external_ids),
            )
        ).all()
    )
    rows = [
        {"workspace_id": workspace_id, "item_id": id_of[e], "media_id": m}
        for e, m in sorted(set(pairs))
        if e in id_of
    ]
    if not rows:
        return
    dialect_insert = sqlite.insert if is_sqlite(db) else postgresql.insert
    stmt = dialect_insert(item_media).on_conflict_do_nothing(index_elements=["item_id", "media_id"])
    db.execute(stmt, rows)


def is_media_of_users_items(db: Session, *, workspace_id: int, media_id: int, user_id: int) -> bool:
    """Whether the media belongs to an item this user was ever assigned (live or in history)."""
    row = db.execute(
        select(item_media.c.item_id)
        .join(assignments, assignments.c.item_id == item_media.c.item_id)
        .where(
            item_media.c.workspace_id == workspace_id,
            item_media.c.media_id == media_id,
            assignments.c.workspace_id == workspace_id,
            assignments.c.user_id == user_id,
        )
        .limit(1)
    ).first()
    return row is not None
