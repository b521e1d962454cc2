"""one throttle table for every guessable secret; a per-user session epoch

Login and copy-lookup throttles become rows of ``throttles`` (their counters are
transient: nothing is carried over). ``users.session_epoch`` is part of every session
cookie and goes up when the user signs out or their password changes, which ends
every session issued before.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counter_table(name: str, count_column: str) -> None:
    op.create_table(
        name,
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(count_column, sa.Integer(), nullable=False),
        sa.Column("window_started_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _counter_table("throttles", "attempts")
    op.drop_table("login_throttles")
    op.drop_table("copy_lookup_throttles")
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
    _counter_table("copy_lookup_throttles", "failures")
    _counter_table("login_throttles", "failures")
    op.drop_table("throttles")
