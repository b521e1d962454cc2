"""court case files; a deadline records the day its clock counts from (¶14-8 OHCHR publication)

Revision ID: 0011
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("counted_from", sa.Date(), nullable=True))
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("court", sa.String(length=16), nullable=False),
        sa.Column("court_deadline", sa.Date(), nullable=True),
        sa.Column("judicial_practice", sa.Boolean(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_case_files_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["letters.id"], name=op.f("fk_case_files_request_id_letters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
        sa.UniqueConstraint("request_id", name=op.f("uq_case_files_request_id")),
    )


def downgrade() -> None:
    op.drop_table("case_files")
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("counted_from")
