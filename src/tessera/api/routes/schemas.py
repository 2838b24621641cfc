"""Routes for label schemas: convert one, change a project's, read its stored versions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from tessera.api.deps import CurrentUser, SessionDep
from tessera.domain.errors import InvalidInput
from tessera.schemas.label_schemas import (
    SchemaChangePublic,
    SchemaConversion,
    SchemaVersionPublic,
    UnsupportedTag,
)
from tessera.services import schemas, workspaces
from tessera.services.schemas import ImportedSchema, SchemaFormat

router = APIRouter(tags=["schemas"])
ProjectPath = "/workspaces/{workspace_id}/projects/{project_id}"
_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a schema, or {label_schema, format}: label_schema as "
                    "an object, or as JSON / YAML / Label Studio XML text",
                }
            },
            "application/yaml": {"schema": {"type": "string"}},
            "application/xml": {"schema": {"type": "string"}},
        },
        "required": True,
    }
}


async def _imported(request: Request, fmt: SchemaFormat | None) -> ImportedSchema:
    """The schema in the body: raw YAML or XML (by Content-Type or `format`), or JSON."""
    body = await request.body()
    declared = fmt or schemas.format_of_content_type(request.headers.get("content-type"))
    if declared not in (None, SchemaFormat.JSON):
        return schemas.read_schema(body, declared)
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("malformed JSON", field="label_schema") from None
    if not isinstance(data, dict):
        raise InvalidInput("must be a JSON object", field="label_schema")
    if "label_schema" not in data:
        return schemas.read_schema(data, None)
    raw_format = data.get("format")
    try:
        inner = SchemaFormat(raw_format) if raw_format is not None else None
    except ValueError:
        raise InvalidInput("must be json, yaml or labelstudio", field="format") from None
    source = data["label_schema"]
    if not isinstance(source, dict | str):
        raise InvalidInput("must be an object or text", field="label_schema")
    return schemas.read_schema(source, inner)


def _conversion(imported: ImportedSchema) -> SchemaConversion:
    return SchemaConversion(
        label_schema=imported.schema.to_dict(),
        unsupported=[
            UnsupportedTag(tag=u.tag, name=u.name, reason=u.reason) for u in imported.unsupported
        ],
        notes=list(imported.notes),
    )


@router.post("/workspaces/{workspace_id}/schemas/convert", openapi_extra=_BODY)
async def convert_schema(
    workspace_id: int,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    format: Annotated[SchemaFormat | None, Query()] = None,
) -> SchemaConversion:
    """Validate a schema written in JSON, YAML or as a Label Studio XML config, and answer it
    in Tessera's JSON form with every Label Studio tag that did not map."""
    await run_in_threadpool(workspaces.get_workspace, db, actor=user, workspace_id=workspace_id)
    return _conversion(await _imported(request, format))


@router.put(ProjectPath + "/schema", openapi_extra=_BODY)
async def change_schema(
    workspace_id: int,
    project_id: int,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    format: Annotated[SchemaFormat | None, Query()] = None,
) -> SchemaChangePublic:
    """Managers: give the project a new schema (the version goes up by one; answers made
    before keep the version they were made under). Unmapped Label Studio tags are listed."""
    imported = await _imported(request, format)
    project = await run_in_threadpool(
        schemas.change_schema,
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        schema=imported.schema,
    )
    return SchemaChangePublic(
        **_conversion(imported).model_dump(),
        project_id=project.id,
        schema_version=project.schema_version,
    )


@router.get(ProjectPath + "/schema/versions")
def list_schema_versions(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> list[SchemaVersionPublic]:
    """Every version the project's schema has had, oldest first."""
    found = schemas.list_schema_versions(
        db, actor=user, workspace_id=workspace_id, project_id=project_id
    )
    return [
        SchemaVersionPublic(
            version=v.version, label_schema=v.label_schema.to_dict(), created_at=v.created_at
        )
        for v in found
    ]


@router.get(ProjectPath + "/schema/versions/{version}")
def read_schema_version(
    workspace_id: int, project_id: int, version: int, db: SessionDep, user: CurrentUser
) -> SchemaVersionPublic:
    """One version of the project's schema (to read or check an old answer under its own)."""
    v = schemas.get_schema_version(
        db, actor=user, workspace_id=workspace_id, project_id=project_id, version=version
    )
    return SchemaVersionPublic(
        version=v.version, label_schema=v.label_schema.to_dict(), created_at=v.created_at
    )
