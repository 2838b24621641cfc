"""The quality page of a project: agreement, results, gold accuracy, skills, pauses (managers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tessera.domain.quality_rules import CATEGORICAL_TYPES, aggregation_keys, choice_options
from tessera.services import aggregation, gold, quality, workspaces
from tessera.web.auth import CheckedSession, CurrentSession, SessionDep
from tessera.web.quality_plots import agreement_chart, gold_chart, heatmaps, histogram
from tessera.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{wid}/p/{pid}/quality")
def quality_page(
    wid: int,
    pid: int,
    request: Request,
    db: SessionDep,
    session: CurrentSession,
    after: Annotated[int, Query(ge=0)] = 0,
    notice: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    ws, _ = workspaces.get_workspace(db, actor=session.user, workspace_id=wid)
    report = quality.quality_report(
        db, actor=session.user, workspace_id=wid, project_id=pid, after_item_id=after, limit=50
    )
    project = report.project
    options = {
        key: choice_options(q)
        for key, q, _ in aggregation_keys(project.label_schema)
        if q.type in CATEGORICAL_TYPES
    }
    return render(
        request,
        "quality.html",
        {
            "user": session.user,
            "csrf": session.csrf_token,
            "workspace": ws,
            "project": project,
            "settings": project.quality,
            "report": report,
            "agreement": agreement_chart(report.questions),
            "histograms": {k: histogram(v) for k, v in sorted(report.histograms.items())},
            "gold": gold_chart(report.annotators, project.quality.gold_min_accuracy),
            "heatmaps": heatmaps(report.annotators, options),
            "rows": [
                {
                    "item": i.external_id if k == 0 else "",
                    "question": r.question,
                    "text": result_text(r.value),
                    "confidence": r.confidence,
                    "method": r.method,
                    "n_answers": r.n_answers,
                }
                for i in report.items
                for k, r in enumerate(i.results)
            ],
            "after": after,
            "notice": notice if notice in _NOTICES else "",
            "notices": _NOTICES,
        },
    )


_NOTICES = {
    "aggregated": "Aggregation finished: the results below are fresh.",
    "lifted": "The pause was lifted.",
}


@router.post("/w/{wid}/p/{pid}/quality/aggregate")
def aggregate_form(wid: int, pid: int, db: SessionDep, session: CheckedSession) -> Response:
    aggregation.aggregate_project(db, actor=session.user, workspace_id=wid, project_id=pid)
    return RedirectResponse(f"/w/{wid}/p/{pid}/quality?notice=aggregated", status_code=303)


@router.post("/w/{wid}/p/{pid}/quality/pauses/{uid}/lift")
def lift_form(wid: int, pid: int, uid: int, db: SessionDep, session: CheckedSession) -> Response:
    gold.lift_pause(db, actor=session.user, workspace_id=wid, project_id=pid, user_id=uid)
    return RedirectResponse(f"/w/{wid}/p/{pid}/quality?notice=lifted", status_code=303)


def result_text(value: object) -> str:
    """A stored result as short text for the table (the template escapes it)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "; ".join(_part(v) for v in value) or "(nothing)"
    return "" if value is None else str(value)


def _part(value: object) -> str:
    if not isinstance(value, dict):
        return str(value)
    if "start" in value:
        return f"{value.get('label')} {value.get('start')}-{value.get('end')}"
    if "width" in value:
        x, y, w, h = (value.get(k) for k in ("x", "y", "width", "height"))
        return f"{value.get('label')} at ({x}, {y}) {w}x{h}"
    return str(value)
