"""The review page: the next annotation to review, and accept / reject / fix as plain forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from tessera.domain.errors import Conflict, Forbidden, InvalidInput
from tessera.domain.reviews import Decision, ReviewTask, SendTo
from tessera.services import projects, review, workspaces
from tessera.services.policies import Action, can
from tessera.web.annotate import FormDep
from tessera.web.auth import CheckedSession, CurrentSession, SessionDep, WebSession
from tessera.web.renderers import json_pretty
from tessera.web.templating import render
from tessera.web.widgets import answer_from_form, build_widgets, pair_sides, span_fields

router = APIRouter(include_in_schema=False)

# The buttons of the review form: what each one decides, and where a rejection goes.
_ACTIONS: dict[str, tuple[Decision, SendTo | None]] = {
    "accept": (Decision.ACCEPT, None),
    "return": (Decision.REJECT, SendTo.ANNOTATOR),
    "pool": (Decision.REJECT, SendTo.POOL),
    "fix": (Decision.FIX, None),
}


@router.get("/w/{wid}/p/{pid}/review")
def review_page(
    wid: int, pid: int, request: Request, db: SessionDep, session: CurrentSession
) -> Response:
    """Lease the next annotation to review (or show the one the caller holds)."""
    return _render(request, db, session, wid, pid)


@router.post("/w/{wid}/p/{pid}/reviews/{rid}/decide")
def decide(
    wid: int,
    pid: int,
    rid: int,
    request: Request,
    db: SessionDep,
    session: CheckedSession,
    form: FormDep,
) -> Response:
    """Record the decision of the button pressed, then show the next review."""
    # Access first: a stranger gets the same 404 whatever the form holds.
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    chosen = _ACTIONS.get(str(form.get("action", "")))
    if chosen is None:
        raise InvalidInput("press accept, reject or fix", field="action")
    decision, send_to = chosen
    reason = form.get("reason")
    value = answer_from_form(project.label_schema, form) if decision is Decision.FIX else None
    try:
        review.decide_review(
            db,
            actor=session.user,
            workspace_id=wid,
            review_id=rid,
            decision=decision,
            reason=reason if isinstance(reason, str) else "",
            send_to=send_to,
            value=value,
        )
    except InvalidInput as exc:
        return _render(request, db, session, wid, pid, error=exc.message, status=422)
    except Conflict as exc:
        return _render(request, db, session, wid, pid, notice=exc.message)
    return RedirectResponse(f"/w/{wid}/p/{pid}/review?done={decision.value}", status_code=303)


@router.post("/w/{wid}/p/{pid}/reviews/request")
def request_form(
    wid: int, pid: int, db: SessionDep, session: CheckedSession, form: FormDep
) -> Response:
    """Managers: queue every answer of one annotator, then back to the project page."""
    projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    raw = form.get("annotator_id")
    if not isinstance(raw, str) or not raw.isdigit():
        raise InvalidInput("choose an annotator", field="annotator_id")
    review.request_review(
        db, actor=session.user, workspace_id=wid, project_id=pid, annotator_id=int(raw)
    )
    return RedirectResponse(f"/w/{wid}/p/{pid}#review-progress", status_code=303)


def _render(
    request: Request,
    db: Session,
    session: WebSession,
    wid: int,
    pid: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    ws, role = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    if not can(role, Action.REVIEW):
        raise Forbidden(f"your role ({role.value}) may not review")
    project = projects.get_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    task: ReviewTask | None = review.next_review(
        db, actor=session.user, workspace_id=wid, project_id=pid
    )
    schema = project.label_schema
    content = task.item_content if task else {}
    answer = task.value if task else {}
    done = request.query_params.get("done")
    return render(
        request,
        "review.html",
        {
            "user": session.user,
            "csrf": session.csrf_token,
            "workspace": ws,
            "workspace_id": wid,
            "project": project,
            "review": task,
            # the item partials read `task.item.content`, as on the annotate page
            "task": {"item": {"content": content}} if task else None,
            "answer_rows": [
                (q.title, _shown(answer.get(q.name))) for q in schema.questions if q.name in answer
            ],
            "widgets": build_widgets(schema, content, answer),
            "span_fields": span_fields(schema),
            "pair_sides": pair_sides(schema),
            "error": error,
            "notice": notice
            or (f"Saved ({done})." if done in {d.value for d in Decision} else None),
        },
        status=status,
    )


def _shown(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json_pretty(value)
