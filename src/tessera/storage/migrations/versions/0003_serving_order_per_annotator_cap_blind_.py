"""serving: order, per-annotator cap, blind, overrides, idempotency

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_project_state", ["project_id", "state", "expires_at"], unique=False
        )

    with op.batch_alter_table("items", schema=None) as batch_op:
        # priority DESC in the index itself, so "priority DESC, id" walks it without a sort
        batch_op.drop_index("ix_items_serving")
        batch_op.create_index(
            "ix_items_serving",
            ["project_id", "status", sa.text("priority DESC"), "id"],
            unique=False,
        )
        batch_op.add_column(sa.Column("overlap_override", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rand_key", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("prediction_score", sa.Float(), server_default="2.0", nullable=False)
        )
        batch_op.create_index(
            "ix_items_serving_random", ["project_id", "status", "rand_key", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_serving_uncertainty",
            ["project_id", "status", "prediction_score", "id"],
            unique=False,
        )

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "serving_order", sa.String(length=20), server_default="priority", nullable=False
            )
        )
        batch_op.add_column(sa.Column("max_items_per_annotator", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("is_blind", sa.Boolean(), server_default="1", nullable=False))


def downgrade() -> None:

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("is_blind")
        batch_op.drop_column("max_items_per_annotator")
        batch_op.drop_column("serving_order")

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_serving_uncertainty")
        batch_op.drop_index("ix_items_serving_random")
        batch_op.drop_column("prediction_score")
        batch_op.drop_column("rand_key")
        batch_op.drop_column("overlap_override")
        batch_op.drop_index("ix_items_serving")
        batch_op.create_index(
            "ix_items_serving", ["project_id", "status", "priority", "id"], unique=False
        )

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_project_state")

    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_column("idempotency_key")
