"""Chapter 4's fixed-date reports recorded as sent: ¶33 part 2 (quarterly) and ¶35 (half-yearly)

Revision ID: 0019
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periodic_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("custody_index", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_reports")),
        sa.UniqueConstraint(
            "report", "year", "period", name=op.f("uq_periodic_reports_report")
        ),
    )


def downgrade() -> None:
    op.drop_table("periodic_reports")
