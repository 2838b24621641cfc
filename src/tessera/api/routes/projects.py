"""Routes for projects, their items, imports and exports."""

from __future__ import annotations

import dataclasses
import tempfile
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from tessera.api.deps import BearerCaller, CurrentUser, DatabaseDep, SessionDep
from tessera.api.responses import stored_json_response
from tessera.domain.entities import ItemStatus, ListedItem, Project, ServingOrder
from tessera.domain.errors import InvalidInput, TooLarge
from tessera.domain.quality_rules import QualitySettings
from tessera.formats import ImportFormat, detect_format
from tessera.schemas.common import Page
from tessera.schemas.label_schemas import UnsupportedTag
from tessera.schemas.projects import (
    Guidelines,
    ImportResult,
    ItemPublic,
    ProjectCounts,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
)
from tessera.schemas.quality import QUALITY_SETTINGS
from tessera.services import imports, projects
from tessera.services import schemas as schema_service
from tessera.services.exports import ExportFormat, open_export
from tessera.services.schemas import SchemaFormat

router = APIRouter(tags=["projects"])
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
ProjectPath = "/workspaces/{workspace_id}/projects/{project_id}"


def project_public(p: Project) -> ProjectPublic:
    return ProjectPublic(
        id=p.id,
        workspace_id=p.workspace_id,
        name=p.name,
        description=p.description,
        label_schema=p.label_schema.to_dict(),
        schema_version=p.schema_version,
        annotations_per_item=p.annotations_per_item,
        lease_ttl_s=p.lease_ttl_s,
        counts=ProjectCounts(
            items=p.counts.items,
            done=p.counts.done,
            annotations=p.counts.annotations,
            progress=p.counts.progress,
        ),
        created_at=p.created_at,
        serving_order=p.serving_order.value,
        max_items_per_annotator=p.max_items_per_annotator,
        is_blind=p.is_blind,
        **dataclasses.asdict(p.quality),
        review_rate=p.review_rate,
    )


@router.get("/workspaces/{workspace_id}/projects")
def list_projects(workspace_id: int, db: SessionDep, user: CurrentUser) -> list[ProjectPublic]:
    return [
        project_public(p) for p in projects.list_projects(db, actor=user, workspace_id=workspace_id)
    ]


@router.post("/workspaces/{workspace_id}/projects", status_code=201)
def create_project(
    workspace_id: int, body: ProjectCreate, db: SessionDep, user: CurrentUser
) -> ProjectPublic:
    """Create a project with its label schema (`fields` and `questions`).

    The schema may also be text: JSON, YAML or a Label Studio XML config (`schema_format`,
    guessed when absent); Label Studio tags that do not map are listed in `schema_unsupported`.
    """
    fmt = SchemaFormat(body.schema_format) if body.schema_format else None
    imported = schema_service.read_schema(body.label_schema, fmt)
    p = projects.create_project(
        db,
        actor=user,
        workspace_id=workspace_id,
        name=body.name,
        description=body.description,
        label_schema=imported.schema.to_dict(),
        annotations_per_item=body.annotations_per_item,
        lease_ttl_s=body.lease_ttl_s,
        guidelines=body.guidelines,
        serving_order=ServingOrder(body.serving_order),
        max_items_per_annotator=body.max_items_per_annotator,
        is_blind=body.is_blind,
        quality=QualitySettings(**body.model_dump(include=set(QUALITY_SETTINGS))),
        review_rate=body.review_rate,
    )
    out = project_public(p)
    if isinstance(body.label_schema, str):
        out.schema_unsupported = [
            UnsupportedTag(tag=u.tag, name=u.name, reason=u.reason) for u in imported.unsupported
        ]
    return out


