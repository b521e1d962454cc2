"""Every person tries every transition on every demo letter: the log's invariant holds.

Whatever the role, the scope, the state and the plan say, an attempt on an
existing letter either succeeds or is refused with a ServiceError, and either way
the custody log grows by exactly one event (the transition's tag, or its
``-refused`` twin) — never zero, never two, never an unexpected exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models.custody import CustodyEntry
from registry.permissions import Principal
from registry.services import letters
from registry.services.deadlines import today_kz
from registry.services.errors import ServiceError
from registry.services.setup import DEMO_USERS, ensure_demo_letters
from registry.services.unit_of_work import act

from .conftest import SIGNING_PASSPHRASE

pytestmark = pytest.mark.slow  # some 800 attempts

Attempt = Callable[[Session, Principal, str], Any]

ATTEMPTS: dict[str, Attempt] = {
    "sign": lambda s, p, n: letters.sign_letter(s, p, n, passphrase=SIGNING_PASSPHRASE),
    "submit": letters.submit_letter,
    "receive": letters.receive_letter,
    "forward": letters.forward_letter,
    "dispatch": lambda s, p, n: letters.dispatch_letter(
        s,
        p,
        n,
        note_number="W-1",
        note_date=today_kz(),
        passphrase=SIGNING_PASSPHRASE,
    ),
    "return": lambda s, p, n: letters.return_letter(s, p, n, reasons=["walk"]),
    "file_notice": lambda s, p, n: letters.file_notice(s, p, n, text="walk"),
    "close": letters.close_letter,
}


def _log_size(session: Session) -> int:
    return int(session.scalar(select(func.count(CustodyEntry.index))) or 0)


def test_every_attempt_writes_exactly_one_event(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    numbers = ensure_demo_letters(s)
    people = [principal(user.username) for user in DEMO_USERS] + [principal("admin")]
    outcomes: dict[str, int] = {"done": 0, "refused": 0}
    for number in numbers:
        for person in people:
            for name, attempt in ATTEMPTS.items():
                before = _log_size(s)
                try:
                    act(attempt, s, person, number)
                    outcomes["done"] += 1
                except ServiceError:
                    outcomes["refused"] += 1
                assert _log_size(s) == before + 1, (name, person.username, number)
    assert outcomes["done"] > 10
    assert outcomes["refused"] > outcomes["done"]
    # And the walk ends with every letter in a state of the machine.
    assert {
        letter.state
        for letter in letters.list_letters(s, principal("auditor"), letters.LetterFilter())
    } <= set(letters.State)
