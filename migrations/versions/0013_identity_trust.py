"""identity and scoped trust: agencies' BIN, users' IIN, acting first heads, anchor scopes,
anchors' delta CRLs, and the registry's settings (a TEST registry says so)

Existing trust anchors become ``pki = 'other'`` with an empty scope and no right to
vouch for first heads: from this revision on they vouch for nobody — their signatures
still verify, but count as no agency's officer and no first head — until the
administrator marks each one (its PKI, the agencies it may vouch for, whether it may
vouch for first heads) on the trust anchors page.  This is the safe reading of
issue 11's M4: an anchor imported before scopes existed was never asked what it may
certify, so it is not presumed to certify anyone.

Revision ID: 0013
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0013"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("bin", sa.String(length=12), nullable=True))
        batch.create_unique_constraint(batch.f("uq_agencies_bin"), ["bin"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("iin", sa.String(length=12), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_iin"), ["iin"])
    with op.batch_alter_table("trust_anchors") as batch:
        batch.add_column(
            sa.Column("pki", sa.String(length=20), server_default="other", nullable=False)
        )
        batch.add_column(sa.Column("scope", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(
            sa.Column("vouches_first_head", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("delta_crl_pem", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "delta_crl_this_update", registry.db.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.create_table(
        "acting_first_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_acting_first_heads_agency_code_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_acting_first_heads_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acting_first_heads")),
    )
    op.create_index(
        op.f("ix_acting_first_heads_agency_code"), "acting_first_heads", ["agency_code"]
    )
    op.create_index(op.f("ix_acting_first_heads_iin"), "acting_first_heads", ["iin"])
    op.create_table(
        "registry_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("set_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_registry_settings")),
    )


def downgrade() -> None:
    op.drop_table("registry_settings")
    op.drop_index(op.f("ix_acting_first_heads_iin"), table_name="acting_first_heads")
    op.drop_index(op.f("ix_acting_first_heads_agency_code"), table_name="acting_first_heads")
    op.drop_table("acting_first_heads")
    with op.batch_alter_table("trust_anchors") as batch:
        batch.drop_column("delta_crl_this_update")
        batch.drop_column("delta_crl_pem")
        batch.drop_column("vouches_first_head")
        batch.drop_column("scope")
        batch.drop_column("pki")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_iin"), type_="unique")
        batch.drop_column("iin")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_constraint(batch.f("uq_agencies_bin"), type_="unique")
        batch.drop_column("bin")
