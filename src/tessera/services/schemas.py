"""Label schemas of projects: read from JSON, YAML or Label Studio XML, changed, read by version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from tessera.domain.entities import Project, User
from tessera.domain.errors import InvalidInput, NotFound
from tessera.domain.label_schema import LabelSchema, parse_label_schema
from tessera.formats.labelstudio_config import Unsupported, convert_labelstudio_config
from tessera.formats.schema_file import SchemaSyntax, read_schema_text
from tessera.services import projects
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import project_schemas as schema_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories.project_schemas import SchemaVersion


class SchemaFormat(StrEnum):
    """How a schema is written: Tessera's own JSON or YAML, or a Label Studio XML config."""

    JSON = "json"
    YAML = "yaml"
    LABELSTUDIO = "labelstudio"


_CONTENT_TYPES = {
    "application/json": SchemaFormat.JSON,
    "application/yaml": SchemaFormat.YAML,
    "application/x-yaml": SchemaFormat.YAML,
    "text/yaml": SchemaFormat.YAML,
    "text/x-yaml": SchemaFormat.YAML,
    "application/xml": SchemaFormat.LABELSTUDIO,
    "text/xml": SchemaFormat.LABELSTUDIO,
}


@dataclass(frozen=True)
class ImportedSchema:
    """A validated schema and what its source held that has no Tessera equivalent."""

    schema: LabelSchema
    unsupported: tuple[Unsupported, ...] = ()
    notes: tuple[str, ...] = ()


def format_of_content_type(content_type: str | None) -> SchemaFormat | None:
    """The schema format a request's Content-Type names, if it names one."""
    if not content_type:
        return None
    return _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())


def format_of_filename(name: str) -> SchemaFormat | None:
    """The schema format a file's extension suggests (.json, .yaml/.yml, .xml)."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return SchemaFormat.JSON
    if lowered.endswith((".yaml", ".yml")):
        return SchemaFormat.YAML
    if lowered.endswith(".xml"):
        return SchemaFormat.LABELSTUDIO
    return None


def read_schema(
    source: str | bytes | Mapping[str, object], fmt: SchemaFormat | None
) -> ImportedSchema:
    """Validate a schema given as data, or as text in one of the formats (guessed if None).

    Label Studio tags that do not map are returned in `unsupported`, never dropped silently.

    Raises:
        InvalidInput: the text does not parse, or the schema is not valid (naming the path).
    """
    if isinstance(source, Mapping):
        return ImportedSchema(parse_label_schema(source))
    if fmt is None:
        head = source.lstrip()[:1]
        fmt = SchemaFormat.LABELSTUDIO if head in ("<", b"<") else None
    if fmt is SchemaFormat.LABELSTUDIO:
        converted = convert_labelstudio_config(source)
        return ImportedSchema(converted.schema, converted.unsupported, converted.notes)
    syntax = None if fmt is None else SchemaSyntax(fmt.value)
    return ImportedSchema(parse_label_schema(read_schema_text(source, syntax=syntax)))


def change_schema(
    db: Session, *, actor: User, workspace_id: int, project_id: int, schema: LabelSchema
) -> Project:
    """Give the project a new schema version (managers); earlier answers keep theirs."""
    return projects.update_project(
        db,
        actor=actor,
        workspace_id=workspace_id,
        project_id=project_id,
        label_schema=schema.to_dict(),
    )


def get_schema_version(
    db: Session, *, actor: User, workspace_id: int, project_id: int, version: int
) -> SchemaVersion:
    """One stored version of a project's schema, for any member who may view the project."""
    with read_transaction(db):
        try:
            authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        except NotFound:
            raise NotFound("project", project_id) from None
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        return schema_repo.get_schema_version(
            db, workspace_id=workspace_id, project_id=project_id, version=version
        )


def list_schema_versions(
    db: Session, *, actor: User, workspace_id: int, project_id: int
) -> list[SchemaVersion]:
    """Every stored version of the project's schema, oldest first."""
    with read_transaction(db):
        try:
            authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        except NotFound:
            raise NotFound("project", project_id) from None
        project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        return [
            schema_repo.get_schema_version(
                db, workspace_id=workspace_id, project_id=project_id, version=v
            )
            for v, _ in schema_repo.list_schema_versions(
                db, workspace_id=workspace_id, project_id=project_id
            )
        ]


def validate_under_version(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    version: int,
    value: Mapping[str, object],
    content: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Check an answer against the schema version it was made under (not the current one)."""
    stored = get_schema_version(
        db, actor=actor, workspace_id=workspace_id, project_id=project_id, version=version
    )
    if content is None and stored.label_schema.needs_content:
        raise InvalidInput("this schema version checks answers against the item", field="content")
    return stored.label_schema.validate_answer(value, content)
