"""The migrations reach one head and build exactly the models' schema, on either database."""

from __future__ import annotations

from sqlalchemy import inspect

from registry.db import Base, create_db_engine
from registry.services.schema import drift, heads, upgrade_to_head


def test_migrations_have_a_single_head() -> None:
    assert len(heads()) == 1


def test_upgrade_builds_the_models_schema_without_drift(databases) -> None:
    engine = create_db_engine(databases.new("drift"))
    try:
        upgrade_to_head(engine)
        assert drift(engine) == []
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        upgrade_to_head(engine)  # a second upgrade is a no-op
        assert drift(engine) == []
    finally:
        engine.dispose()
