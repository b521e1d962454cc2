"""outside trust anchors carry their latest CRL

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trust_anchors") as batch:
        batch.add_column(sa.Column("crl_pem", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("crl_this_update", registry.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("trust_anchors") as batch:
        batch.drop_column("crl_this_update")
        batch.drop_column("crl_pem")
