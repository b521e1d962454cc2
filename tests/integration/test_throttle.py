"""The one throttle (issue 11, L4): attempts are charged before they are checked, atomically,
so concurrent guesses cannot slip past the limit or collide on a new key's row."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import create_db_engine, utcnow
from registry.models import Throttle
from registry.services.accounts import authenticate
from registry.services.errors import ServiceError, Throttled
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_agencies, ensure_demo_users
from registry.services.throttle import Key, ThrottlePolicy, charge, give_back

POLICY = ThrottlePolicy(max_attempts=5, max_per_address=20)
GUESSERS = 16


@pytest.fixture(scope="module")
def committed(databases: Any, base_config: dict[str, Any]) -> Iterator[tuple[Flask, Engine]]:
    """A database of its own, with the demo users: the guesses commit, from many
    connections at once."""
    url = databases.new("throttle")
    eng = create_db_engine(url)
    upgrade_to_head(eng)
    app = create_app({**base_config, "DATABASE_URL": url})
    with app.app_context(), Session(eng) as session:
        ensure_agencies(session)
        session.commit()
        ensure_demo_users(session)
    yield app, eng
    eng.dispose()


@pytest.fixture(scope="module")
def engine(committed: tuple[Flask, Engine]) -> Engine:
    return committed[1]


def _attempts(engine: Engine, key: Key) -> int | None:
    with Session(engine) as session:
        return session.scalar(select(Throttle.attempts).where(Throttle.key == key.name))


@pytest.mark.slow
def test_concurrent_guesses_get_at_most_the_limit_checked(engine: Engine) -> None:
    key = Key.person("login", "concurrent")
    barrier = threading.Barrier(GUESSERS)
    checked: list[int] = []
    errors: list[BaseException] = []

    def guess() -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                charge(session, [key, Key.address("login", "10.0.0.9")], POLICY, refusal="no")
            except Throttled:
                return
            except BaseException as exc:  # a UniqueViolation, "database is locked" …
                errors.append(exc)
                return
            checked.append(1)

    threads = [threading.Thread(target=guess) for _ in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(checked) == POLICY.max_attempts
    assert _attempts(engine, key) == GUESSERS


@pytest.mark.slow
def test_concurrent_wrong_passwords_get_at_most_five_checked_and_never_a_500(
    committed: tuple[Flask, Engine],
) -> None:
    """Issue 11, L4: 9 of 16 concurrent guesses were checked against a limit of 5, and one
    ended in a 500 (UniqueViolation on the throttle row)."""
    app, engine = committed
    barrier = threading.Barrier(GUESSERS)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        with app.app_context(), Session(engine) as session:
            barrier.wait()
            try:
                authenticate(session, "auditor", f"wrong guess {n}", client=f"10.2.0.{n}")
            except ServiceError as exc:
                outcomes.append(exc.code)
            except BaseException as exc:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == ["bad_credentials", "throttled"], outcomes
    assert outcomes.count("bad_credentials") == 5


def test_the_last_try_is_flagged_then_the_key_is_locked(engine: Engine) -> None:
    key = Key.person("reauth", 42)
    with Session(engine) as session:
        tries = [charge(session, [key], POLICY, refusal="no") for _ in range(5)]
        assert [attempt.last_try for attempt in tries] == [False] * 4 + [True]
        with pytest.raises(Throttled, match="wait"):
            charge(session, [key], POLICY, refusal="wait")


def test_a_success_clears_a_persons_counter_and_gives_one_back_to_an_address(
    engine: Engine,
) -> None:
    person, address = Key.person("login", "someone"), Key.address("login", "10.1.1.1")
    with Session(engine) as session:
        for _ in range(3):
            charge(session, [person, address], POLICY, refusal="no")
        give_back(session, charge(session, [person, address], POLICY, refusal="no"))
        session.commit()
    assert _attempts(engine, person) is None
    assert _attempts(engine, address) == 3


def test_an_expired_lock_starts_the_count_again(engine: Engine) -> None:
    key = Key.person("passphrase", 7)
    with Session(engine) as session:
        for _ in range(5):
            charge(session, [key], POLICY, refusal="no")
        session.execute(
            update(Throttle)
            .where(Throttle.key == key.name)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
        assert charge(session, [key], POLICY, refusal="no").last_try is False
    assert _attempts(engine, key) == 1
