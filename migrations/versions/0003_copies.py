"""certified paper copies (¶32-1) and the code look-up throttle

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certified_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("registry_number", sa.String(length=64), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("letter_sha256", sa.String(length=64), nullable=False),
        sa.Column("letter_state", sa.String(length=20), nullable=False),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.Column("certified_by", sa.String(length=300), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("custody_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_certified_copies_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letters.id"], name=op.f("fk_certified_copies_letter_id_letters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certified_copies")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_certified_copies_code_sha256")),
        sa.UniqueConstraint("pdf_sha256", name=op.f("uq_certified_copies_pdf_sha256")),
    )
    op.create_index(
        op.f("ix_certified_copies_letter_id"), "certified_copies", ["letter_id"], unique=False
    )
    op.create_table(
        "copy_lookup_throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_copy_lookup_throttles")),
    )


def downgrade() -> None:
    op.drop_table("copy_lookup_throttles")
    op.drop_index(op.f("ix_certified_copies_letter_id"), table_name="certified_copies")
    op.drop_table("certified_copies")
