"""Workspace and project pages: lists with progress, the project page, import and export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from tessera.domain.entities import ImportReport, ProjectStats
from tessera.domain.errors import InvalidInput
from tessera.formats import detect_format
from tessera.services import imports, projects, review_stats, serving_admin, workspaces
from tessera.services.exports import ExportFormat, open_export
from tessera.services.policies import Action, can
from tessera.web.auth import CheckedSession, CurrentSession, SessionDep, WebSession
from tessera.web.templating import progress_of, render

router = APIRouter(include_in_schema=False)

ACCEPTED_UPLOADS = ".json,.jsonl,.ndjson,.csv"


def _page(
    request: Request, session: WebSession, name: str, *, status: int = 200, **context: object
) -> Response:
    return render(
        request,
        name,
        {"user": session.user, "csrf": session.csrf_token, **context},
        status=status,
    )


def _project_cards(db: Session, session: WebSession, workspace_id: int) -> list[dict[str, object]]:
    found = projects.list_projects(db, actor=session.user, workspace_id=workspace_id)
    return [{"project": p, "progress": progress_of(p)} for p in found]


@router.get("/")
def home(request: Request, db: SessionDep, session: CurrentSession) -> Response:
    """Every workspace of the user, each with its projects and their progress."""
    rows = [
        {"workspace": ws, "role": role, "projects": _project_cards(db, session, ws.id)}
        for ws, role in workspaces.list_my_workspaces(db, actor=session.user)
    ]
    return _page(request, session, "home.html", workspaces=rows)


@router.get("/w/{wid}")
def workspace_page(wid: int, request: Request, db: SessionDep, session: CurrentSession) -> Response:
    ws, role = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    cards = _project_cards(db, session, wid)
    return _page(request, session, "workspace.html", workspace=ws, role=role, projects=cards)


CHART_WIDTH = 600


def serving_chart(stats: ProjectStats) -> dict[str, object]:
    """Bar widths (in SVG units) for the project page's serving chart: no client-side JS."""
    waiting = max(stats.open - stats.leased, 0)
    total = max(stats.done + stats.leased + waiting, 1)
    segments, x = [], 0.0
    for name, count in (("done", stats.done), ("leased", stats.leased), ("waiting", waiting)):
        width = CHART_WIDTH * count / total
        segments.append({"name": name, "count": count, "x": round(x, 1), "width": round(width, 1)})
        x += width
    top = max((a.submitted for a in stats.annotators), default=0) or 1
    people = [
        {
            "user_id": a.user_id,
            "email": a.email,
            "submitted": a.submitted,
            "skipped": a.skipped,
            "leased": a.leased,
            "width": round(CHART_WIDTH * a.submitted / top, 1),
        }
        for a in stats.annotators
    ]
    return {"width": CHART_WIDTH, "segments": segments, "people": people}


def _render_project(
    request: Request,
    db: Session,
    session: WebSession,
    wid: int,
    pid: int,
    *,
    report: ImportReport | None = None,
    import_error: str | None = None,
    status: int = 200,
) -> Response:
    ws, role = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    stats = None
    if can(role, Action.MANAGE_PROJECT):
        stats = serving_admin.project_stats(
            db, actor=session.user, workspace_id=wid, project_id=pid
        )
    return _page(
        request,
        session,
        "project.html",
        workspace=ws,
        project=project,
        progress=progress_of(project),
        can_annotate=can(role, Action.ANNOTATE),
        can_import=can(role, Action.IMPORT_ITEMS),
        can_export=can(role, Action.EXPORT),
        can_quality=can(role, Action.MANAGE_QUALITY),
        can_review=can(role, Action.REVIEW),
        review=review_stats.review_progress(
            db, actor=session.user, workspace_id=wid, project_id=pid
        ),
        review_people=review_stats.review_stats(
            db, actor=session.user, workspace_id=wid, project_id=pid
        ).annotators
        if stats
        else None,
        accepted=ACCEPTED_UPLOADS,
        report=report,
        import_error=import_error,
        stats=stats,
        chart=serving_chart(stats) if stats else None,
        status=status,
    )


@router.get("/w/{wid}/p/{pid}")
def project_page(
    wid: int, pid: int, request: Request, db: SessionDep, session: CurrentSession
) -> Response:
    return _render_project(request, db, session, wid, pid)


@router.post("/w/{wid}/p/{pid}/import")
def import_form(
    wid: int,
    pid: int,
    request: Request,
    db: SessionDep,
    session: CheckedSession,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import an uploaded JSON, JSONL or CSV file; show the report, or the error and its line."""
    fmt = detect_format(file.filename, None)
    if fmt is None:
        error = "choose a .json, .jsonl or .csv file"
        return _render_project(request, db, session, wid, pid, import_error=error, status=422)
    try:
        report = imports.import_items(
            db, actor=session.user, workspace_id=wid, project_id=pid, stream=file.file, fmt=fmt
        )
    except InvalidInput as exc:
        return _render_project(request, db, session, wid, pid, import_error=exc.message, status=422)
    return _render_project(request, db, session, wid, pid, report=report)


@router.get("/w/{wid}/p/{pid}/export.{fmt}")
def export(
    wid: int, pid: int, fmt: ExportFormat, request: Request, session: CurrentSession
) -> StreamingResponse:
    """Stream every item with every annotation as a download."""
    download = open_export(
        request.app.state.database, actor=session.user, workspace_id=wid, project_id=pid, fmt=fmt
    )
    return StreamingResponse(
        download.chunks,
        media_type=download.media_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
