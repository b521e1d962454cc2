"""signed rule-file records (issue 13): the step's XML record, and certified copies of it

Revision ID: 0018
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0018"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rule_file_events") as batch:
        batch.add_column(sa.Column("xml", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("verification", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("verified_at", registry.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("signed_by", sa.JSON(), nullable=True))
    with op.batch_alter_table("certified_copies") as batch:
        batch.alter_column("letter_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column(
            "registry_number", existing_type=sa.String(length=64), type_=sa.String(length=300)
        )
        batch.add_column(sa.Column("rule_file_event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_certified_copies_rule_file_event_id_rule_file_events"),
            "rule_file_events",
            ["rule_file_event_id"],
            ["id"],
        )
        batch.create_index(
            op.f("ix_certified_copies_rule_file_event_id"), ["rule_file_event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("certified_copies") as batch:
        batch.drop_index(op.f("ix_certified_copies_rule_file_event_id"))
        batch.drop_constraint(
            op.f("fk_certified_copies_rule_file_event_id_rule_file_events"), type_="foreignkey"
        )
        batch.drop_column("rule_file_event_id")
        batch.alter_column(
            "registry_number", existing_type=sa.String(length=300), type_=sa.String(length=64)
        )
        batch.alter_column("letter_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("rule_file_events") as batch:
        for name in ("signed_by", "verified_at", "verification", "sha256", "xml"):
            batch.drop_column(name)
