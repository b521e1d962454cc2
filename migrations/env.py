"""Alembic environment: Arna's models, the app's database URL and engine settings.

A caller that already holds a connection (the tests, ``flask bootstrap``) passes
it as ``config.attributes["connection"]``; otherwise the URL is read the same
way the app reads it (DATABASE_URL, else the instance folder's SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import registry.models  # noqa: F401 -- registers every table on Base.metadata
from registry.config import database_url
from registry.db import Base, create_db_engine, include_for

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(context.config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Arna's migrations run online only (flask --app wsgi bootstrap)")
run_migrations_online()
