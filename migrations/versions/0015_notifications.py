"""deadline e-mails: users' address, opt-out and language; the e-mails sent; refusal reasons

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(
            sa.Column("notify_deadlines", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="kk")
        )
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("sent_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_sent")),
        sa.UniqueConstraint("item", "user_id", "kind", name=op.f("uq_notifications_sent_item")),
    )


    op.create_table(
        "custody_refusal_reasons",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["index"],
            ["custody_events.index"],
            name=op.f("fk_custody_refusal_reasons_index_custody_events"),
        ),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_custody_refusal_reasons")),
    )


def downgrade() -> None:
    op.drop_table("custody_refusal_reasons")
    op.drop_table("notifications_sent")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("notify_deadlines")
        batch.drop_column("email")
