"""Import items from a URL: authorize, fetch through the SSRF guard, then import as a file."""

from __future__ import annotations

import posixpath
import tempfile
from typing import BinaryIO, cast
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tessera.domain.entities import ImportReport, User
from tessera.domain.errors import InvalidInput
from tessera.formats import ImportFormat, detect_format
from tessera.security.outbound import OutboundPolicy, fetch_to_file
from tessera.services.imports import Progress, import_items
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import projects as project_repo

SPOOL_IN_MEMORY_BYTES = 1024 * 1024


def import_from_url(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    url: str,
    fmt: ImportFormat | None,
    policy: OutboundPolicy,
    max_bytes: int,
    progress: Progress | None = None,
) -> ImportReport:
    """Download a JSON, JSONL or CSV file and import it like an uploaded one.

    The caller's right to import and the project are checked before any request leaves the
    server, so a member who may not import cannot use this to probe the network. The body is
    spooled to a temporary file (memory up to 1 MiB, disk beyond) and capped at `max_bytes`.

    Args:
        fmt: the file's format; None detects it from the URL's extension, else the
            response's Content-Type.
        policy: where the server may connect (see `tessera.security.outbound`).

    Raises:
        NotFound: the workspace or project is not visible to the actor.
        Forbidden: the actor may not import items.
        InvalidInput: on field `url` (refused or failed fetch) or `format`, or a bad record.
        TooLarge: the file is larger than `max_bytes`.
    """
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.IMPORT_ITEMS)
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        stream = cast(BinaryIO, spool)
        fetched = fetch_to_file(url, stream, policy=policy, max_bytes=max_bytes)
        chosen = fmt or _detect(url, fetched.final_url, fetched.content_type)
        if chosen is None:
            raise InvalidInput(
                "say the format (json, jsonl or csv): neither the URL nor the Content-Type does",
                field="format",
            )
        stream.seek(0)
        return import_items(
            db,
            actor=actor,
            workspace_id=workspace_id,
            project_id=project_id,
            stream=stream,
            fmt=chosen,
            progress=progress,
        )


def _detect(url: str, final_url: str, content_type: str | None) -> ImportFormat | None:
    """The format named by the final URL's extension, the first URL's, else the content type."""
    for candidate in (final_url, url):
        name = posixpath.basename(urlsplit(candidate).path)
        found = detect_format(name, None)
        if found is not None:
            return found
    return detect_format(None, content_type)
