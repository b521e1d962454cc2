"""The app's database: one engine per app, one Session per request (or app context)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db import EXTENSION_KEY, DatabaseState, create_db_engine


def init_app(app: Flask) -> None:
    """Bind the database to ``app``: one engine per process, one Session per request."""
    engine = create_db_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION_KEY] = DatabaseState(
        engine=engine, sessionmaker=sessionmaker(engine, expire_on_commit=False)
    )

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("arna_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The Session of the current request (or app context), created on first use."""
    session = g.get("arna_session")
    if session is None:
        state: DatabaseState = current_app.extensions[EXTENSION_KEY]
        session = state.sessionmaker()
        g.arna_session = session
    return session


def get_engine() -> Engine:
    """The engine of the current app."""
    return current_app.extensions[EXTENSION_KEY].engine
