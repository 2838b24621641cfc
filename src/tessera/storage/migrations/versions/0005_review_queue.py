"""review queue: projects.review_rate and the reviews table

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_rate", sa.Float(), server_default="0", nullable=False)
        )

    op.create_table(
        "reviews",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "workspace_id",
            Id,
            sa.ForeignKey(
                "workspaces.id", name="fk_reviews_workspace_id_workspaces", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "project_id",
            Id,
            sa.ForeignKey("projects.id", name="fk_reviews_project_id_projects", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "item_id",
            Id,
            sa.ForeignKey("items.id", name="fk_reviews_item_id_items", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "annotation_id",
            Id,
            sa.ForeignKey(
                "annotations.id", name="fk_reviews_annotation_id_annotations", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "annotator_id",
            Id,
            sa.ForeignKey("users.id", name="fk_reviews_annotator_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column(
            "reviewer_id",
            Id,
            sa.ForeignKey("users.id", name="fk_reviews_reviewer_id_users", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "leased_by",
            Id,
            sa.ForeignKey("users.id", name="fk_reviews_leased_by_users", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("fixed_value", sa.LargeBinary(), nullable=True),
        sa.Column("replaced_value", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_queue", "reviews", ["project_id", "status", "id"])
    op.create_index("ix_reviews_annotation_id", "reviews", ["annotation_id"])
    op.create_index(
        "ix_reviews_project_annotator", "reviews", ["project_id", "annotator_id", "status"]
    )
    is_open = sa.text("status IN ('pending', 'returned')")
    op.create_index(
        "uq_reviews_open_annotation",
        "reviews",
        ["annotation_id"],
        unique=True,
        sqlite_where=is_open,
        postgresql_where=is_open,
    )


def downgrade() -> None:
    op.drop_index("uq_reviews_open_annotation", table_name="reviews")
    op.drop_index("ix_reviews_project_annotator", table_name="reviews")
    op.drop_index("ix_reviews_annotation_id", table_name="reviews")
    op.drop_index("ix_reviews_queue", table_name="reviews")
    op.drop_table("reviews")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("review_rate")
