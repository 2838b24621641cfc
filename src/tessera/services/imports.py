"""Import items from JSON, JSONL or CSV: streamed, validated, batched, all-or-nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from tessera.domain.entities import ImportReport, User
from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema
from tessera.domain.quality_rules import validate_gold
from tessera.formats import ImportFormat, SourceRecord, read_records
from tessera.services import ledger, media
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import media as media_repo
from tessera.storage.repositories import projects as project_repo

BATCH_SIZE = 1000
EXTERNAL_ID_MAX_CHARS = 512
RESERVED_KEYS = frozenset({"external_id", "priority", "data", "prediction_score", "gold"})
PRIORITY_RANGE = (-1_000_000, 1_000_000)

Progress = Callable[[int], None]
STATISTICS_REFRESH_ROWS = 10_000


def import_items(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    stream: BinaryIO,
    fmt: ImportFormat,
    progress: Progress | None = None,
) -> ImportReport:
    """Read records from the stream and add the new ones to the project.

    Idempotent by `external_id` (a record without one is keyed by a hash of its content), so a
    file imported twice adds nothing the second time. The whole import is one transaction:
    on any bad record nothing is kept, and the error names the line.

    Args:
        progress: called with the number of records read so far, after each batch.
    """
    read = created = 0
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.IMPORT_ITEMS)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        gold_before = item_repo.count_gold(db, workspace_id=workspace_id, project_id=project_id)
        now = utcnow()
        batch = _Batch()
        for record in read_records(stream, fmt):
            new = to_new_item(record, project.label_schema)
            read += 1
            if new.external_id in batch.seen:
                continue  # a repeated id inside one batch would be two rows in one INSERT
            refs = media.media_refs_of(project.label_schema, new.content, line=record.line)
            batch.add(new, refs, record.line)
            if len(batch.items) >= BATCH_SIZE:
                created += batch.flush(db, workspace_id, project_id, now)
                batch = _Batch()
                if progress:
                    progress(read)
        created += batch.flush(db, workspace_id, project_id, now)
        # gold items are not work: the project's item count (and progress) leaves them out
        gold = item_repo.count_gold(db, workspace_id=workspace_id, project_id=project_id)
        project_repo.add_to_counts(
            db,
            workspace_id=workspace_id,
            project_id=project_id,
            items=created - (gold - gold_before),
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="items.imported",
            object_type="project",
            object_id=project_id,
            detail={"format": fmt.value, "read": read, "created": created},
        )
    if created >= STATISTICS_REFRESH_ROWS:
        # A planner that still believes the project is empty picks a plan that sorts it all.
        with write_transaction(db):
            item_repo.refresh_statistics(db)
    if progress:
        progress(read)
    return ImportReport(read=read, created=created, existing=read - created)


@dataclass
class _Batch:
    """Items waiting for one insert, with the media their image fields reference."""

    items: list[item_repo.NewItem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    media_lines: dict[int, int | None] = field(default_factory=dict)
    links: list[tuple[str, int]] = field(default_factory=list)

    def add(self, item: item_repo.NewItem, media_ids: list[int], line: int | None = None) -> None:
        self.items.append(item)
        self.seen.add(item.external_id)
        for media_id in media_ids:
            self.media_lines.setdefault(media_id, line)
            self.links.append((item.external_id, media_id))

    def flush(self, db: Session, workspace_id: int, project_id: int, now: datetime) -> int:
        """Insert the batch; every media reference must be an upload of this workspace."""
        media.check_media_exist(db, workspace_id=workspace_id, refs=self.media_lines)
        created = item_repo.add_items(
            db, workspace_id=workspace_id, project_id=project_id, batch=self.items, now=now
        )
        media_repo.link_items_to_media(
            db, workspace_id=workspace_id, project_id=project_id, refs=self.links
        )
        return created


def to_new_item(record: SourceRecord, schema: LabelSchema) -> item_repo.NewItem:
    """Turn one source record into an item: `data` (or the non-reserved keys) is the content."""
    data = record.data
    nested = data.get("data")
    content: Mapping[str, object]
    if isinstance(nested, dict):
        content = nested
    else:
        content = {k: v for k, v in data.items() if k not in RESERVED_KEYS}
    schema.validate_content(content, line=record.line)
    return item_repo.NewItem(
        external_id=_external_id(data.get("external_id"), content, record.line),
        content=content,
        priority=_priority(data.get("priority"), record.line),
        prediction_score=_score(data.get("prediction_score"), record.line),
        gold=_gold(data.get("gold"), schema, content, record.line),
    )


def _gold(
    raw: object, schema: LabelSchema, content: Mapping[str, object], line: int
) -> dict[str, object] | None:
    """A record's known answers (an object, or in CSV its JSON text), checked by the schema."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise InvalidInput(
                "must be an object of answers (JSON)", field="gold", line=line
            ) from None
    return validate_gold(schema, raw, content, line=line)


def _external_id(raw: object, content: Mapping[str, object], line: int) -> str:
    if raw is None or raw == "":
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return "sha256:" + hashlib.sha256(canonical).hexdigest()
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidInput("must be text or an integer", field="external_id", line=line)
    text = str(raw)
    if len(text) > EXTERNAL_ID_MAX_CHARS:
        raise InvalidInput(
            f"at most {EXTERNAL_ID_MAX_CHARS} characters", field="external_id", line=line
        )
    return text


def _priority(raw: object, line: int) -> int:
    if raw is None or raw == "":
        return 0
    if isinstance(raw, bool):
        raise InvalidInput("must be an integer", field="priority", line=line)
    try:
        value = int(raw) if isinstance(raw, int | str) else None
    except ValueError:
        value = None
    lo, hi = PRIORITY_RANGE
    if value is None or not lo <= value <= hi:
        raise InvalidInput(f"must be an integer from {lo} to {hi}", field="priority", line=line)
    return value


def _score(raw: object, line: int) -> float | None:
    """A model's confidence in [0, 1] (the uncertainty order serves the lowest first)."""
    if raw is None or raw == "":
        return None
    try:
        value = (
            float(raw) if isinstance(raw, int | float | str) and not isinstance(raw, bool) else None
        )
    except ValueError:
        value = None
    if value is None or not 0.0 <= value <= 1.0:
        raise InvalidInput("must be a number from 0 to 1", field="prediction_score", line=line)
    return value
