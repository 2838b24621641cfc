"""Wire models for label schemas: conversions, changes and stored versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class UnsupportedTag(BaseModel):
    """A part of an imported config with no Tessera equivalent: reported, not imported."""

    tag: str
    name: str | None
    reason: str


class SchemaConversion(BaseModel):
    label_schema: dict[str, Any]
    unsupported: list[UnsupportedTag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class SchemaChangePublic(SchemaConversion):
    project_id: int
    schema_version: int


class SchemaVersionPublic(BaseModel):
    version: int
    label_schema: dict[str, Any]
    created_at: datetime
