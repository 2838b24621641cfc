"""Wire models for projects, items, tasks, annotations and imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tessera.schemas.label_schemas import UnsupportedTag
from tessera.schemas.quality import (
    QualitySettingsCreate,
    QualitySettingsPublic,
    QualitySettingsUpdate,
)
from tessera.schemas.reviews import ReturnedPublic

ServingOrderName = Literal["priority", "random", "uncertainty"]
SchemaFormatName = Literal["json", "yaml", "labelstudio"]


class ProjectCreate(QualitySettingsCreate):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    label_schema: dict[str, Any] | str = Field(
        description="the schema as an object, or as JSON, YAML or Label Studio XML text"
    )
    schema_format: SchemaFormatName | None = Field(
        default=None, description="how a label_schema given as text is written (else guessed)"
    )
    annotations_per_item: int = Field(default=1, ge=1, le=50)
    lease_ttl_s: int = Field(default=900, ge=2, le=7 * 24 * 3600)
    guidelines: str = Field(default="", max_length=200_000)
    serving_order: ServingOrderName = "priority"
    max_items_per_annotator: int | None = Field(default=None, ge=1, le=10_000_000)
    is_blind: bool = True
    review_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, description="share of annotations sampled for review"
    )


class ProjectUpdate(QualitySettingsUpdate):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    label_schema: dict[str, Any] | None = None
    annotations_per_item: int | None = Field(default=None, ge=1, le=50)
    lease_ttl_s: int | None = Field(default=None, ge=2, le=7 * 24 * 3600)
    guidelines: str | None = Field(default=None, max_length=200_000)
    serving_order: ServingOrderName | None = None
    max_items_per_annotator: int | None = Field(
        default=None, ge=1, le=10_000_000, description="null removes the cap"
    )
    is_blind: bool | None = None
    review_rate: float | None = Field(default=None, ge=0.0, le=1.0)


class Guidelines(BaseModel):
    guidelines: str


class ProjectCounts(BaseModel):
    items: int
    done: int
    annotations: int
    progress: float


class ProjectPublic(QualitySettingsPublic):
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
    serving_order: ServingOrderName
    max_items_per_annotator: int | None
    is_blind: bool
    review_rate: float
    schema_unsupported: list[UnsupportedTag] | None = Field(
        default=None,
        description="on creation from a Label Studio config: the tags that were not imported",
    )


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
    status: Literal["open", "done", "gold"]
    priority: int
    submitted_count: int
    created_at: datetime
    overlap_override: int | None
    prediction_score: float | None


class TaskItem(BaseModel):
    id: int
    data: dict[str, Any]


class TaskPublic(BaseModel):
    assignment_id: int
    project_id: int
    expires_at: datetime
    item: TaskItem
    other_answers: list[dict[str, Any]] = Field(
        default_factory=list, description="others' answers; always empty in blind projects"
    )
    returned: ReturnedPublic | None = Field(
        default=None, description="set when a reviewer sent your answer back: redo it"
    )


class AnnotationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: dict[str, Any]
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="a retry with the same key returns the stored annotation",
    )


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


class ItemOverrides(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_ids: list[int] = Field(min_length=1, max_length=1000)
    annotations_per_item: int | None = Field(
        default=None, ge=1, le=50, description="null resets to the project's overlap"
    )
    priority: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)


class OverridesApplied(BaseModel):
    updated: int


class AnnotatorProgressPublic(BaseModel):
    user_id: int
    email: str
    submitted: int
    skipped: int
    leased: int


class ProjectStatsPublic(BaseModel):
    items: int
    open: int
    done: int
    leased: int
    expired: int
    annotators: list[AnnotatorProgressPublic]
