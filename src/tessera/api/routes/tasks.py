"""Routes for annotators: next task, submit, skip."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tessera.api.deps import BearerCaller, SessionDep
from tessera.api.responses import json_response
from tessera.domain.entities import Annotation, Task
from tessera.schemas.projects import (
    AnnotationCreate,
    AnnotationPublic,
    SkipCreate,
    TaskItem,
    TaskPublic,
)
from tessera.schemas.reviews import ReturnedPublic
from tessera.services import assignment

router = APIRouter(tags=["tasks"])


def task_public(t: Task) -> TaskPublic:
    return TaskPublic(
        assignment_id=t.assignment.id,
        project_id=t.assignment.project_id,
        expires_at=t.assignment.expires_at,
        item=TaskItem(id=t.item.id, data=t.item.content),
        other_answers=list(t.other_answers),
        returned=None
        if t.returned is None
        else ReturnedPublic(
            review_id=t.returned.review_id,
            reason=t.returned.reason,
            previous_value=t.returned.previous_value,
        ),
    )


def _annotation_public(a: Annotation) -> AnnotationPublic:
    return AnnotationPublic(
        id=a.id,
        item_id=a.item_id,
        assignment_id=a.assignment_id,
        value=a.value,
        schema_version=a.schema_version,
        created_at=a.created_at,
    )


@router.post(
    "/workspaces/{workspace_id}/projects/{project_id}/tasks/next",
    response_model=TaskPublic,
    responses={204: {"description": "nothing left for you"}},
)
def next_task(workspace_id: int, project_id: int, db: SessionDep, caller: BearerCaller) -> Response:
    """Lease the next item to the caller (or return the caller's live lease); 204 when none."""
    task = assignment.next_task(db, actor=caller, workspace_id=workspace_id, project_id=project_id)
    if task is None:
        return Response(status_code=204)
    return json_response(task_public(task))


@router.post(
    "/workspaces/{workspace_id}/tasks/{assignment_id}/annotations",
    status_code=201,
    response_model=AnnotationPublic,
)
def submit_annotation(
    workspace_id: int,
    assignment_id: int,
    body: AnnotationCreate,
    db: SessionDep,
    caller: BearerCaller,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Submit the answer for one of the caller's tasks; 409 if stale or already answered.

    A retry with the same idempotency key (body field or `Idempotency-Key` header) returns
    the annotation stored the first time.
    """
    a = assignment.submit_annotation(
        db,
        actor=caller,
        workspace_id=workspace_id,
        assignment_id=assignment_id,
        value=body.value,
        idempotency_key=body.idempotency_key or idempotency_key,
    )
    return json_response(_annotation_public(a), 201)


@router.post("/workspaces/{workspace_id}/tasks/{assignment_id}/skip", status_code=204)
def skip_task(
    workspace_id: int, assignment_id: int, body: SkipCreate, db: SessionDep, caller: BearerCaller
) -> Response:
    """Give the task back; it is never served to the caller again."""
    assignment.skip_task(
        db,
        actor=caller,
        workspace_id=workspace_id,
        assignment_id=assignment_id,
        reason=body.reason,
    )
    return Response(status_code=204)
