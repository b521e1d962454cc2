"""The one place an action's transaction ends: committed, rolled back, or refused.

Services only ``flush()``. Whoever runs an action ends its transaction here: the
web app once per request (``registry/web/database.py``), the CLI and jobs with
``unit_of_work``. A refused action (a ServiceError carrying a ``Refusal``) is
rolled back whole and then its ``<tag>-refused`` custody event is recorded in a
transaction of its own — so an action's custody event always commits or rolls
back with the action, whatever the service does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from registry.models import CustodyRefusalReason
from registry.services.custody import append_event
from registry.services.errors import ServiceError

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Run one action: commit when the block ends, else roll back (recording a refusal)."""
    try:
        yield session
    except ServiceError as exc:
        end_refused(session, exc)
        raise
    except BaseException:
        session.rollback()
        raise
    try:
        session.commit()
    except BaseException:
        session.rollback()  # a failed commit (a unique key, say) leaves the session usable
        raise


def act(
    action: Callable[Concatenate[Session, P], R],
    session: Session,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Run one service action as its own unit of work (scripts, jobs, tests)."""
    with unit_of_work(session):
        return action(session, *args, **kwargs)


def commit(session: Session) -> None:
    """End a successful action (the web app's end of request)."""
    session.commit()


def rollback(session: Session) -> None:
    """End a failed action: nothing of it is kept."""
    session.rollback()


def end_refused(session: Session, exc: ServiceError) -> None:
    """Roll the refused action back, then record its refusal (once) and commit that alone."""
    session.rollback()
    refusal, exc.refusal = exc.refusal, None
    if refusal is None:
        return
    index = append_event(
        session,
        actor=refusal.actor,
        action=f"{refusal.tag}-refused",
        registry_number=refusal.registry_number,
        letter_sha256=refusal.letter_sha256,
        state_before=refusal.state,
        state_after=refusal.state,
    )
    reason = "; ".join([exc.message, *exc.details])
    session.add(CustodyRefusalReason(index=index, code=exc.code[:64], message=reason))
    session.commit()


def end_reads(session: Session) -> None:
    """End a transaction that has only read, so that no lock or snapshot is held while
    waiting (e.g. on the network). Refuses a transaction with pending writes."""
    _refuse_pending(session, "end_reads")
    session.commit()


def release_write_lock(session: Session) -> None:
    """Before a short computation (verifying a signature): end a transaction that has only
    read where it holds the write lock — SQLite begins every one with ``BEGIN IMMEDIATE``
    (registry/db.py). Elsewhere (PostgreSQL) reads take no lock a writer waits for and the
    transaction goes on: ending it would cost a commit, a connection check-out and its
    ping for nothing. Refuses a transaction with pending writes."""
    _refuse_pending(session, "release_write_lock")
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


def _refuse_pending(session: Session, caller: str) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(f"{caller}: the transaction has pending writes")
