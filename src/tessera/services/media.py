"""Media: upload images into a project (sniffed, sealed) and fetch them, every read recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tessera.domain.entities import User
from tessera.domain.errors import InvalidInput, NotFound, TooLarge
from tessera.domain.label_schema import FieldType, LabelSchema
from tessera.domain.media import Media, media_id_of, sniff_media_type
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize, authorize_media_fetch
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import media as media_repo
from tessera.storage.repositories import projects as project_repo

DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class MediaFile:
    """An upload's record and its bytes, as fetched."""

    media: Media
    data: bytes


def upload_media(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    data: bytes,
    max_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
) -> Media:
    """Store an image for the project's items; the same bytes uploaded again give the same id.

    Raises:
        TooLarge: more than `max_bytes`.
        UnsupportedMediaType: not PNG, JPEG, GIF or WebP by its first bytes.
        InvalidInput: empty.
    """
    if len(data) > max_bytes:
        raise TooLarge(f"media is larger than {max_bytes} bytes")
    if not data:
        raise InvalidInput("the upload is empty", field="file")
    content_type = sniff_media_type(data)
    digest = hashlib.sha256(data).hexdigest()
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.IMPORT_ITEMS)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        found = media_repo.find_media_by_hash(
            db, workspace_id=workspace_id, project_id=project_id, sha256=digest
        )
        if found is not None:
            return found
        stored = media_repo.add_media(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            content_type=content_type,
            data=data,
            sha256=digest,
            created_by=actor.id,
            now=utcnow(),
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="media.uploaded",
            object_type="media",
            object_id=stored.id,
            detail={
                "project_id": project_id,
                "content_type": content_type.value,
                "size_bytes": len(data),
            },
        )
        return stored


def fetch_media(db: Session, *, actor: User, workspace_id: int, media_id: int) -> MediaFile:
    """The bytes of one upload, for a member allowed to see it; recorded as `media.fetched`.

    Another workspace's id, and for an annotator a media of an item never assigned to them,
    raise NotFound like a missing id.
    """
    with write_transaction(db):  # a write only for the ledger: the fetch reads content
        try:
            authorize_media_fetch(db, actor=actor, workspace_id=workspace_id, media_id=media_id)
        except NotFound:
            raise NotFound("media", media_id) from None
        meta = media_repo.get_media(db, workspace_id=workspace_id, media_id=media_id)
        data = media_repo.read_media_bytes(db, workspace_id=workspace_id, media_id=media_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="media.fetched",
            object_type="media",
            object_id=media_id,
            detail={"project_id": meta.project_id},
        )
        return MediaFile(media=meta, data=data)


def media_refs_of(
    schema: LabelSchema, content: Mapping[str, object], *, line: int | None = None
) -> list[int]:
    """The media ids an item's image fields point at; anything but `media:<id>` is refused.

    Raises:
        InvalidInput: an image field given as an external URL, a path or a malformed id.
    """
    ids: list[int] = []
    for f in schema.fields:
        if f.type is not FieldType.IMAGE:
            continue
        value = content.get(f.name)
        ref = value.get("src") if isinstance(value, Mapping) else value
        path = f"{f.name}.src" if isinstance(value, Mapping) else f.name
        if not isinstance(ref, str):
            raise InvalidInput("must be a media:<id> reference", field=path, line=line)
        ids.append(media_id_of(ref, field=path, line=line))
    return ids


def check_media_exist(
    db: Session, *, workspace_id: int, refs: Mapping[int, int | None], field: str = "image"
) -> None:
    """Refuse references to media this workspace does not hold (`refs`: media id -> line)."""
    found = media_repo.existing_media_ids(db, workspace_id=workspace_id, media_ids=list(refs))
    for media_id, line in refs.items():
        if media_id not in found:
            raise InvalidInput(
                f"media:{media_id} is not an upload of this workspace", field=field, line=line
            )


def serving_headers(media: Media) -> dict[str, str]:
    """Response headers for media bytes: the stored type, inline only under a sandboxing
    policy that lets the document run and load nothing, cached by the browser only.

    `X-Content-Type-Options: nosniff` comes with every response (`api.limits.SecurityHeaders`).
    """
    return {
        "Content-Type": media.content_type.value,
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": f'inline; filename="media-{media.id}"',
        "Cache-Control": "private, max-age=300",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
