"""Wire models for project templates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tessera.schemas.projects import ProjectPublic


class TemplatePublic(BaseModel):
    key: str
    title: str
    description: str
    label_schema: dict[str, Any]
    demo_items: int
    annotations_per_item: int
    example_answer: dict[str, Any]


class TemplateProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=64, description="a key from GET /api/templates")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    with_demo_items: bool = True


class TemplateProjectPublic(BaseModel):
    project: ProjectPublic
    items_created: int
