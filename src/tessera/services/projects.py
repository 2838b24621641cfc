"""Projects: create with a label schema, change settings, list, read one, list its items."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy.orm import Session

from tessera.domain.entities import (
    ApiCaller,
    ItemStatus,
    ListedItem,
    Project,
    ServingOrder,
    User,
)
from tessera.domain.errors import InvalidInput, NotFound
from tessera.domain.label_schema import parse_label_schema
from tessera.domain.quality_rules import QualitySettings
from tessera.domain.text_rules import checked_text
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize, authorize_caller
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import project_schemas as schema_repo
from tessera.storage.repositories import projects as project_repo

NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 20_000
GUIDELINES_MAX_CHARS = 200_000
MAX_OVERLAP = 50
LEASE_TTL_RANGE_S = (2, 7 * 24 * 3600)
MAX_ITEMS_RANGE = (1, 10_000_000)
PAGE_MAX = 1000


def _check_settings(
    name: str | None, description: str | None, overlap: int | None, lease_ttl_s: int | None
) -> None:
    if name is not None:
        checked_text(name, field="name", min_chars=1, max_chars=NAME_MAX_CHARS)
    if description is not None:
        checked_text(description, field="description", max_chars=DESCRIPTION_MAX_CHARS)
    if overlap is not None and not 1 <= overlap <= MAX_OVERLAP:
        raise InvalidInput(f"must be between 1 and {MAX_OVERLAP}", field="annotations_per_item")
    lo, hi = LEASE_TTL_RANGE_S
    if lease_ttl_s is not None and not lo <= lease_ttl_s <= hi:
        raise InvalidInput(f"must be between {lo} and {hi} seconds", field="lease_ttl_s")


def _check_review_rate(rate: float | None) -> None:
    if rate is not None and not 0.0 <= rate <= 1.0:  # also refuses NaN
        raise InvalidInput("must be between 0 and 1", field="review_rate")


def _check_cap(cap: int | None) -> None:
    lo, hi = MAX_ITEMS_RANGE
    if cap is not None and not lo <= cap <= hi:
        raise InvalidInput(f"must be between {lo} and {hi}", field="max_items_per_annotator")


def create_project(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    name: str,
    label_schema: object,
    description: str = "",
    annotations_per_item: int = 1,
    lease_ttl_s: int = 900,
    guidelines: str = "",
    serving_order: ServingOrder = ServingOrder.PRIORITY,
    max_items_per_annotator: int | None = None,
    is_blind: bool = True,
    review_rate: float = 0.0,
    quality: QualitySettings | None = None,
) -> Project:
    """Create a project; the label schema is validated here and becomes version 1.

    The guidelines are content: stored sealed with the workspace's key.
    """
    _check_settings(name, description, annotations_per_item, lease_ttl_s)
    checked_text(guidelines, field="guidelines", max_chars=GUIDELINES_MAX_CHARS)
    _check_cap(max_items_per_annotator)
    _check_review_rate(review_rate)
    if quality is not None:
        quality.check()
    schema = parse_label_schema(label_schema)
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        project = project_repo.add_project(
            db,
            workspace_id=workspace_id,
            name=name.strip(),
            description=description,
            label_schema=schema,
            annotations_per_item=annotations_per_item,
            lease_ttl_s=lease_ttl_s,
            now=utcnow(),
            serving_order=serving_order,
            max_items_per_annotator=max_items_per_annotator,
            is_blind=is_blind,
            review_rate=review_rate,
        )
        if guidelines:
            project_repo.set_guidelines(
                db, workspace_id=workspace_id, project_id=project.id, guidelines=guidelines
            )
        schema_repo.add_schema_version(
            db,
            workspace_id=workspace_id,
            project_id=project.id,
            version=project.schema_version,
            label_schema=schema,
            now=utcnow(),
        )
        if quality is not None:
            project_repo.update_project(
                db, workspace_id=workspace_id, project_id=project.id, quality=quality
            )
            project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project.id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="project.created",
            object_type="project",
            object_id=project.id,
        )
        return project


def update_project(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    name: str | None = None,
    description: str | None = None,
    label_schema: object | None = None,
    annotations_per_item: int | None = None,
    lease_ttl_s: int | None = None,
    guidelines: str | None = None,
    serving_order: ServingOrder | None = None,
    max_items_per_annotator: int | None = None,
    clear_max_items: bool = False,
    is_blind: bool | None = None,
    review_rate: float | None = None,
    quality: Mapping[str, object] | None = None,
) -> Project:
    """Change settings; a new label schema gets the next version number.

    `clear_max_items` removes the per-annotator cap (None alone means "unchanged").
    `quality` holds the quality settings to change (a None value switches a rule off).
    """
    _check_cap(max_items_per_annotator)
    _check_review_rate(review_rate)
    _check_settings(name, description, annotations_per_item, lease_ttl_s)
    if guidelines is not None:
        checked_text(guidelines, field="guidelines", max_chars=GUIDELINES_MAX_CHARS)
    schema = parse_label_schema(label_schema) if label_schema is not None else None
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_PROJECT)
        current = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        settings = _merged_quality(current.quality, quality)
        project_repo.update_project(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            name=name.strip() if name is not None else None,
            description=description,
            label_schema=schema,
            annotations_per_item=annotations_per_item,
            lease_ttl_s=lease_ttl_s,
            serving_order=serving_order,
            max_items_per_annotator=max_items_per_annotator,
            clear_max_items=clear_max_items,
            is_blind=is_blind,
            review_rate=review_rate,
            quality=settings,
        )
        if guidelines is not None:
            project_repo.set_guidelines(
                db, workspace_id=workspace_id, project_id=project_id, guidelines=guidelines
            )
        if schema is not None:  # the repository bumped the version: keep this one beside it
            bumped = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
            schema_repo.add_schema_version(
                db,
                workspace_id=workspace_id,
                project_id=project_id,
                version=bumped.schema_version,
                label_schema=schema,
                now=utcnow(),
            )
        changed = {
            "name": name,
            "description": description,
            "label_schema": schema,
            "annotations_per_item": annotations_per_item,
            "lease_ttl_s": lease_ttl_s,
            "guidelines": guidelines,
            "serving_order": serving_order,
            "max_items_per_annotator": max_items_per_annotator or (clear_max_items or None),
            "is_blind": is_blind,
            "review_rate": review_rate,
            **{k: True for k in quality or {}},
        }
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="project.updated",
            object_type="project",
            object_id=project_id,
            detail={"changed": sorted(k for k, v in changed.items() if v is not None)},
        )
        return project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)


def _merged_quality(
    current: QualitySettings, changes: Mapping[str, object] | None
) -> QualitySettings | None:
    if not changes:
        return None
    known = {f.name for f in dataclasses.fields(QualitySettings)}
    for name in changes:
        if name not in known:
            raise InvalidInput("unknown quality setting", field=name)
    merged = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
    for name in ("gold_rate", "gold_min_answers"):
        if getattr(merged, name) is None:
            raise InvalidInput("must be given (it cannot be switched off)", field=name)
    merged.check()
    return merged


def get_guidelines(db: Session, *, actor: User, workspace_id: int, project_id: int) -> str:
    """The project's guidelines for any member (annotators read them beside each task)."""
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        return project_repo.get_guidelines(db, workspace_id=workspace_id, project_id=project_id)


