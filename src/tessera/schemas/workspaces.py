"""Wire models for workspaces, members and the current user."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RoleName = Literal["owner", "manager", "reviewer", "annotator", "auditor"]


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    is_operator: bool


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    owner_email: str | None = Field(default=None, max_length=320)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class WorkspacePublic(BaseModel):
    id: int
    name: str
    role: RoleName | None = Field(description="the caller's role; null when not a member")
    created_at: datetime


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    role: RoleName


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleName


class MemberPublic(BaseModel):
    user_id: int
    email: str
    name: str
    role: RoleName
    created_at: datetime


class MemberCreated(MemberPublic):
    initial_password: str | None = Field(
        description="set only when the account was created by this call; shown once"
    )
