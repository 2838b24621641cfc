"""project_schemas: every version of a project's label schema

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "project_schemas",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("project_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label_schema", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_project_schemas_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_schemas_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_schemas")),
        sa.UniqueConstraint("project_id", "version", name="uq_project_schemas_version"),
    )
    # the schema each existing project has now is the one version known of it
    op.execute(
        "INSERT INTO project_schemas (workspace_id, project_id, version, label_schema, created_at)"
        " SELECT workspace_id, id, schema_version, label_schema, created_at FROM projects"
    )


def downgrade() -> None:
    op.drop_table("project_schemas")
