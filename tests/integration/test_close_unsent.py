"""A letter that will not be sent is closed unsent: it keeps its number and its history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services import letters
from registry.services.errors import Conflict, NotFound
from registry.services.letters import State
from registry.services.unit_of_work import act

from .factories import a_draft, a_signed_letter
from .web_fixtures import Browser, browser  # noqa: F401

LETTER = {"kind": "foreign-letter", "recipient": "DIPLOMATIC_MISSION"}


def test_a_draft_closed_unsent_keeps_its_number_and_history(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    officer = principal("officer.minhealth")
    number = a_draft(service_session, officer, **LETTER).registry_number
    closed = act(letters.close_letter, service_session, officer, number)
    assert closed.state == State.CLOSED
    history = letters.letter_history(service_session, officer, number)
    assert [e.action for e in history] == ["letter:registered", "letter:closed"]
    with pytest.raises(Conflict):  # never reopened, never signed
        act(letters.sign_letter, service_session, officer, number, passphrase="x")
    assert number not in {i.letter.registry_number for i in letters.inbox(service_session, officer)}


def test_a_signed_letter_may_be_closed_unsent_but_not_by_another_agency(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    number = a_signed_letter(service_session, principal("officer.minhealth"), **LETTER)
    with pytest.raises(NotFound):  # out of its scope: not found
        act(letters.close_letter, service_session, principal("officer.minecon"), number)
    closed = act(letters.close_letter, service_session, principal("officer.minhealth"), number)
    assert closed.state == State.CLOSED


def test_the_letter_page_asks_before_closing_a_draft_unsent(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
) -> None:
    number = a_draft(service_session, principal("officer.minhealth"), **LETTER).registry_number
    page = browser("officer.minhealth").get(f"/letters/{number}").get_data(as_text=True)
    form = page[page.index(f'action="/letters/{number}/close"') :].split("</form>")[0]
    assert "Close unsent" in form
    assert 'data-confirm="Close this letter without sending it?' in form
