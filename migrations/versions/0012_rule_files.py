"""rule files: agreements reached (Ch.4) and decision files (Ch.2)

Revision ID: 0012
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("opened_by_agency", sa.String(length=64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("parties", sa.String(length=2000), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_files")),
        sa.UniqueConstraint("number", name=op.f("uq_rule_files_number")),
    )
    op.create_index(op.f("ix_rule_files_kind"), "rule_files", ["kind"], unique=False)
    op.create_table(
        "rule_file_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("custody_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["rule_files.id"], name=op.f("fk_rule_file_events_file_id_rule_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_file_events")),
        sa.UniqueConstraint("file_id", "key", name=op.f("uq_rule_file_events_file_id")),
    )
    op.create_index(
        op.f("ix_rule_file_events_file_id"), "rule_file_events", ["file_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rule_file_events_file_id"), table_name="rule_file_events")
    op.drop_table("rule_file_events")
    op.drop_index(op.f("ix_rule_files_kind"), table_name="rule_files")
    op.drop_table("rule_files")
