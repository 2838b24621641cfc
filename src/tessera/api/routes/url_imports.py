"""Route for importing a project's items from a URL, fetched through the SSRF guard."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tessera.api.deps import CurrentUser, SessionDep
from tessera.formats import ImportFormat
from tessera.schemas.projects import ImportResult, UrlImportCreate
from tessera.security.outbound import OutboundPolicy
from tessera.services import url_imports

router = APIRouter(tags=["projects"])


@router.post("/workspaces/{workspace_id}/projects/{project_id}/items/import-url")
def import_items_from_url(
    workspace_id: int,
    project_id: int,
    body: UrlImportCreate,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
) -> ImportResult:
    """Download a JSON, JSONL or CSV file from an http(s) URL and import it, all or nothing.

    Only public addresses are fetched (no private, loopback, link-local or reserved ones,
    after every redirect too); the file is capped at the upload limit (413 past it). The
    format comes from `format`, else the URL's extension, else the response's Content-Type.
    """
    policy = getattr(request.app.state, "outbound_policy", None)
    report = url_imports.import_from_url(
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        url=body.url,
        fmt=ImportFormat(body.format) if body.format else None,
        policy=policy if isinstance(policy, OutboundPolicy) else OutboundPolicy(),
        max_bytes=request.app.state.settings.max_upload_bytes,
    )
    return ImportResult(read=report.read, created=report.created, existing=report.existing)
