"""Project templates: ready schemas with demo data for the kinds of work labs buy.

`TEMPLATES` lists them; `create_project_from_template` makes a project from one, with its
demo items (and, for images, generated pictures uploaded as media) when asked.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tessera.domain.entities import Project, User
from tessera.domain.errors import NotFound
from tessera.formats import ImportFormat
from tessera.services import imports, media, projects
from tessera.services.templates.model_outputs import CHAT_RATING, PAIRWISE, RANKING, RUBRIC
from tessera.services.templates.pictures import draw_scene
from tessera.services.templates.reasoning import AGENT_REVIEW, STEP_VERIFICATION
from tessera.services.templates.template import PICTURE_SCHEME, Template
from tessera.services.templates.text_tasks import NER, SENTIMENT, SFT_WRITING
from tessera.services.templates.vision import OBJECT_DETECTION

__all__ = [
    "TEMPLATES",
    "Template",
    "TemplateProject",
    "create_project_from_template",
    "get_template",
]

TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        SENTIMENT,
        NER,
        OBJECT_DETECTION,
        PAIRWISE,
        RANKING,
        SFT_WRITING,
        RUBRIC,
        STEP_VERIFICATION,
        AGENT_REVIEW,
        CHAT_RATING,
    )
}


@dataclass(frozen=True)
class TemplateProject:
    project: Project
    items_created: int


def get_template(key: str) -> Template:
    """The template named `key` (NotFound otherwise)."""
    found = TEMPLATES.get(key)
    if found is None:
        raise NotFound("template", key)
    return found


def create_project_from_template(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    key: str,
    name: str | None = None,
    with_items: bool = True,
) -> TemplateProject:
    """Create a project with the template's schema and guidelines, and its demo items.

    Pictures the items name are drawn and uploaded to the project first (as media), so the
    items reference them as `media:<id>` like any imported image.
    """
    template = get_template(key)
    project = projects.create_project(
        db,
        actor=actor,
        workspace_id=workspace_id,
        name=name or template.title,
        description=template.description,
        label_schema=template.label_schema,
        guidelines=template.guidelines,
        annotations_per_item=template.annotations_per_item,
    )
    if not with_items:
        return TemplateProject(project, 0)
    records = [_with_media(db, actor, project, item) for item in template.items]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    report = imports.import_items(
        db,
        actor=actor,
        workspace_id=workspace_id,
        project_id=project.id,
        stream=io.BytesIO(body.encode("utf-8")),
        fmt=ImportFormat.JSONL,
    )
    project = projects.get_project(
        db, actor=actor, workspace_id=workspace_id, project_id=project.id
    )
    return TemplateProject(project, report.created)


def _with_media(
    db: Session, actor: User, project: Project, item: Mapping[str, object]
) -> dict[str, object]:
    out = dict(item)
    for key, value in item.items():
        if not isinstance(value, Mapping):
            continue
        src = value.get("src")
        if isinstance(src, str) and src.startswith(PICTURE_SCHEME):
            scene = draw_scene(int(src.removeprefix(PICTURE_SCHEME)))
            stored = media.upload_media(
                db,
                actor=actor,
                workspace_id=project.workspace_id,
                project_id=project.id,
                data=scene.png,
            )
            out[key] = {**value, "src": stored.src}
    return out
