"""Concurrent requests on one letter, on a database of their own (committed, not rolled back).

Two clerks pressing "receive" at once must yield one ``letter:received`` and one
refusal, never two receipts; officers composing at once must get distinct
registry numbers (the per-agency sequence row is locked).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry import create_app
from registry.db import create_db_engine
from registry.models import User
from registry.permissions import Principal
from registry.services import letters, pki
from registry.services.custody import letter_entries
from registry.services.deadlines import today_kz
from registry.services.errors import ServiceError
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_demo_users, ensure_registry
from registry.services.unit_of_work import act, unit_of_work

from .conftest import ADMIN_PASSWORD, KEK, SIGNING_PASSPHRASE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def committed(databases: Any, base_config: dict[str, Any]) -> Iterator[tuple[Flask, Engine]]:
    url = databases.new("concurrency")
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    app = create_app({**base_config, "DATABASE_URL": url})
    with (
        app.app_context(),
        Session(engine, expire_on_commit=False) as session,
        unit_of_work(session),
    ):
        ensure_registry(session, kek=KEK, admin_password=ADMIN_PASSWORD)
        ensure_demo_users(session)
        for username in ("officer.minhealth", "clerk.mfa"):
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
            pki.enroll_signing_key(session, user.id, SIGNING_PASSPHRASE, kek=KEK)
    yield app, engine
    engine.dispose()


def _principal(engine: Engine, username: str) -> Principal:
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return Principal.of(user)


def _compose(session: Session, officer: Principal, recipient: str, subject: str) -> str:
    """A MINHEALTH foreign letter dated today; its registry number."""
    return act(
        letters.compose_letter,
        session,
        officer,
        envelope={
            "kind": "foreign-letter",
            "sender": "AGENCY:MINHEALTH",
            "recipient": recipient,
            "date": today_kz().isoformat(),
        },
        subject=subject,
        body=f"{subject}.",
    ).registry_number


def _race(
    app: Flask, engine: Engine, calls: list[Callable[[Session], Any]]
) -> tuple[list[Any], list[ServiceError]]:
    """Run each call in its own thread and Session, released together."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[ServiceError] = []

    def run(call: Callable[[Session], Any]) -> None:
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results.append(call(session))
            except ServiceError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_two_receipts_at_once_make_one_receipt_and_one_refusal(
    committed: tuple[Flask, Engine],
) -> None:
    app, engine = committed
    officer, clerk = _principal(engine, "officer.minhealth"), _principal(engine, "clerk.mfa")
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        number = _compose(session, officer, "INTL_ORG", "Race")
        act(letters.sign_letter, session, officer, number, passphrase=SIGNING_PASSPHRASE)
        act(letters.submit_letter, session, officer, number)
    results, errors = _race(
        app, engine, [lambda s: act(letters.receive_letter, s, clerk, number) for _ in range(2)]
    )
    assert (len(results), len(errors)) == (1, 1)
    with Session(engine) as session:
        tags = [decode_leaf(leaf).action for _i, leaf in letter_entries(session, number)]
    assert tags.count("letter:received") == 1
    assert tags.count("letter:received-refused") == 1


def test_concurrent_drafts_get_distinct_registry_numbers(
    committed: tuple[Flask, Engine],
) -> None:
    app, engine = committed
    officer = _principal(engine, "officer.minhealth")

    def compose(session: Session) -> str:
        return _compose(session, officer, "DIPLOMATIC_MISSION", "Parallel")

    results, errors = _race(app, engine, [compose] * 6)
    assert errors == []
    assert len(set(results)) == 6


def test_a_deadline_marked_met_at_once_is_logged_once(committed: tuple[Flask, Engine]) -> None:
    """The deadline row is locked: the later calls find it met and log nothing more."""
    app, engine = committed
    court, officer = _principal(engine, "officer.court"), _principal(engine, "officer.minhealth")
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        item = act(
            letters.register_incoming,
            session,
            court,
            envelope={
                "kind": "court-request-forward",
                "sender": "SUPREME_COURT",
                "recipient": "AGENCY:MINHEALTH",
                "date": today_kz().isoformat(),
            },
            subject="Request of an international court",
        )
        number = item.registry_number
        act(letters.forward_letter, session, court, number)
        (owed,) = [d.id for d in item.deadlines if d.by_party == "AGENCY:MINHEALTH"]
    results, errors = _race(
        app, engine, [lambda s: act(letters.complete_deadline, s, officer, owed) for _ in range(4)]
    )
    assert (len(results), errors) == (4, [])
    with Session(engine) as session:
        tags = [decode_leaf(leaf).action for _i, leaf in letter_entries(session, number)]
    assert tags.count("letter:deadline-met") == 1