@router.get(ProjectPath)
def read_project(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> ProjectPublic:
    p = projects.get_project(db, actor=user, workspace_id=workspace_id, project_id=project_id)
    return project_public(p)


@router.patch(ProjectPath)
def update_project(
    workspace_id: int, project_id: int, body: ProjectUpdate, db: SessionDep, user: CurrentUser
) -> ProjectPublic:
    """Change settings; `"max_items_per_annotator": null` removes the cap."""
    changes = body.model_dump(exclude_unset=True)
    if "serving_order" in changes and changes["serving_order"] is not None:
        changes["serving_order"] = ServingOrder(changes["serving_order"])
    if "max_items_per_annotator" in changes and changes["max_items_per_annotator"] is None:
        changes["clear_max_items"] = True
    quality = {k: changes.pop(k) for k in QUALITY_SETTINGS if k in changes}
    if quality:
        changes["quality"] = quality
    p = projects.update_project(
        db, actor=user, workspace_id=workspace_id, project_id=project_id, **changes
    )
    return project_public(p)


@router.get(ProjectPath + "/guidelines")
def read_guidelines(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> Guidelines:
    """The project's guidelines (stored encrypted), for every member."""
    text = projects.get_guidelines(db, actor=user, workspace_id=workspace_id, project_id=project_id)
    return Guidelines(guidelines=text)


@router.get(ProjectPath + "/items", response_model=Page[ItemPublic])
def list_items(
    workspace_id: int,
    project_id: int,
    db: SessionDep,
    caller: BearerCaller,
    status: Annotated[ItemStatus | None, Query()] = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Items in id order, `limit` at a time; pass `next_after` as `after` for the next page.

    Pipelines page through whole projects: one thread-pool turn per page (decision 0015).
    """
    page = projects.list_items(
        db,
        actor=caller,
        workspace_id=workspace_id,
        project_id=project_id,
        status=status,
        after_id=after,
        limit=limit,
    )
    next_after = page[-1].id if len(page) == limit else None
    return stored_json_response({"items": [_listed(i) for i in page], "next_after": next_after})


def _listed(i: ListedItem) -> dict[str, object]:
    """`ItemPublic`'s fields, the content passed on as the JSON text it is stored as."""
    return {
        "id": i.id,
        "external_id": i.external_id,
        "data": orjson.Fragment(i.content_json),
        "status": i.status.value,
        "priority": i.priority,
        "submitted_count": i.submitted_count,
        "created_at": i.created_at,
        "overlap_override": i.overlap_override,
        "prediction_score": i.prediction_score,
    }


@router.post(
    ProjectPath + "/items/import",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
async def import_items(
    workspace_id: int,
    project_id: int,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    format: Annotated[ImportFormat | None, Query()] = None,
) -> ImportResult:
    """Import a JSON array, JSONL or CSV body; idempotent by `external_id`, all or nothing.

    The body is spooled to a temporary file as it arrives (constant memory, 413 past the
    limit), then parsed and inserted in batches in one transaction.
    """
    fmt = format or detect_format(None, request.headers.get("content-type"))
    if fmt is None:
        raise InvalidInput(
            "say the format with ?format=json|jsonl|csv or a Content-Type", field="format"
        )
    limit: int = request.app.state.settings.max_upload_bytes
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"request body is larger than {limit} bytes")
            spool.write(chunk)
        spool.seek(0)
        report = await run_in_threadpool(
            imports.import_items,
            db,
            actor=user,
            workspace_id=workspace_id,
            project_id=project_id,
            stream=spool,  # type: ignore[arg-type]
            fmt=fmt,
        )
    return ImportResult(read=report.read, created=report.created, existing=report.existing)


@router.get(
    ProjectPath + "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
def export(
    workspace_id: int,
    project_id: int,
    database: DatabaseDep,
    user: CurrentUser,
    format: Annotated[ExportFormat, Query()] = ExportFormat.JSONL,
) -> StreamingResponse:
    """Every item with every individual annotation, streamed as JSONL or CSV."""
    download = open_export(
        database, actor=user, workspace_id=workspace_id, project_id=project_id, fmt=format
    )
    return StreamingResponse(
        download.chunks,
        media_type=download.media_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
