"""The annotate page: serve the next task as an htmx partial, take submissions and skips."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from tessera.domain.entities import Task
from tessera.domain.errors import Conflict, Forbidden, InvalidInput
from tessera.domain.label_schema import LabelSchema
from tessera.services import assignment, projects, submissions, workspaces
from tessera.services.policies import Action, can
from tessera.web.auth import CheckedSession, CurrentSession, SessionDep, WebSession
from tessera.web.templating import is_htmx, progress_of, render
from tessera.web.widgets import answer_from_form, build_widgets, pair_sides, span_fields

__all__ = ["answer_from_form", "router"]

router = APIRouter(include_in_schema=False)


async def read_form(request: Request) -> FormData:
    """The submitted form (parsed once; Starlette caches it for the CSRF check too)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


@router.get("/w/{wid}/p/{pid}/annotate")
def annotate_page(
    wid: int, pid: int, request: Request, db: SessionDep, session: CurrentSession
) -> Response:
    """The page shell; its task area asks for the next task as soon as it loads."""
    ws, role = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    if not can(role, Action.ANNOTATE):
        raise Forbidden(f"your role ({role.value}) may not annotate")
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    guidelines = projects.get_guidelines(db, actor=session.user, workspace_id=wid, project_id=pid)
    return render(
        request,
        "annotate.html",
        {
            "user": session.user,
            "csrf": session.csrf_token,
            "workspace": ws,
            "project": project,
            "guidelines": guidelines,
            "progress": progress_of(project),
        },
    )


@router.post("/w/{wid}/p/{pid}/annotate/next")
def next_task(
    wid: int, pid: int, request: Request, db: SessionDep, session: CheckedSession
) -> Response:
    """Lease the next task (or return the live one) and render it."""
    return _step(request, db, session, wid, pid)


@router.post("/w/{wid}/tasks/{aid}/submit")
def submit(
    wid: int,
    aid: int,
    request: Request,
    db: SessionDep,
    session: CheckedSession,
    form: FormDep,
) -> Response:
    """Store the answer, then render the next task and the new progress in one response."""
    pid = _project_id(form)
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    value: dict[str, object] = {}
    try:
        value = answer_from_form(project.label_schema, form)
        assignment.submit_annotation(
            db, actor=session.user, workspace_id=wid, assignment_id=aid, value=value
        )
    except InvalidInput as exc:
        return _step(request, db, session, wid, pid, error=exc, answers=value, status=422)
    except Conflict as exc:
        return _step(request, db, session, wid, pid, notice=exc.message)
    return _step(request, db, session, wid, pid, last_submitted=aid)


@router.get("/w/{wid}/tasks/{aid}")
def submitted_task(
    wid: int, aid: int, request: Request, db: SessionDep, session: CurrentSession
) -> Response:
    """One's own submitted task, re-opened read-only with the answer as it was stored."""
    ws, _role = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    done = submissions.get_own_submission(
        db, actor=session.user, workspace_id=wid, assignment_id=aid
    )
    return render(
        request,
        "submitted.html",
        {
            "user": session.user,
            "csrf": session.csrf_token,
            "workspace": ws,
            "workspace_id": wid,
            "project": done.project,
            "task": done.task,
            "readonly": True,
            "error": None,
            "notice": None,
            "last_submitted": None,
            **task_context(done.project.label_schema, done.task, done.annotation.value, None),
        },
    )


@router.post("/w/{wid}/tasks/{aid}/skip")
def skip(
    wid: int,
    aid: int,
    request: Request,
    db: SessionDep,
    session: CheckedSession,
    form: FormDep,
) -> Response:
    """Give the task back (with an optional reason) and render the next one."""
    pid = _project_id(form)
    reason = form.get("reason")
    try:
        assignment.skip_task(
            db,
            actor=session.user,
            workspace_id=wid,
            assignment_id=aid,
            reason=reason.strip() if isinstance(reason, str) else "",
        )
    except Conflict as exc:
        return _step(request, db, session, wid, pid, notice=exc.message)
    return _step(request, db, session, wid, pid)


def _project_id(form: FormData) -> int:
    raw = form.get("project_id")
    if not isinstance(raw, str) or not raw.isdigit():
        raise InvalidInput("missing or not a number", field="project_id")
    return int(raw)


def _step(
    request: Request,
    db: Session,
    session: WebSession,
    wid: int,
    pid: int,
    *,
    error: InvalidInput | None = None,
    notice: str | None = None,
    answers: dict[str, object] | None = None,
    status: int = 200,
    last_submitted: int | None = None,
) -> Response:
    """The task partial (or 'all done') plus an out-of-band update of the progress block.

    A plain form post (no htmx: scripts off, or a key pressed before htmx wired the new
    form) is answered with a redirect to the annotate page, which shows the same state.
    """
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    if not is_htmx(request):
        return RedirectResponse(f"/w/{wid}/p/{pid}/annotate", status_code=303)
    task: Task | None = assignment.next_task(
        db, actor=session.user, workspace_id=wid, project_id=pid
    )
    return render(
        request,
        "_step.html",
        {
            "user": session.user,
            "csrf": session.csrf_token,
            "workspace_id": wid,
            "project": project,
            "progress": progress_of(project),
            "task": task,
            "error": None if error is None else error.message,
            "notice": notice,
            "readonly": False,
            "last_submitted": last_submitted,
            "oob": True,
            **task_context(project.label_schema, task, answers or _returned_answer(task), error),
        },
        status=status,
    )


def _returned_answer(task: Task | None) -> dict[str, object]:
    """An answer a reviewer sent back is shown filled in, to be corrected rather than redone."""
    return dict(task.returned.previous_value) if task and task.returned else {}


def task_context(
    schema: LabelSchema,
    task: Task | None,
    answers: dict[str, object],
    error: InvalidInput | None,
) -> dict[str, object]:
    """What _task.html needs beyond the task: widgets, span targets, pairwise sides."""
    content = task.item.content if task is not None else {}
    return {
        "widgets": build_widgets(schema, content, answers, error),
        "span_fields": span_fields(schema),
        "pair_sides": pair_sides(schema),
    }
