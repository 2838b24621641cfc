"""Routes for the current user, workspaces and members."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.entities import Membership, Role, Workspace
from tessera.schemas.workspaces import (
    MemberCreate,
    MemberCreated,
    MemberPublic,
    MemberUpdate,
    UserPublic,
    WorkspaceCreate,
    WorkspacePublic,
    WorkspaceUpdate,
)
from tessera.services import workspaces as workspace_service

router = APIRouter(tags=["workspaces"])


def _workspace_public(ws: Workspace, role: Role | None) -> WorkspacePublic:
    return WorkspacePublic(
        id=ws.id, name=ws.name, role=role.value if role else None, created_at=ws.created_at
    )


def _member_public(m: Membership) -> MemberPublic:
    return MemberPublic(
        user_id=m.user_id, email=m.email, name=m.name, role=m.role.value, created_at=m.created_at
    )


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    """The authenticated user."""
    return UserPublic(id=user.id, email=user.email, name=user.name, is_operator=user.is_operator)


@router.get("/workspaces")
def list_workspaces(db: SessionDep, user: CurrentUser) -> list[WorkspacePublic]:
    """Workspaces the caller belongs to."""
    return [
        _workspace_public(ws, role)
        for ws, role in workspace_service.list_my_workspaces(db, actor=user)
    ]


@router.post("/workspaces", status_code=201)
def create_workspace(body: WorkspaceCreate, db: SessionDep, user: CurrentUser) -> WorkspacePublic:
    """Create a workspace (operators only); its owner is `owner_email` or the caller."""
    ws = workspace_service.create_workspace(
        db, actor=user, name=body.name, owner_email=body.owner_email
    )
    is_owner = body.owner_email is None or body.owner_email.strip().lower() == user.email
    return _workspace_public(ws, Role.OWNER if is_owner else None)


@router.get("/workspaces/{workspace_id}")
def read_workspace(workspace_id: int, db: SessionDep, user: CurrentUser) -> WorkspacePublic:
    ws, role = workspace_service.get_workspace(db, actor=user, workspace_id=workspace_id)
    return _workspace_public(ws, role)


@router.patch("/workspaces/{workspace_id}")
def update_workspace(
    workspace_id: int, body: WorkspaceUpdate, db: SessionDep, user: CurrentUser
) -> WorkspacePublic:
    ws = workspace_service.rename_workspace(
        db, actor=user, workspace_id=workspace_id, name=body.name
    )
    return _workspace_public(ws, Role.OWNER)


@router.get("/workspaces/{workspace_id}/members")
def list_members(workspace_id: int, db: SessionDep, user: CurrentUser) -> list[MemberPublic]:
    members = workspace_service.list_members(db, actor=user, workspace_id=workspace_id)
    return [_member_public(m) for m in members]


@router.post("/workspaces/{workspace_id}/members", status_code=201)
def add_member(
    workspace_id: int, body: MemberCreate, db: SessionDep, user: CurrentUser
) -> MemberCreated:
    """Add a member; a new account gets a one-time password, returned here only."""
    added = workspace_service.add_member(
        db,
        actor=user,
        workspace_id=workspace_id,
        email=body.email,
        name=body.name,
        role=Role(body.role),
    )
    public = _member_public(added.membership)
    return MemberCreated(**public.model_dump(), initial_password=added.initial_password)


@router.patch("/workspaces/{workspace_id}/members/{user_id}")
def update_member(
    workspace_id: int, user_id: int, body: MemberUpdate, db: SessionDep, user: CurrentUser
) -> MemberPublic:
    m = workspace_service.change_role(
        db, actor=user, workspace_id=workspace_id, user_id=user_id, role=Role(body.role)
    )
    return _member_public(m)


@router.delete("/workspaces/{workspace_id}/members/{user_id}", status_code=204)
def remove_member(workspace_id: int, user_id: int, db: SessionDep, user: CurrentUser) -> Response:
    workspace_service.remove_member(db, actor=user, workspace_id=workspace_id, user_id=user_id)
    return Response(status_code=204)