def list_projects(db: Session, *, actor: User, workspace_id: int) -> list[Project]:
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        return project_repo.list_projects(db, workspace_id=workspace_id)


def get_project(db: Session, *, actor: User, workspace_id: int, project_id: int) -> Project:
    with read_transaction(db):
        try:
            authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        except NotFound:
            raise NotFound("project", project_id) from None
        return project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)


def list_items(
    db: Session,
    *,
    actor: User | ApiCaller,
    workspace_id: int,
    project_id: int,
    status: ItemStatus | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[ListedItem]:
    """One keyset page of items (id order), with their decrypted content left JSON text. An
    `ApiCaller`'s token is checked by the statement that reads the membership."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"must be between 1 and {PAGE_MAX}", field="limit")
    # a write only for the ledger: listing reads content
    with write_transaction(db, hot_path=True):
        actor, _ = authorize_caller(
            db, caller=actor, workspace_id=workspace_id, action=Action.LIST_ITEMS
        )
        page = item_repo.list_item_page(
            db, item_repo.PageOfItems(workspace_id, project_id, after_id, limit, status)
        )
        if not page:  # items of the page show that their project is there: one statement less
            project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="items.listed",
            object_type="project",
            object_id=project_id,
            detail={
                "count": len(page),
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
            },
        )
        return page


def locate_project(db: Session, *, actor: User, project_id: int) -> Project:
    """A project found by id alone (CLI), if the actor is a member of its workspace."""
    with read_transaction(db):
        workspace_id = project_repo.find_project_workspace(db, project_id=project_id)
        if workspace_id is None:
            raise NotFound("project", project_id)
        try:
            authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VIEW_PROJECT)
        except NotFound:
            raise NotFound("project", project_id) from None
        return project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
