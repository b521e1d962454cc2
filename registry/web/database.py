"""The app's database: one engine per app, one Session and one transaction per request.

The request is the unit of work (as in warehouse): the transaction commits when the
request ends without an error, and rolls back when it ends in one — a refused
action (a ServiceError) is rolled back and its refusal recorded
(registry.services.unit_of_work). Views never commit or roll back; one that turns
a refusal into a message on the page hands it to :func:`refused`.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry.db import EXTENSION_KEY, DatabaseState, create_db_engine
from registry.models.generation import cached
from registry.services import pki, unit_of_work
from registry.services.custody.keys import LOG_KEY_NAME, existing_log_key
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, ServiceError
from routing.calendar import is_workday


def init_app(app: Flask) -> None:
    """Bind the database to ``app``: one engine per process, one Session per request."""
    engine = create_db_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION_KEY] = DatabaseState(
        engine=engine, sessionmaker=sessionmaker(engine, expire_on_commit=False)
    )

    @app.after_request
    def _commit(response: Response) -> Response:
        session = g.get("arna_session")
        if session is not None:
            unit_of_work.commit(session)
        return response

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("arna_session", None)
        if session is not None:
            session.close()


def warm_caches(app: Flask) -> None:
    """Fill the per-process caches a first request would otherwise fill, before serving.

    Unwrapping the custody log key runs Argon2 (about 0.3 s, more on a busy
    machine), the trust store parses every anchor and CRL, and the working-day
    calendar is built from the holiday tables (about 0.2 s): without this, the
    first requests to each new worker wait for them (bench/submit.py and
    bench/registry.py saw them in their p99). A database not set up yet is left to
    the first request.
    """
    is_workday(today_kz())  # builds the working-day table every deadline reads
    with app.app_context():
        session = get_session()
        try:
            cached(session, LOG_KEY_NAME, existing_log_key)
            pki.trust_store(session, ocsp=True)  # the one a receipt verifies with
        except (SQLAlchemyError, Conflict):
            pass  # no tables or no CA yet: nothing to warm
        finally:
            unit_of_work.rollback(session)


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


def refused(exc: ServiceError) -> None:
    """End this request's refused action: roll it back and record its refusal (once)."""
    session = g.get("arna_session")
    if session is not None:
        unit_of_work.end_refused(session, exc)


def failed() -> None:
    """End this request's action that failed otherwise: nothing of it is kept."""
    session = g.get("arna_session")
    if session is not None:
        unit_of_work.rollback(session)
