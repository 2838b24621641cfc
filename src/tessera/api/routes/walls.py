"""Routes for organisations, affiliations and conflict-of-interest walls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.access import Affiliation, Organisation, Wall
from tessera.schemas.walls import (
    AffiliationCreate,
    AffiliationPublic,
    OrganisationCreate,
    OrganisationPublic,
    WallCreate,
    WallPublic,
)
from tessera.services import walls

router = APIRouter(tags=["walls"])
WALLS = "/workspaces/{workspace_id}/walls"
MEMBER_AFFILIATIONS = "/workspaces/{workspace_id}/members/{user_id}/affiliations"


def _organisation_public(o: Organisation) -> OrganisationPublic:
    return OrganisationPublic(id=o.id, name=o.name, created_at=o.created_at)


def _affiliation_public(a: Affiliation) -> AffiliationPublic:
    return AffiliationPublic(
        id=a.id,
        user_id=a.user_id,
        organisation_id=a.organisation_id,
        organisation_name=a.organisation_name,
        is_verified=a.is_verified,
        ended_at=a.ended_at,
        created_at=a.created_at,
    )


def _wall_public(w: Wall) -> WallPublic:
    return WallPublic(
        organisation_id=w.organisation_id,
        organisation_name=w.organisation_name,
        cooldown_days=w.cooldown_days,
        created_at=w.created_at,
    )


@router.post("/organisations", status_code=201)
def create_organisation(
    body: OrganisationCreate, db: SessionDep, user: CurrentUser
) -> OrganisationPublic:
    """Record an organisation (names are unique, ignoring case)."""
    return _organisation_public(walls.create_organisation(db, actor=user, name=body.name))


@router.get("/organisations")
def list_organisations(
    db: SessionDep,
    user: CurrentUser,
    prefix: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=walls.LIST_MAX)] = 100,
) -> list[OrganisationPublic]:
    """Organisations by name; `prefix` keeps those whose name starts with it (any case)."""
    found = walls.list_organisations(db, actor=user, prefix=prefix, limit=limit)
    return [_organisation_public(o) for o in found]


@router.post("/me/affiliations", status_code=201)
def declare_affiliation(
    body: AffiliationCreate, db: SessionDep, user: CurrentUser
) -> AffiliationPublic:
    """Declare a tie to an organisation; walls against it apply to you at once."""
    a = walls.declare_affiliation(
        db, actor=user, organisation_id=body.organisation_id, ended_at=body.ended_at
    )
    return _affiliation_public(a)


@router.get("/me/affiliations")
def list_my_affiliations(db: SessionDep, user: CurrentUser) -> list[AffiliationPublic]:
    return [_affiliation_public(a) for a in walls.list_my_affiliations(db, actor=user)]


@router.delete("/me/affiliations/{affiliation_id}", status_code=204)
def delete_affiliation(affiliation_id: int, db: SessionDep, user: CurrentUser) -> Response:
    """Withdraw a declaration that no manager has verified yet."""
    walls.delete_affiliation(db, actor=user, affiliation_id=affiliation_id)
    return Response(status_code=204)


@router.get(MEMBER_AFFILIATIONS)
def list_member_affiliations(
    workspace_id: int, user_id: int, db: SessionDep, user: CurrentUser
) -> list[AffiliationPublic]:
    """A member's declared affiliations (owners and managers)."""
    found = walls.list_member_affiliations(
        db, actor=user, workspace_id=workspace_id, user_id=user_id
    )
    return [_affiliation_public(a) for a in found]


@router.post(MEMBER_AFFILIATIONS + "/{affiliation_id}/verify")
def verify_affiliation(
    workspace_id: int, user_id: int, affiliation_id: int, db: SessionDep, user: CurrentUser
) -> AffiliationPublic:
    """Mark a member's affiliation verified (owners and managers)."""
    a = walls.verify_affiliation(
        db, actor=user, workspace_id=workspace_id, user_id=user_id, affiliation_id=affiliation_id
    )
    return _affiliation_public(a)


@router.get(WALLS)
def list_walls(workspace_id: int, db: SessionDep, user: CurrentUser) -> list[WallPublic]:
    """The organisations this workspace walls (owners and managers)."""
    return [_wall_public(w) for w in walls.list_walls(db, actor=user, workspace_id=workspace_id)]


@router.post(WALLS)
def set_wall(workspace_id: int, body: WallCreate, db: SessionDep, user: CurrentUser) -> WallPublic:
    """Wall an organisation, or change its cool-down; its people lose access at once."""
    w = walls.set_wall(
        db,
        actor=user,
        workspace_id=workspace_id,
        organisation_id=body.organisation_id,
        cooldown_days=body.cooldown_days,
    )
    return _wall_public(w)


@router.delete(WALLS + "/{organisation_id}", status_code=204)
def remove_wall(
    workspace_id: int, organisation_id: int, db: SessionDep, user: CurrentUser
) -> Response:
    walls.remove_wall(db, actor=user, workspace_id=workspace_id, organisation_id=organisation_id)
    return Response(status_code=204)
