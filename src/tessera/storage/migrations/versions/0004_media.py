"""media: encrypted uploads and the items that show them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("project_id", Id, nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_media_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_media_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_media_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    op.create_index("ix_media_project_sha256", "media", ["project_id", "sha256"], unique=False)
    op.create_index("ix_media_workspace_id", "media", ["workspace_id"], unique=False)
    op.create_table(
        "item_media",
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("media_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_item_media_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_media_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_item_media_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("item_id", "media_id", name="uq_item_media_item_media"),
    )
    op.create_index("ix_item_media_media_id", "item_media", ["media_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_item_media_media_id", table_name="item_media")
    op.drop_table("item_media")
    op.drop_index("ix_media_workspace_id", table_name="media")
    op.drop_index("ix_media_project_sha256", table_name="media")
    op.drop_table("media")
