"""Versions of projects' label schemas: each one kept, read back by number."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tessera.domain.errors import NotFound
from tessera.domain.label_schema import LabelSchema, parse_label_schema
from tessera.storage.tables import project_schemas


@dataclass(frozen=True)
class SchemaVersion:
    project_id: int
    version: int
    label_schema: LabelSchema
    created_at: datetime


def add_schema_version(
    db: Session,
    *,
    workspace_id: int,
    project_id: int,
    version: int,
    label_schema: LabelSchema,
    now: datetime,
) -> None:
    db.execute(
        insert(project_schemas).values(
            workspace_id=workspace_id,
            project_id=project_id,
            version=version,
            label_schema=json.dumps(label_schema.to_dict(), ensure_ascii=False),
            created_at=now,
        )
    )


def get_schema_version(
    db: Session, *, workspace_id: int, project_id: int, version: int
) -> SchemaVersion:
    row = db.execute(
        select(project_schemas).where(
            project_schemas.c.workspace_id == workspace_id,
            project_schemas.c.project_id == project_id,
            project_schemas.c.version == version,
        )
    ).first()
    if row is None:
        raise NotFound("schema version", version)
    m = row._mapping
    return SchemaVersion(
        project_id=m["project_id"],
        version=m["version"],
        label_schema=parse_label_schema(json.loads(m["label_schema"])),
        created_at=m["created_at"],
    )


def list_schema_versions(
    db: Session, *, workspace_id: int, project_id: int
) -> list[tuple[int, datetime]]:
    """(version, created_at) of every stored version, oldest first."""
    rows = db.execute(
        select(project_schemas.c.version, project_schemas.c.created_at)
        .where(
            project_schemas.c.workspace_id == workspace_id,
            project_schemas.c.project_id == project_id,
        )
        .order_by(project_schemas.c.version)
    ).all()
    return [(int(r[0]), r[1]) for r in rows]
