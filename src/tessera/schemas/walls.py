"""Wire models for organisations, affiliations, walls and operator access grants."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class OrganisationPublic(BaseModel):
    id: int
    name: str
    created_at: datetime


class AffiliationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: int
    ended_at: AwareDatetime | None = Field(
        default=None, description="when the tie ended; null while it is current"
    )


class AffiliationPublic(BaseModel):
    id: int
    user_id: int
    organisation_id: int
    organisation_name: str
    is_verified: bool
    ended_at: datetime | None
    created_at: datetime


class WallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: int
    cooldown_days: int = Field(
        default=0,
        ge=0,
        le=3650,
        description="how many days after an affiliation ended it still walls the person",
    )


class WallPublic(BaseModel):
    organisation_id: int
    organisation_name: str
    cooldown_days: int
    created_at: datetime


class OperatorGrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator_email: str = Field(min_length=3, max_length=320)
    hours: int = Field(ge=1, le=72)


class OperatorGrantPublic(BaseModel):
    id: int
    operator_id: int
    operator_email: str
    granted_by: int
    expires_at: datetime
    revoked_at: datetime | None
    is_live: bool
    created_at: datetime


class WorkspaceStatsPublic(BaseModel):
    """What an operator sees of a workspace without a grant: counts and sizes, no content."""

    id: int
    name: str
    created_at: datetime
    members: int
    projects: int
    items: int
    annotations: int
    content_bytes: int = Field(description="stored (encrypted) bytes of items and annotations")
