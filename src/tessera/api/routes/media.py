"""Routes for media: upload an image into a project, fetch one by id."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.errors import InvalidInput, TooLarge
from tessera.services import media

router = APIRouter(tags=["media"])


class MediaPublic(BaseModel):
    id: int
    src: str
    content_type: str
    size_bytes: int
    sha256: str


@router.post(
    "/workspaces/{workspace_id}/projects/{project_id}/media",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
)
async def upload_media(
    workspace_id: int, project_id: int, request: Request, db: SessionDep, user: CurrentUser
) -> MediaPublic:
    """Upload a PNG, JPEG, GIF or WebP image (multipart field `file`, or the raw body).

    The type is read from the bytes, not from the request; use the returned `src`
    (`media:<id>`) in an item's image field. 413 above the size limit, 415 for other files.
    """
    limit: int = request.app.state.settings.max_media_bytes
    data = await _read_upload(request, limit)
    stored = await run_in_threadpool(
        media.upload_media,
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        data=data,
        max_bytes=limit,
    )
    return MediaPublic(
        id=stored.id,
        src=stored.src,
        content_type=stored.content_type.value,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )


async def _read_upload(request: Request, limit: int) -> bytes:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("send the image as the multipart field 'file'", field="file")
        data = await upload.read(limit + 1)
    else:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"media is larger than {limit} bytes")
            chunks.append(chunk)
        data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(f"media is larger than {limit} bytes")
    return data


@router.get(
    "/workspaces/{workspace_id}/media/{media_id}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/gif": {}}}},
)
def fetch_media(workspace_id: int, media_id: int, db: SessionDep, user: CurrentUser) -> Response:
    """The image's bytes with the type chosen at upload; every fetch is on the ledger."""
    found = media.fetch_media(db, actor=user, workspace_id=workspace_id, media_id=media_id)
    return Response(content=found.data, headers=media.serving_headers(found.media))
