"""Export a project: every item with every individual annotation, streamed as JSONL or CSV."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from tessera.domain.entities import Item, Project, User
from tessera.domain.label_schema import QuestionType
from tessera.domain.quality_rules import aggregation_keys
from tessera.domain.reviews import Review
from tessera.formats import write_csv, write_jsonl
from tessera.services import ledger
from tessera.services.policies import Action, authorize
from tessera.storage.engine import Database, read_transaction, write_transaction
from tessera.storage.repositories import annotations as annotation_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo
from tessera.storage.repositories import quality as quality_repo
from tessera.storage.repositories import reviews as review_repo
from tessera.storage.repositories.annotations import AnnotationWithAuthor
from tessera.storage.repositories.quality import StoredResult

BATCH_SIZE = 500
MULTI_CHOICE_SEPARATOR = "|"

Progress = Callable[[int], None]


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return "application/x-ndjson" if self is ExportFormat.JSONL else "text/csv; charset=utf-8"


@dataclass(frozen=True)
class ExportStream:
    """A download: its project, a suggested file name and the lazy bytes."""

    project: Project
    filename: str
    media_type: str
    chunks: Iterator[bytes]


def open_export(
    database: Database, *, actor: User, workspace_id: int, project_id: int, fmt: ExportFormat
) -> ExportStream:
    """Like `export_project`, on a session of its own that closes when the stream ends.

    For HTTP responses, whose body is read after the request handler has returned.
    """
    db = database.session()
    try:
        project, chunks = export_project(
            db, actor=actor, workspace_id=workspace_id, project_id=project_id, fmt=fmt
        )
    except Exception:
        db.close()
        raise

    def stream() -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            db.close()

    return ExportStream(project, _filename(project, fmt), fmt.media_type, stream())


def _filename(project: Project, fmt: ExportFormat) -> str:
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in project.name.lower())
    return f"project-{project.id}-{slug.strip('-')[:40]}".rstrip("-") + f".{fmt.value}"


def export_project(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    project_id: int,
    fmt: ExportFormat,
    progress: Progress | None = None,
) -> tuple[Project, Iterator[bytes]]:
    """Check access now, then return the project and a lazy stream of the export's bytes.

    The stream reads the items in keyset batches, so memory stays flat however big the
    project is; the caller must keep `db` open until the stream is exhausted.

    Args:
        progress: called with the number of items read so far, after each batch.
    """
    # A write transaction only to put the download on the ledger before any byte leaves.
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.EXPORT)
        project = project_repo.get_project(db, workspace_id=workspace_id, project_id=project_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="export.downloaded",
            object_type="project",
            object_id=project_id,
            detail={"format": fmt.value, "items": project.counts.items},
        )
    items = _batches(db, project, progress)
    if fmt is ExportFormat.JSONL:
        return project, write_jsonl(_json_records(items))
    return project, write_csv(_csv_header(project), _csv_rows(project, items))


# each annotation's latest review round, with its reviewer's email (issue 6)
Reviews = dict[int, tuple[Review, str | None]]
# an item, its answers, its aggregated results and the answers' reviews (issue 6)
ItemWithAnswers = tuple[Item, list[AnnotationWithAuthor], list[StoredResult], Reviews]


def _batches(db: Session, project: Project, progress: Progress | None) -> Iterator[ItemWithAnswers]:
    done = 0
    with read_transaction(db):
        for page in item_repo.iter_items(
            db, workspace_id=project.workspace_id, project_id=project.id, batch_size=BATCH_SIZE
        ):
            answers = annotation_repo.list_annotations_for_items(
                db, workspace_id=project.workspace_id, item_ids=[i.id for i in page]
            )
            results = quality_repo.results_for_items(
                db, workspace_id=project.workspace_id, item_ids=[i.id for i in page]
            )
            reviews = review_repo.latest_for_annotations(
                db,
                workspace_id=project.workspace_id,
                annotation_ids=[a.annotation.id for i in page for a in answers[i.id]],
            )
            for item in page:
                yield item, answers[item.id], results[item.id], reviews
            done += len(page)
            if progress:
                progress(done)


def _json_records(items: Iterator[ItemWithAnswers]) -> Iterator[dict[str, object]]:
    for item, answers, results, reviews in items:
        yield {
            "id": item.id,
            "external_id": item.external_id,
            "data": item.content,
            "status": item.status.value,
            "priority": item.priority,
            "annotations": [
                {
                    "id": a.annotation.id,
                    "annotator": a.author_email,
                    "value": a.annotation.value,
                    "schema_version": a.annotation.schema_version,
                    "created_at": a.annotation.created_at.isoformat(),
                    "review": _review_record(reviews.get(a.annotation.id)),
                }
                for a in answers
            ],
            "result": {
                r.question: {
                    "value": r.value,
                    "confidence": r.confidence,
                    "method": r.method,
                    "n_answers": r.n_answers,
                }
                for r in results
            },
        }


def _review_record(found: tuple[Review, str | None] | None) -> dict[str, object] | None:
    """The annotation's latest review round: None when it was never queued for review."""
    if found is None:
        return None
    review, reviewer = found
    return {
        "status": review.status.value,
        "reviewer": reviewer,
        "reason": review.reason,
        "fixed_value": review.fixed_value,
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
    }


