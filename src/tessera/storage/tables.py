"""The database tables (SQLAlchemy Core); every tenant-owned table carries `workspace_id`."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# 64-bit ids on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the rowid, which is 64-bit.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on every backend alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _workspace_fk() -> Column[int]:
    return Column(
        "workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


def _created_at() -> Column[datetime]:
    return Column("created_at", UtcDateTime(), nullable=False)


users = Table(
    "users",
    metadata,
    _id(),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_operator", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", UtcDateTime(), nullable=True),
    _created_at(),
)

workspaces = Table(
    "workspaces",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    _created_at(),
)

memberships = Table(
    "memberships",
    metadata,
    _workspace_fk(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    _created_at(),
    UniqueConstraint("workspace_id", "user_id"),
    Index("ix_memberships_user_id", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _created_at(),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    _id(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _created_at(),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_web_sessions_user_id", "user_id"),
)

projects = Table(
    "projects",
    metadata,
    _id(),
    _workspace_fk(),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("label_schema", Text, nullable=False),
    Column("schema_version", Integer, nullable=False, default=1),
    Column("annotations_per_item", Integer, nullable=False, default=1),
    Column("lease_ttl_s", Integer, nullable=False, default=900),
    Column(
        "serving_order", String(20), nullable=False, default="priority", server_default="priority"
    ),
    Column("max_items_per_annotator", Integer, nullable=True),
    Column("is_blind", Boolean, nullable=False, default=True, server_default="1"),
    # share of submitted annotations sampled into the review queue, 0.0 to 1.0
    Column("review_rate", Float, nullable=False, default=0.0, server_default="0"),
    # quality rules (issue 6): gold mixing and pausing, more answers for unsure items
    Column("gold_rate", Float, nullable=False, default=0.0, server_default="0"),
    Column("gold_min_accuracy", Float, nullable=True),
    Column("gold_min_answers", Integer, nullable=False, default=10, server_default="10"),
    Column("min_confidence", Float, nullable=True),
    Column("max_annotations_per_item", Integer, nullable=True),
    Column("item_count", BigInteger, nullable=False, default=0),
    Column("done_count", BigInteger, nullable=False, default=0),
    Column("annotation_count", BigInteger, nullable=False, default=0),
    Column("guidelines", LargeBinary, nullable=True),  # sealed by the storage cipher
    _created_at(),
    CheckConstraint("annotations_per_item BETWEEN 1 AND 50", name="overlap_range"),
    Index("ix_projects_workspace_id", "workspace_id"),
)

items = Table(
    "items",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(512), nullable=False),
    Column("content", LargeBinary, nullable=False),  # sealed by the storage cipher
    Column("status", String(10), nullable=False, default="open"),
    Column("priority", Integer, nullable=False, default=0),
    Column("submitted_count", Integer, nullable=False, default=0),
    Column("overlap_override", Integer, nullable=True),  # None: the project's overlap
    # random serving order: a random key drawn at import, scanned from a random start
    Column("rand_key", Integer, nullable=False, default=0, server_default="0"),
    # uncertainty order: a model's confidence in [0, 1]; 2.0 when there is no prediction
    Column("prediction_score", Float, nullable=False, default=2.0, server_default="2.0"),
    Column("gold", LargeBinary, nullable=True),  # known answers, sealed; status is then "gold"
    _created_at(),
    UniqueConstraint("project_id", "external_id", name="uq_items_project_external"),
    # next task: open items of a project, in each serving order
    Index("ix_items_serving_random", "project_id", "status", "rand_key", "id"),
    Index("ix_items_serving_uncertainty", "project_id", "status", "prediction_score", "id"),
    Index("ix_items_project_id_id", "project_id", "id"),
)
# The priority order is "priority DESC, id ASC": the index must say so, or the database sorts
# every open item to find the first one.
Index("ix_items_serving", items.c.project_id, items.c.status, items.c.priority.desc(), items.c.id)

assignments = Table(
    "assignments",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(10), nullable=False),
    Column("leased_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("skip_reason", String(500), nullable=True),
    UniqueConstraint("item_id", "user_id", name="uq_assignments_item_user"),
    Index("ix_assignments_user_state", "project_id", "user_id", "state"),
    Index("ix_assignments_item_state", "item_id", "state"),
    Index("ix_assignments_project_state", "project_id", "state", "expires_at"),
)

annotations = Table(
    "annotations",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("assignment_id", Id, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("value", LargeBinary, nullable=False),  # sealed by the storage cipher
    Column("schema_version", Integer, nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    _created_at(),
    UniqueConstraint("assignment_id", name="uq_annotations_assignment"),
    Index("ix_annotations_item_id", "item_id"),
)

# The review queue and its history: one row per round of review of one annotation. At most
# one round per annotation is open (pending, or returned to its annotator) at a time.
reviews = Table(
    "reviews",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("annotation_id", Id, ForeignKey("annotations.id", ondelete="CASCADE"), nullable=False),
    Column("annotator_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(10), nullable=False),  # pending|accepted|rejected|returned|fixed
    Column("source", String(12), nullable=False),  # sampled|requested|resubmitted
    Column("reviewer_id", Id, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("leased_by", Id, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("lease_expires_at", UtcDateTime(), nullable=True),
    Column("reason", LargeBinary, nullable=True),  # sealed by the storage cipher
    Column("fixed_value", LargeBinary, nullable=True),  # sealed: the reviewer's correction
    # sealed: the answer a resubmission replaced (on the round that returned it)
    Column("replaced_value", LargeBinary, nullable=True),
    _created_at(),
    Column("decided_at", UtcDateTime(), nullable=True),
    Index("ix_reviews_queue", "project_id", "status", "id"),
    Index("ix_reviews_annotation_id", "annotation_id"),
    Index("ix_reviews_project_annotator", "project_id", "annotator_id", "status"),
)
_OPEN_REVIEW = reviews.c.status.in_(["pending", "returned"])
Index(
    "uq_reviews_open_annotation",
    reviews.c.annotation_id,
    unique=True,
    sqlite_where=_OPEN_REVIEW,
    postgresql_where=_OPEN_REVIEW,
)

workspace_keys = Table(
    "workspace_keys",
    metadata,
    _id(),
    _workspace_fk(),
    Column("version", Integer, nullable=False),
    # the data key wrapped by the master key, and then by the customer's key when it has one
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("is_customer_held", Boolean, nullable=False, default=False),
    Column("kdf_salt", LargeBinary, nullable=True),
    Column("kdf_params", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    _created_at(),
    UniqueConstraint("workspace_id", "version", name="uq_workspace_keys_version"),
)

# The access ledger outlives its workspace on purpose (no foreign key): it holds no content,
# and a deleted workspace's chain still proves what happened. Workspace 0 is the system chain.
access_events = Table(
    "access_events",
    metadata,
    _id(),
    Column("workspace_id", Id, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Id, nullable=True),
    Column("actor", String(400), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("workspace_id", "seq", name="uq_access_events_seq"),
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("workspace_id", Id, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    _id(),
    Column("workspace_id", Id, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signature", String(200), nullable=False),
    Column("public_key", String(100), nullable=False),
    _created_at(),
    Index("ix_ledger_checkpoints_workspace", "workspace_id", "seq"),
)

organisations = Table(
    "organisations",
    metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    _created_at(),
)

affiliations = Table(
    "affiliations",
    metadata,
    _id(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column(
        "organisation_id", Id, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("is_verified", Boolean, nullable=False, default=False),
    Column("verified_by", Id, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("ended_at", UtcDateTime(), nullable=True),
    _created_at(),
    Index("ix_affiliations_user_id", "user_id"),
    Index("ix_affiliations_organisation_id", "organisation_id"),
)

workspace_walls = Table(
    "workspace_walls",
    metadata,
    _workspace_fk(),
    Column(
        "organisation_id", Id, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("cooldown_days", Integer, nullable=False, default=0),
    _created_at(),
    UniqueConstraint("workspace_id", "organisation_id", name="uq_workspace_walls_org"),
)

operator_grants = Table(
    "operator_grants",
    metadata,
    _id(),
    _workspace_fk(),
    Column("operator_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("granted_by", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    _created_at(),
    Index("ix_operator_grants_workspace_operator", "workspace_id", "operator_id"),
)

media = Table(
    "media",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("content_type", String(40), nullable=False),  # chosen by the server from the bytes
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),  # sealed by the storage cipher
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _created_at(),
    Index("ix_media_project_sha256", "project_id", "sha256"),
    Index("ix_media_workspace_id", "workspace_id"),
)

# Which items show which media: an annotator may fetch only media of items assigned to them.
item_media = Table(
    "item_media",
    metadata,
    _workspace_fk(),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("media_id", Id, ForeignKey("media.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("item_id", "media_id", name="uq_item_media_item_media"),
    Index("ix_item_media_media_id", "media_id"),
)

# Quality (issue 6): pauses of annotators who fail gold, aggregated results per item and
# question (values sealed), per-annotator skill estimates, and each aggregation run's summary.
annotator_pauses = Table(
    "annotator_pauses",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("paused_at", UtcDateTime(), nullable=False),
    Column("lifted_at", UtcDateTime(), nullable=True),
    Column("lifted_by", Id, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_annotator_pauses_project_user", "project_id", "user_id", "lifted_at"),
)

quality_results = Table(
    "quality_results",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("question", String(200), nullable=False),
    Column("value", LargeBinary, nullable=False),  # sealed by the storage cipher
    Column("confidence", Float, nullable=False),
    Column("method", String(40), nullable=False),
    Column("n_answers", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("item_id", "question", name="uq_quality_results_item_question"),
    Index("ix_quality_results_project_item", "project_id", "item_id"),
)

annotator_skills = Table(
    "annotator_skills",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("question", String(200), nullable=False),
    Column("method", String(40), nullable=False),
    Column("skill", Float, nullable=True),
    Column("n_answers", Integer, nullable=False),
    Column("confusion", Text, nullable=True),  # JSON rows true -> answered, in option order
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("project_id", "user_id", "question", name="uq_annotator_skills_key"),
)

quality_runs = Table(
    "quality_runs",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("summary", Text, nullable=False),  # JSON: agreement and methods per question
    _created_at(),
    Index("ix_quality_runs_project", "project_id", "id"),
)

# Every version a project's label schema ever had, so an answer is read under its own.
project_schemas = Table(
    "project_schemas",
    metadata,
    _id(),
    _workspace_fk(),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("label_schema", Text, nullable=False),
    _created_at(),
    UniqueConstraint("project_id", "version", name="uq_project_schemas_version"),
)

# A result row of any shape, for the row-to-entity converters of the repositories.
AnyRow = Row[*tuple[Any, ...]]
