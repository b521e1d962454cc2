"""treaty register and returns (Ch.1, Appendices 1-6); theses checks of high-level events (Ch.3)

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "treaties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("concluded_on", sa.Date(), nullable=False),
        sa.Column("responsible", sa.JSON(), nullable=False),
        sa.Column("consolidating", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treaties")),
        sa.UniqueConstraint("number", name=op.f("uq_treaties_number")),
    )
    op.create_index(op.f("ix_treaties_status"), "treaties", ["status"], unique=False)
    op.create_index(op.f("ix_treaties_consolidating"), "treaties", ["consolidating"], unique=False)
    op.create_table(
        "treaty_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("form", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.JSON(), nullable=False),
        sa.Column("signed_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_treaty_returns_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treaty_returns")),
        sa.UniqueConstraint("year", "treaty_id", name=op.f("uq_treaty_returns_year")),
    )
    op.create_index(op.f("ix_treaty_returns_year"), "treaty_returns", ["year"], unique=False)
    op.create_index(
        op.f("ix_treaty_returns_treaty_id"), "treaty_returns", ["treaty_id"], unique=False
    )
    op.create_table(
        "treaty_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("conclusions", sa.Text(), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treaty_summaries")),
        sa.UniqueConstraint("year", name=op.f("uq_treaty_summaries_year")),
    )
    op.create_table(
        "thesis_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("initialled_pages", sa.JSON(), nullable=False),
        sa.Column("initialled_on_every_page", sa.Boolean(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("custody_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["rule_files.id"], name=op.f("fk_thesis_checks_file_id_rule_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thesis_checks")),
    )
    op.create_index(op.f("ix_thesis_checks_file_id"), "thesis_checks", ["file_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_thesis_checks_file_id"), table_name="thesis_checks")
    op.drop_table("thesis_checks")
    op.drop_table("treaty_summaries")
    op.drop_index(op.f("ix_treaty_returns_treaty_id"), table_name="treaty_returns")
    op.drop_index(op.f("ix_treaty_returns_year"), table_name="treaty_returns")
    op.drop_table("treaty_returns")
    op.drop_index(op.f("ix_treaties_consolidating"), table_name="treaties")
    op.drop_index(op.f("ix_treaties_status"), table_name="treaties")
    op.drop_table("treaties")