def _csv_header(project: Project) -> list[str]:
    schema = project.label_schema
    return [
        "item_id",
        "external_id",
        "status",
        *[f.name for f in schema.fields],
        "annotation_id",
        "annotator",
        *[q.name for q in schema.questions],
        "schema_version",
        "annotated_at",
        *_REVIEW_COLUMNS,
        *[f"{kind}.{key}" for key, _, _ in aggregation_keys(schema) for kind in _RESULT_COLUMNS],
    ]


_RESULT_COLUMNS = ("result", "confidence")
# the fixed value is the reviewer's whole corrected answer, as JSON
_REVIEW_COLUMNS = ("review_status", "reviewer", "review_reason", "fixed_value")


def _review_cells(found: tuple[Review, str | None] | None) -> list[object]:
    if found is None:
        return [None] * len(_REVIEW_COLUMNS)
    review, reviewer = found
    fixed = None
    if review.fixed_value is not None:
        fixed = json.dumps(review.fixed_value, ensure_ascii=False, sort_keys=True)
    return [review.status.value, reviewer, review.reason, fixed]


def _result_cells(project: Project, results: list[StoredResult]) -> list[object]:
    by_key = {r.question: r for r in results}
    cells: list[object] = []
    for key, question, _ in aggregation_keys(project.label_schema):
        r = by_key.get(key)
        value = None if r is None else r.value
        if question.type is QuestionType.MULTI_CHOICE and isinstance(value, list):
            value = MULTI_CHOICE_SEPARATOR.join(str(x) for x in value)
        cells += [value, None if r is None else r.confidence]
    return cells


def _csv_rows(project: Project, items: Iterator[ItemWithAnswers]) -> Iterator[list[object]]:
    schema = project.label_schema
    for item, answers, results, reviews in items:
        head: list[object] = [item.id, item.external_id, item.status.value]
        tail = _result_cells(project, results)
        head += [item.content.get(f.name) for f in schema.fields]
        if not answers:
            yield head + [None] * (4 + len(schema.questions) + len(_REVIEW_COLUMNS)) + tail
            continue
        for a in answers:
            cells: list[object] = []
            for q in schema.questions:
                v = a.annotation.value.get(q.name)
                if q.type is QuestionType.MULTI_CHOICE and isinstance(v, list):
                    v = MULTI_CHOICE_SEPARATOR.join(str(x) for x in v)
                cells.append(v)
            yield [
                *head,
                a.annotation.id,
                a.author_email,
                *cells,
                a.annotation.schema_version,
                a.annotation.created_at.isoformat(),
                *_review_cells(reviews.get(a.annotation.id)),
                *tail,
            ]
