"""Wire models for projects, items, tasks, annotations and imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    label_schema: dict[str, Any]
    annotations_per_item: int = Field(default=1, ge=1, le=50)
    lease_ttl_s: int = Field(default=900, ge=30, le=7 * 24 * 3600)
    guidelines: str = Field(default="", max_length=200_000)


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    label_schema: dict[str, Any] | None = None
    annotations_per_item: int | None = Field(default=None, ge=1, le=50)
    lease_ttl_s: int | None = Field(default=None, ge=30, le=7 * 24 * 3600)
    guidelines: str | None = Field(default=None, max_length=200_000)


class Guidelines(BaseModel):
    guidelines: str


class ProjectCounts(BaseModel):
    items: int
    done: int
    annotations: int
    progress: float


class ProjectPublic(BaseModel):
    id: int
    workspace_id: int
    name: str
    description: str
    label_schema: dict[str, Any]
    schema_version: int
    annotations_per_item: int
    lease_ttl_s: int
    counts: ProjectCounts
    created_at: datetime


class UrlImportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2048)
    format: Literal["json", "jsonl", "csv"] | None = None


class ImportResult(BaseModel):
    read: int
    created: int
    existing: int


class ItemPublic(BaseModel):
    id: int
    external_id: str
    data: dict[str, Any]
    status: Literal["open", "done"]
    priority: int
    submitted_count: int
    created_at: datetime


class TaskItem(BaseModel):
    id: int
    data: dict[str, Any]


class TaskPublic(BaseModel):
    assignment_id: int
    project_id: int
    expires_at: datetime
    item: TaskItem


class AnnotationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: dict[str, Any]


class AnnotationPublic(BaseModel):
    id: int
    item_id: int
    assignment_id: int
    value: dict[str, Any]
    schema_version: int
    created_at: datetime


class SkipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500)
