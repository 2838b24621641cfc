"""Routes for managers: serving statistics and per-item overlap and priority overrides."""

from __future__ import annotations

from fastapi import APIRouter

from tessera.api.deps import CurrentUser, SessionDep
from tessera.schemas.projects import (
    AnnotatorProgressPublic,
    ItemOverrides,
    OverridesApplied,
    ProjectStatsPublic,
)
from tessera.services import serving_admin

router = APIRouter(tags=["projects"])
PROJECT = "/workspaces/{workspace_id}/projects/{project_id}"


@router.get(PROJECT + "/stats")
def project_stats(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> ProjectStatsPublic:
    """Open, leased, done and expired counts, and each annotator's progress."""
    s = serving_admin.project_stats(
        db, actor=user, workspace_id=workspace_id, project_id=project_id
    )
    return ProjectStatsPublic(
        items=s.items,
        open=s.open,
        done=s.done,
        leased=s.leased,
        expired=s.expired,
        annotators=[
            AnnotatorProgressPublic(
                user_id=a.user_id,
                email=a.email,
                submitted=a.submitted,
                skipped=a.skipped,
                leased=a.leased,
            )
            for a in s.annotators
        ],
    )


@router.patch(PROJECT + "/items")
def override_items(
    workspace_id: int, project_id: int, body: ItemOverrides, db: SessionDep, user: CurrentUser
) -> OverridesApplied:
    """Set chosen items' overlap (null resets it to the project's) and/or priority."""
    updated = serving_admin.set_item_overrides(
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        item_ids=body.item_ids,
        annotations_per_item=body.annotations_per_item,
        reset_overlap="annotations_per_item" in body.model_fields_set
        and body.annotations_per_item is None,
        priority=body.priority,
    )
    return OverridesApplied(updated=updated)
