"""The database schema: upgrade to the Alembic head, and compare the models with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

import registry.models  # noqa: F401 -- every table on Base.metadata
from registry.db import Base, include_for

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this checkout, optionally bound to an open connection."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the single head revision (a no-op when it is there)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def heads() -> tuple[str, ...]:
    """The head revisions of the migration scripts (one, unless someone branched)."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def drift(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty = none)."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": include_for(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, Base.metadata)
