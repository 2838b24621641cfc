"""Media for the browser: an uploaded image by id, with the web session's access rules."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from tessera.services import media
from tessera.web.auth import CurrentSession, SessionDep

router = APIRouter(include_in_schema=False)


@router.get("/w/{wid}/media/{mid}")
def media_file(wid: int, mid: int, db: SessionDep, session: CurrentSession) -> Response:
    """The image's bytes (the annotate page's <img src>); each fetch is on the ledger."""
    found = media.fetch_media(db, actor=session.user, workspace_id=wid, media_id=mid)
    return Response(content=found.data, headers=media.serving_headers(found.media))
