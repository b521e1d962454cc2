"""scale: the letter–party table, partial indexes for open letters and deadlines, search indexes

Revision ID: 0016
Revises: 0012

``letter_parties`` is filled from the letters already stored, by the rule of
``registry.services.letters.records.party_relations`` as it stands at this revision
(copied here: a migration must not change when the code does later).
On PostgreSQL, search uses pg_trgm, created in schema ``public`` (and its operator
class named there) so that a database with one schema per test session never loses
it when one of those schemas is dropped.
"""

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

_letters = sa.table(
    "letters",
    sa.column("id", sa.Integer()),
    sa.column("agency_code", sa.String()),
    sa.column("plan", sa.JSON()),
)
_deadlines = sa.table(
    "deadlines",
    sa.column("letter_id", sa.Integer()),
    sa.column("by_party", sa.String()),
    sa.column("to_parties", sa.JSON()),
)
_letter_parties = sa.table(
    "letter_parties",
    sa.column("letter_id", sa.Integer()),
    sa.column("party", sa.String()),
    sa.column("relation", sa.String()),
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _rows(connection: sa.Connection) -> Iterator[dict[str, Any]]:
    steps: dict[int, set[str]] = {}
    for letter_id, by_party, to_parties in connection.execute(
        sa.select(_deadlines.c.letter_id, _deadlines.c.by_party, _deadlines.c.to_parties)
    ):
        steps.setdefault(letter_id, set()).update([by_party, *_json(to_parties)])
    for letter_id, agency, raw_plan in connection.execute(
        sa.select(_letters.c.id, _letters.c.agency_code, _letters.c.plan)
    ):
        plan = _json(raw_plan)
        pairs = {(agency, "agency")}
        pairs.update((party, "route") for party in plan["route"])
        pairs.update((party, "copy") for party in plan["copies"])
        pairs.update((a["party"], "notice") for a in plan["after_send"])
        for step in plan["steps"]:
            pairs.update((party, "step") for party in [step["by"], *step["to"]])
        pairs.update((party, "step") for party in steps.get(letter_id, ()))
        for party, relation in sorted(pairs):
            yield {"letter_id": letter_id, "party": party, "relation": relation}


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    op.create_table(
        "letter_parties",
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letters.id"],
            name=op.f("fk_letter_parties_letter_id_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("letter_id", "party", "relation", name=op.f("pk_letter_parties")),
    )
    batch: list[dict[str, Any]] = []
    for row in _rows(connection):
        batch.append(row)
        if len(batch) == BATCH:
            op.bulk_insert(_letter_parties, batch)
            batch = []
    if batch:
        op.bulk_insert(_letter_parties, batch)
    op.create_index(
        "ix_letter_parties_party_letter_id", "letter_parties", ["party", "letter_id"]
    )
    op.create_index(
        "ix_letters_open_holder",
        "letters",
        ["holder", "state"],
        postgresql_where=sa.text("state <> 'closed'"),
        sqlite_where=sa.text("state <> 'closed'"),
    )
    op.create_index(
        "ix_letters_open_id",
        "letters",
        ["id"],
        postgresql_where=sa.text("state <> 'closed'"),
        sqlite_where=sa.text("state <> 'closed'"),
    )
    op.create_index("ix_letters_letter_date_id", "letters", ["letter_date", "id"])
    op.create_index("ix_letters_recipient_id", "letters", ["recipient", "id"])
    op.create_index(
        "ix_deadlines_open",
        "deadlines",
        ["by_party", "letter_id", "due"],
        postgresql_where=sa.text("done_at IS NULL"),
        sqlite_where=sa.text("done_at IS NULL"),
    )
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for column in ("registry_number", "subject"):
            op.create_index(
                f"ix_letters_{column}_trgm",
                "letters",
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "public.gin_trgm_ops"},
            )
    else:
        op.create_index("ix_letters_subject", "letters", ["subject"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_letters_subject_trgm", table_name="letters")
        op.drop_index("ix_letters_registry_number_trgm", table_name="letters")
    else:
        op.drop_index("ix_letters_subject", table_name="letters")
    op.drop_index("ix_deadlines_open", table_name="deadlines")
    op.drop_index("ix_letters_recipient_id", table_name="letters")
    op.drop_index("ix_letters_letter_date_id", table_name="letters")
    op.drop_index("ix_letters_open_id", table_name="letters")
    op.drop_index("ix_letters_open_holder", table_name="letters")
    op.drop_index("ix_letter_parties_party_letter_id", table_name="letter_parties")
    op.drop_table("letter_parties")
