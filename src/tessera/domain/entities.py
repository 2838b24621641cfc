"""Frozen records of the nouns in DESIGN.md: workspaces, users, projects, items, tasks, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tessera.domain.label_schema import LabelSchema
from tessera.domain.quality_rules import QualitySettings
from tessera.domain.reviews import ReturnedAnswer


class Role(StrEnum):
    """A member's role inside one workspace."""

    OWNER = "owner"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    ANNOTATOR = "annotator"
    AUDITOR = "auditor"


class ItemStatus(StrEnum):
    """`open` while an item still needs answers, `done` once it has its overlap."""

    OPEN = "open"
    DONE = "done"
    GOLD = "gold"  # has known answers: mixed into queues, never open work (issue 6)


class ServingOrder(StrEnum):
    """Which open item an annotator gets next."""

    PRIORITY = "priority"  # highest priority first, then import order
    RANDOM = "random"  # a random open item (a random start in a stored random order)
    UNCERTAINTY = "uncertainty"  # lowest prediction score first; items without one last


class AssignmentState(StrEnum):
    """Lifecycle of one lease of one item to one annotator."""

    LEASED = "leased"
    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    EXPIRED = "expired"


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    is_active: bool
    is_operator: bool
    created_at: datetime


@dataclass(frozen=True)
class ApiCaller:
    """Whoever called with an API token that is not checked yet: its secret's hash. The service
    called checks it in the statement that reads the caller's membership (one round trip)."""

    token_hash: str


@dataclass(frozen=True)
class Workspace:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    workspace_id: int
    user_id: int
    role: Role
    email: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class ProjectCounts:
    """Denormalised counters, kept in step by the services that change them."""

    items: int
    done: int
    annotations: int

    @property
    def progress(self) -> float:
        """Share of items that have all the answers they need, 0.0 to 1.0."""
        return self.done / self.items if self.items else 0.0


@dataclass(frozen=True)
class Project:
    id: int
    workspace_id: int
    name: str
    description: str
    label_schema: LabelSchema
    schema_version: int
    annotations_per_item: int
    lease_ttl_s: int
    counts: ProjectCounts
    created_at: datetime
    serving_order: ServingOrder = ServingOrder.PRIORITY
    max_items_per_annotator: int | None = None
    is_blind: bool = True
    quality: QualitySettings = field(default_factory=QualitySettings)  # gold and rules (issue 6)
    review_rate: float = 0.0  # share of submitted annotations sampled into the review queue


@dataclass(frozen=True)
class Item:
    id: int
    workspace_id: int
    project_id: int
    external_id: str
    content: dict[str, object]
    status: ItemStatus
    priority: int
    submitted_count: int
    created_at: datetime
    overlap_override: int | None = None
    prediction_score: float | None = None


@dataclass(frozen=True)
class ListedItem:
    """An item on a page a client lists: its content stays the JSON text it was stored as (UTF-8;
    strict JSON, as imports check), to be passed on without being parsed and written again."""

    id: int
    external_id: str
    content_json: bytes
    status: ItemStatus
    priority: int
    submitted_count: int
    created_at: datetime
    overlap_override: int | None
    prediction_score: float | None


@dataclass(frozen=True)
class Assignment:
    id: int
    workspace_id: int
    project_id: int
    item_id: int
    user_id: int
    state: AssignmentState
    leased_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Task:
    """What an annotator is served: the lease, the item's content and, when the project is not
    blind, the answers others already gave."""

    assignment: Assignment
    item: Item
    other_answers: tuple[dict[str, object], ...] = ()
    returned: ReturnedAnswer | None = None  # set when a reviewer sent the caller's answer back


@dataclass(frozen=True)
class AnnotatorProgress:
    user_id: int
    email: str
    submitted: int
    skipped: int
    leased: int


@dataclass(frozen=True)
class ProjectStats:
    """The manager's view: where every item and lease stands, and each annotator's share."""

    items: int
    open: int
    done: int
    leased: int
    expired: int
    annotators: tuple[AnnotatorProgress, ...]


@dataclass(frozen=True)
class Annotation:
    id: int
    workspace_id: int
    project_id: int
    item_id: int
    assignment_id: int
    user_id: int
    value: dict[str, object]
    schema_version: int
    created_at: datetime
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime


@dataclass(frozen=True)
class ImportReport:
    """Outcome of one import: rows read, rows new, rows already present (same external_id)."""

    read: int
    created: int
    existing: int
