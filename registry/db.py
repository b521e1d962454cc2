"""The database layer: the declarative base, column types and engines (no Flask).

The per-request Session of the web app is ``registry.web.database``.

One `Base` carries a naming convention so that Alembic can name (and later drop)
every constraint identically on SQLite and PostgreSQL.

SQLite needs two adjustments to behave like a server database under gunicorn:
pysqlite's own transaction handling is switched off so that SQLAlchemy emits
``BEGIN IMMEDIATE`` itself (writers queue on the busy timeout instead of failing
with "database is locked" when a read transaction later wants to write), and
foreign keys are switched on for every connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
# The largest value an Integer column holds on every database (PostgreSQL's int4): ids and
# log sizes past it name nothing, and must be refused before a query overflows the driver.
MAX_INTEGER = 2**31 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zone type and hands back naive values; storing UTC and
    re-attaching the zone on read makes both databases return the same thing.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every Arna model (the registry's and the engines' tables)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 -- SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        date: Date(),
        bytes: LargeBinary(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def dialect_index(name: str, *columns: str, dialect: str, **kwargs: Any) -> Index:
    """An index that exists on one database only (a PostgreSQL trigram index, say).

    ``ddl_if`` keeps it out of the other database's DDL; ``info["dialect"]`` lets the
    schema comparison (`include_for`) leave it out there too, which ``ddl_if`` does not.
    """
    index = Index(name, *columns, info={"dialect": dialect}, **kwargs)
    return index.ddl_if(dialect=dialect)


def include_for(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: skips the other databases' indexes."""

    def include(obj: Any, _name: str | None, type_: str, reflected: bool, _other: Any) -> bool:
        if type_ != "index" or reflected:
            return True
        return obj.info.get("dialect", dialect) == dialect

    return include


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (what `UTCDateTime` stores)."""
    return datetime.now(UTC)


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with Arna's per-dialect settings applied."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    engine = create_engine(
        parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
    )
    in_memory = parsed.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass
class DatabaseState:
    """What the app keeps per application: its engine and the factory of request sessions.

    Tests replace ``sessionmaker`` with one bound to a connection held in an outer
    transaction, so that each test is rolled back as a whole.
    """

    engine: Engine
    sessionmaker: sessionmaker[Session]


EXTENSION_KEY = "arna_db"  # app.extensions[EXTENSION_KEY]: the app's DatabaseState


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A Session outside any request (CLI, scripts); closed on exit, never auto-committed."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
