"""Routes for project templates: list them, create a project from one."""

from __future__ import annotations

from fastapi import APIRouter

from tessera.api.deps import CurrentUser, SessionDep
from tessera.api.routes.projects import project_public
from tessera.schemas.templates import (
    TemplateProjectCreate,
    TemplateProjectPublic,
    TemplatePublic,
)
from tessera.services import templates

router = APIRouter(tags=["templates"])


@router.get("/templates")
def list_templates(user: CurrentUser) -> list[TemplatePublic]:
    """Every template: its schema, how many demo items it brings, and a valid example answer."""
    return [
        TemplatePublic(
            key=t.key,
            title=t.title,
            description=t.description,
            label_schema=dict(t.label_schema),
            demo_items=len(t.items),
            annotations_per_item=t.annotations_per_item,
            example_answer=dict(t.example_answer),
        )
        for t in templates.TEMPLATES.values()
    ]


@router.post("/workspaces/{workspace_id}/projects/from-template", status_code=201)
def create_from_template(
    workspace_id: int, body: TemplateProjectCreate, db: SessionDep, user: CurrentUser
) -> TemplateProjectPublic:
    """Managers: a new project with the template's schema and guidelines, and (by default)
    its demo items; pictures of image templates are uploaded as the project's media."""
    made = templates.create_project_from_template(
        db,
        actor=user,
        workspace_id=workspace_id,
        key=body.template,
        name=body.name,
        with_items=body.with_demo_items,
    )
    return TemplateProjectPublic(
        project=project_public(made.project), items_created=made.items_created
    )
