"""quality: gold answers and rule settings, pauses, aggregated results, skills, runs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, table: str, ondelete: str = "CASCADE") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(column, Id, sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gold_rate", sa.Float(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("gold_min_accuracy", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("gold_min_answers", sa.Integer(), server_default="10", nullable=False)
        )
        batch_op.add_column(sa.Column("min_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_annotations_per_item", sa.Integer(), nullable=True))
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gold", sa.LargeBinary(), nullable=True))

    op.create_table(
        "annotator_pauses",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _fk("workspace_id", "workspaces"),
        _fk("project_id", "projects"),
        _fk("user_id", "users"),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("paused_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index(
        "ix_annotator_pauses_project_user",
        "annotator_pauses",
        ["project_id", "user_id", "lifted_at"],
    )
    op.create_table(
        "quality_results",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _fk("workspace_id", "workspaces"),
        _fk("project_id", "projects"),
        _fk("item_id", "items"),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("n_answers", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("item_id", "question", name="uq_quality_results_item_question"),
    )
    op.create_index("ix_quality_results_project_item", "quality_results", ["project_id", "item_id"])
    op.create_table(
        "annotator_skills",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _fk("workspace_id", "workspaces"),
        _fk("project_id", "projects"),
        _fk("user_id", "users"),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("skill", sa.Float(), nullable=True),
        sa.Column("n_answers", sa.Integer(), nullable=False),
        sa.Column("confusion", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "user_id", "question", name="uq_annotator_skills_key"),
    )
    op.create_table(
        "quality_runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _fk("workspace_id", "workspaces"),
        _fk("project_id", "projects"),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_quality_runs_project", "quality_runs", ["project_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_quality_runs_project", table_name="quality_runs")
    op.drop_table("quality_runs")
    op.drop_table("annotator_skills")
    op.drop_index("ix_quality_results_project_item", table_name="quality_results")
    op.drop_table("quality_results")
    op.drop_index("ix_annotator_pauses_project_user", table_name="annotator_pauses")
    op.drop_table("annotator_pauses")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("gold")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("max_annotations_per_item")
        batch_op.drop_column("min_confidence")
        batch_op.drop_column("gold_min_answers")
        batch_op.drop_column("gold_min_accuracy")
        batch_op.drop_column("gold_rate")
