"""proof: time-stamps and revocation data kept as evidence, witness cosignatures

Revision ID: 0008
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custody_cosignatures",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("witness_key", sa.String(length=200), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", "witness_key", name=op.f("pk_custody_cosignatures")),
    )
    op.create_table(
        "custody_witnesses",
        sa.Column("witness_key", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("cosigned_size", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempted_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("witness_key", name=op.f("pk_custody_witnesses")),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("registry_number", sa.String(length=64), nullable=True),
        sa.Column("ref", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint(
            "kind", "registry_number", "ref", "digest", name=op.f("uq_evidence_kind")
        ),
    )
    op.create_index("ix_evidence_kind_ref", "evidence", ["kind", "ref"], unique=False)
    op.create_index("ix_evidence_registry_number", "evidence", ["registry_number"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_registry_number", table_name="evidence")
    op.drop_index("ix_evidence_kind_ref", table_name="evidence")
    op.drop_table("evidence")
    op.drop_table("custody_witnesses")
    op.drop_table("custody_cosignatures")
