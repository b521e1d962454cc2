"""the trust generation: a token every change to trust anchors, keys, agencies' BINs or
acting first heads replaces (registry/models/generation.py), so that workers keep what
they build from those rows until it changes

Revision ID: 0020
Revises: 0019
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

settings = sa.table(
    "registry_settings",
    sa.column("name", sa.String),
    sa.column("value", sa.String),
    sa.column("set_at", registry.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.bulk_insert(
        settings,
        [{"name": "trust_generation", "value": secrets.token_hex(16), "set_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.execute(settings.delete().where(settings.c.name == "trust_generation"))
