"""Routes for operator views (counts and sizes) and owners' time-boxed access grants."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.access import OperatorGrant
from tessera.schemas.walls import OperatorGrantCreate, OperatorGrantPublic, WorkspaceStatsPublic
from tessera.services import operator_access
from tessera.services.clock import utcnow

router = APIRouter(tags=["operator"])
GRANTS = "/workspaces/{workspace_id}/operator-grants"


def _grant_public(g: OperatorGrant) -> OperatorGrantPublic:
    return OperatorGrantPublic(
        id=g.id,
        operator_id=g.operator_id,
        operator_email=g.operator_email,
        granted_by=g.granted_by,
        expires_at=g.expires_at,
        revoked_at=g.revoked_at,
        is_live=g.is_live(utcnow()),
        created_at=g.created_at,
    )


@router.get("/operator/workspaces")
def operator_workspaces(db: SessionDep, user: CurrentUser) -> list[WorkspaceStatsPublic]:
    """Every workspace's counts and stored sizes, never content (operators only)."""
    return [
        WorkspaceStatsPublic(
            id=s.id,
            name=s.name,
            created_at=s.created_at,
            members=s.members,
            projects=s.projects,
            items=s.items,
            annotations=s.annotations,
            content_bytes=s.content_bytes,
        )
        for s in operator_access.workspace_overview(db, actor=user)
    ]


@router.post(GRANTS, status_code=201)
def grant_access(
    workspace_id: int, body: OperatorGrantCreate, db: SessionDep, user: CurrentUser
) -> OperatorGrantPublic:
    """Let one operator read this workspace's content for 1 to 72 hours (owners only)."""
    grant = operator_access.grant_operator_access(
        db,
        actor=user,
        workspace_id=workspace_id,
        operator_email=body.operator_email,
        hours=body.hours,
    )
    return _grant_public(grant)


@router.get(GRANTS)
def list_grants(workspace_id: int, db: SessionDep, user: CurrentUser) -> list[OperatorGrantPublic]:
    """This workspace's grants, newest first (owners only)."""
    found = operator_access.list_operator_grants(db, actor=user, workspace_id=workspace_id)
    return [_grant_public(g) for g in found]


@router.delete(GRANTS + "/{grant_id}", status_code=204)
def revoke_grant(workspace_id: int, grant_id: int, db: SessionDep, user: CurrentUser) -> Response:
    """End a grant now (owners only)."""
    operator_access.revoke_operator_grant(
        db, actor=user, workspace_id=workspace_id, grant_id=grant_id
    )
    return Response(status_code=204)
