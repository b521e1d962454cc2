"""The one throttle: every secret that can be guessed is guessed a few times at most.

Sign-in (per account and per client address), the public look-up of certified copies
(per address), re-authentication with the current password and signing passphrases
(per user) all count their attempts here, in one table shared by every worker.

An attempt is *charged before it is checked*: one atomic upsert (``INSERT … ON
CONFLICT DO UPDATE … RETURNING``, the same statement on PostgreSQL and SQLite) adds
it to each of its keys and returns the new counts, and only attempts within every
key's limit go on to be checked. Concurrent guesses therefore cannot all read "4
failures so far" and all be checked (issue 11, L4: 9 of 16 concurrent guesses got
through a limit of 5), and two first attempts on a new key cannot collide on its
primary key. A success gives its attempt back: the person's own counter is cleared,
a shared counter (an address) is decremented.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, literal, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registry.db import UTCDateTime, utcnow
from registry.models.throttles import Throttle
from registry.services.errors import Throttled

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class ThrottlePolicy:
    """Attempts allowed per key within ``window``, then ``lock`` to wait out.

    ``max_per_address`` applies to keys shared by many people (a client address):
    one office's NAT address is shared, and one person mistyping must not lock the
    others out.
    """

    max_attempts: int = 5
    max_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Key:
    """One counter: ``name`` (prefixed by what is counted) and whether it is shared."""

    name: str
    shared: bool = False

    @classmethod
    def person(cls, kind: str, who: str | int) -> Key:
        return cls(f"{kind}-user:{str(who).lower()}"[:MAX_KEY_LENGTH])

    @classmethod
    def address(cls, kind: str, client: str | None) -> Key:
        return cls(f"{kind}-addr:{client or 'unknown'}"[:MAX_KEY_LENGTH], shared=True)


@dataclass(frozen=True)
class Attempt:
    """A charged attempt: give it back with :func:`give_back` if the secret was right."""

    keys: tuple[Key, ...]
    #: True when this attempt used up a key's last try: if it fails, the key is locked.
    last_try: bool


def configured_policy() -> ThrottlePolicy:
    """The policy of the running app's configuration (``ARNA_THROTTLE_*``)."""
    from registry.config import current_setting

    return ThrottlePolicy(
        max_attempts=int(current_setting("ARNA_THROTTLE_MAX_ATTEMPTS")),
        max_per_address=int(current_setting("ARNA_THROTTLE_MAX_PER_ADDRESS")),
        window=timedelta(seconds=int(current_setting("ARNA_THROTTLE_WINDOW_SECONDS"))),
        lock=timedelta(seconds=int(current_setting("ARNA_THROTTLE_LOCK_SECONDS"))),
    )


def charge(
    session: Session,
    keys: list[Key],
    policy: ThrottlePolicy,
    *,
    refusal: str,
    code: str = "too_many_attempts",
) -> Attempt:
    """Count one attempt against every key and commit; Throttled (``refusal`` and ``code``)
    when any key is over its limit, in which case nothing must be checked.

    Call it first in a service, before its own work: it commits the session.
    """
    now = utcnow()
    over, last_try = False, False
    for key in keys:
        limit = policy.max_per_address if key.shared else policy.max_attempts
        attempts = session.execute(_upsert(session, key.name, limit, policy, now)).scalar_one()
        over = over or attempts > limit
        last_try = last_try or attempts == limit
    session.commit()
    if over:
        raise Throttled(refusal, code=code)
    return Attempt(tuple(keys), last_try)


def give_back(session: Session, attempt: Attempt) -> None:
    """Give an attempt back — the secret was right, or it was never checked — in the
    caller's transaction (commit it with the caller's work)."""
    for key in attempt.keys:
        if key.shared:
            session.execute(
                update(Throttle)
                .where(Throttle.key == key.name, Throttle.attempts > 0)
                .values(attempts=Throttle.attempts - 1)
            )
        else:
            session.execute(delete(Throttle).where(Throttle.key == key.name))


def failed(attempt: Attempt, what: str, who: str) -> None:
    """Note a failed attempt: once per lock, when it was the key's last try (bounded, so
    that guessing cannot fill the logs — or the custody log — with one line per guess)."""
    if attempt.last_try:
        log.warning("throttle: %s of %s locked after too many failed attempts", what, who)


def _upsert(session: Session, key: str, limit: int, policy: ThrottlePolicy, now: datetime) -> Any:
    """One attempt on ``key``: inserted as the first, or added to the row; new count returned.

    A row whose lock has expired, or whose window has passed without a lock, starts
    again at one. Every expression reads the row as it was before this statement.
    """
    stamp = literal(now, UTCDateTime())
    locked = and_(Throttle.locked_until.is_not(None), Throttle.locked_until > stamp)
    stale = or_(
        and_(Throttle.locked_until.is_not(None), Throttle.locked_until <= stamp),
        and_(Throttle.locked_until.is_(None), Throttle.window_started_at <= now - policy.window),
    )
    attempts = case((stale, 1), else_=Throttle.attempts + 1)
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
    return (
        insert(Throttle)
        .values(
            key=key,
            attempts=1,
            window_started_at=now,
            locked_until=now + policy.lock if limit <= 1 else None,
        )
        .on_conflict_do_update(
            index_elements=[Throttle.key],
            set_={
                "attempts": attempts,
                "window_started_at": case((stale, stamp), else_=Throttle.window_started_at),
                "locked_until": case(
                    (locked, Throttle.locked_until),
                    (attempts >= limit, literal(now + policy.lock, UTCDateTime())),
                    else_=null(),
                ),
            },
        )
        .returning(Throttle.attempts)
    )
