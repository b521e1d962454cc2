"""The trust generation: when the facts every submission reads last changed.

Trust anchors and their CRLs, the registry's own keys and CRL, agencies' BINs, acting
first heads and the registry's settings change a few times a year, yet every
submission needs them (the trust store, what a signature counts as, the custody log's
key). Reading them from the database on every request was most of a submission's
statements, so each process keeps what it built from them (:func:`cached`) together with
the *generation* it was built under, and checks that generation once per transaction.

The generation is a random token in ``registry_settings`` (``trust_generation``). Every
flush that adds, changes or removes a row of one of :data:`WATCHED` sets a new token in
the same transaction — a ``before_flush`` listener on every Session, so no writer can
forget it. A token rather than a counter: a rolled-back change leaves behind a value
that no later change can take again, so nothing built inside that transaction is ever
mistaken for a committed state. A value built after reading a token is at least as new
as the token, never older, so a process never serves a stale fact under a current token.

Changes made without the ORM (raw SQL, another program) do not move the token; nothing
in Arna writes these tables that way. Where the row is missing (a database not yet
migrated to it), nothing is cached.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from itertools import chain
from typing import Any, Final, TypeVar

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models.accounts import ActingFirstHead, Agency
from registry.models.keys import RegistryKey, RegistrySetting, TrustAnchor

GENERATION: Final = "trust_generation"
#: The models whose rows the cached facts are built from.
WATCHED: Final = (TrustAnchor, RegistryKey, RegistrySetting, Agency, ActingFirstHead)

_INFO: Final = "trust_generation"  # session.info: (the transaction, its token)
_SETTINGS = RegistrySetting.__table__
# Built once: building a statement costs about as much as running this one.
_READ = select(_SETTINGS.c.value).where(_SETTINGS.c.name == GENERATION)
T = TypeVar("T")
# What each process built, by name: (the token it was built under, the value).
_BUILT: dict[str, tuple[str, Any]] = {}


def new_token() -> str:
    """A fresh generation token (what the migration and every change set)."""
    return secrets.token_hex(16)


def token(session: Session) -> str | None:
    """The generation this session's transaction sees (read once per transaction)."""
    held = session.info.get(_INFO)
    if held is not None and held[0] is session.get_transaction() is not None:
        return held[1]
    value = session.execute(_READ).scalar_one_or_none()
    session.info[_INFO] = (session.get_transaction(), value)
    return value


def cached(session: Session, name: str, build: Callable[[Session], T]) -> T:
    """``build(session)``, or what this process built under the same generation.

    ``name`` must say everything besides the database the value depends on (e.g. a
    setting); the value must not hold ORM objects (it outlives the session)."""
    current = token(session)
    if current is None:
        return build(session)
    held = _BUILT.get(name)
    if held is not None and held[0] == current:
        return held[1]  # type: ignore[no-any-return]
    value = build(session)
    _BUILT[name] = (current, value)
    return value


def _touches_watched(session: Session) -> bool:
    def watched(obj: object) -> bool:
        return isinstance(obj, WATCHED) and not (
            isinstance(obj, RegistrySetting) and obj.name == GENERATION
        )

    return any(watched(obj) for obj in chain(session.new, session.deleted)) or any(
        watched(obj) and session.is_modified(obj) for obj in session.dirty
    )


@event.listens_for(Session, "before_flush")
def _move_generation(session: Session, _context: Any, _instances: Any) -> None:
    if not _touches_watched(session):
        return
    value = new_token()
    connection = session.connection()
    moved = connection.execute(
        update(_SETTINGS).where(_SETTINGS.c.name == GENERATION).values(value=value, set_at=utcnow())
    ).rowcount
    if not moved:
        connection.execute(insert(_SETTINGS).values(name=GENERATION, value=value, set_at=utcnow()))
    session.info[_INFO] = (session.get_transaction(), value)
