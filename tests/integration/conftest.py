"""The app on a real database: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

The schema is built by running the Alembic migrations (so they are exercised on
every run), the base data (agencies, one user per role) is committed once per
session, and every test then runs inside a transaction that is rolled back:
a unit of work's ``commit()`` (registry.services.unit_of_work) only releases a SAVEPOINT.

On PostgreSQL each test session works in a schema of its own (``search_path``
set through the URL), dropped at the end, so that concurrent runs on the same
database never see each other and a second run starts clean.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from registry import create_app
from registry.db import EXTENSION_KEY, create_db_engine
from registry.models import User
from registry.permissions import Principal
from registry.services.schema import upgrade_to_head
from registry.services.setup import (
    DEMO_PASSWORD,
    DEMO_SIGNING_PASSPHRASE,
    ensure_demo_keys,
    ensure_demo_users,
    ensure_registry,
)
from registry.services.unit_of_work import unit_of_work

ADMIN_PASSWORD = "admin-password-for-tests"
PASSWORD = DEMO_PASSWORD
SIGNING_PASSPHRASE = DEMO_SIGNING_PASSPHRASE
KEK = "00" * 32


def _pg_schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


class Databases:
    """Creates empty databases for the session (one per call) and removes them at the end."""

    def __init__(self, base_url: str, tmp_dir: Path) -> None:
        self.base_url = base_url
        self.tmp_dir = tmp_dir
        self.schemas: list[str] = []
        self.is_postgresql = base_url.startswith("postgresql")

    def new(self, label: str) -> str:
        if not self.is_postgresql:
            return f"sqlite:///{self.tmp_dir / f'{label}-{secrets.token_hex(4)}.db'}"
        schema = f"arna_test_{re.sub(r'[^a-z0-9]', '', label.lower())}_{secrets.token_hex(4)}"
        admin = create_engine(self.base_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        self.schemas.append(schema)
        return _pg_schema_url(self.base_url, schema)

    def drop_all(self) -> None:
        if not self.schemas:
            return
        admin = create_engine(self.base_url)
        for schema in self.schemas:
            # A transaction each: dropping every schema's tables at once outgrows
            # PostgreSQL's lock table (max_locks_per_transaction).
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """A factory of fresh, empty databases of the kind TEST_DATABASE_URL selects."""
    dbs = Databases(os.environ.get("TEST_DATABASE_URL") or "", tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    """The shared test database: migrated to head, base data committed."""
    return databases.new("main")


@pytest.fixture(scope="session")
def engine(database_url: str, base_config: dict[str, Any]) -> Iterator[Engine]:
    """The shared database: migrated, then set up as ``bootstrap --demo`` would, minus letters.

    Every demo user of an agency has a signing key (passphrase ``SIGNING_PASSPHRASE``).
    """
    eng = create_db_engine(database_url)
    upgrade_to_head(eng)
    setup_app = create_app({**base_config, "DATABASE_URL": database_url})
    with (
        setup_app.app_context(),
        Session(eng, expire_on_commit=False) as session,
        unit_of_work(session),
    ):
        ensure_registry(session, kek=KEK, admin_password=ADMIN_PASSWORD)
        ensure_demo_users(session, PASSWORD)
        ensure_demo_keys(session, kek=KEK, passphrase=SIGNING_PASSPHRASE)
    setup_app.extensions[EXTENSION_KEY].engine.dispose()
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection in an outer transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A Session whose commits are savepoints inside the test's transaction."""
    session = session_factory()
    yield session
    session.close()


@pytest.fixture(scope="session")
def base_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app settings of every test app, apart from the database."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "ARNA_KEK": KEK,
        "ARNA_INSTANCE": str(tmp_path_factory.mktemp("instance")),
        "SESSION_COOKIE_SECURE": False,
        # Verifications run within the request: the test's session is one connection.
        "ARNA_CUSTODY_JOBS": "inline",
        "ARNA_PUBLIC_URL": "https://arna.test",
        # Today's Arna-held keys (tests of ARNA_SERVER_SIGNING=0 switch it off).
        "ARNA_SERVER_SIGNING": 1,
    }


@pytest.fixture(scope="session")
def app_config(database_url: str, base_config: dict[str, Any]) -> dict[str, Any]:
    return {**base_config, "DATABASE_URL": database_url}


@pytest.fixture(scope="session")
def base_app(app_config: dict[str, Any], engine: Engine) -> Flask:
    return create_app(app_config)


@pytest.fixture
def app(base_app: Flask, session_factory: sessionmaker[Session]) -> Iterator[Flask]:
    """The app, its request sessions bound to the test's rolled-back transaction."""
    state = base_app.extensions[EXTENSION_KEY]
    original = state.sessionmaker
    state.sessionmaker = session_factory
    yield base_app
    state.sessionmaker = original


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page hands out (the test walks the form like a browser)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


@pytest.fixture
def login(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """Sign ``client`` in through the real form as one of the demo users (or the admin)."""

    def do_login(username: str) -> FlaskClient:
        password = ADMIN_PASSWORD if username == "admin" else PASSWORD
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def service_session(app: Flask, db_session: Session) -> Iterator[Session]:
    """A rolled-back Session for calling services directly, inside the app's context
    (the custody log reads its key and origin from the app's configuration)."""
    with app.app_context():
        yield db_session


@pytest.fixture
def principal(db_session: Session) -> Callable[[str], Principal]:
    """The Principal of a demo user (or the admin), by username."""

    def of(username: str) -> Principal:
        user = db_session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return Principal.of(user)

    return of
