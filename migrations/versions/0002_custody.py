"""custody log: events, subtree hashes, checkpoints, and the head row appends lock

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    head = op.create_table(
        "custody_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_custody_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_head")),
    )
    # The row exists before any writer does, so the first appends lock it too.
    op.bulk_insert(head, [{"id": 1, "size": 0}])
    op.create_table(
        "custody_events",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("registry_number", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_custody_events")),
    )
    op.create_index(
        "ix_custody_events_registry_number",
        "custody_events",
        ["registry_number", "index"],
        unique=False,
    )
    op.create_table(
        "custody_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_custody_nodes")),
    )
    op.create_table(
        "custody_checkpoints",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_custody_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("custody_checkpoints")
    op.drop_table("custody_nodes")
    op.drop_index("ix_custody_events_registry_number", table_name="custody_events")
    op.drop_table("custody_events")
    op.drop_table("custody_head")
