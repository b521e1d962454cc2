"""Incoming official correspondence (¶44 «ресми хат алмасу»: correspondence is an exchange).

A foreign body's note reaches a state body through MFA: MFA registers it on receipt,
passes it to the body it is addressed to, which holds it and closes it. The Rules give
no deadline for passing it on or answering it, so it carries none; it shows in the
inbox of whoever must act next.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.services import letters
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.letters import State, Transition
from registry.services.unit_of_work import act

from .web_fixtures import api_token, browser  # noqa: F401
from .workflow_steps import CLERK, OFFICER, OTHER, Who, actions

NOTE = {
    "kind": "incoming-correspondence",
    "sender": "DIPLOMATIC_MISSION",
    "recipient": "AGENCY:MINHEALTH",
    "date": "2026-03-02",
}


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def waiting(s: Session, who: Callable[[str], object], username: str) -> dict[str, object]:
    return {i.letter.registry_number: i.next_action for i in letters.inbox(s, who(username))}


def test_mfa_registers_a_note_and_passes_it_to_its_addressee(s: Session, principal: Who) -> None:
    clerk, officer = principal(CLERK), principal(OFFICER)
    note = act(letters.register_incoming, s, clerk, envelope=NOTE, subject="Note verbale No. 12")
    number = note.registry_number
    assert number.startswith("MFA-")
    assert (note.state, note.holder, note.agency_code) == (State.RECEIVED, "MFA", "MFA")
    assert (note.sender, note.recipient, note.deadlines) == (
        "DIPLOMATIC_MISSION",
        "AGENCY:MINHEALTH",
        [],
    )
    assert "no deadline" in note.plan["note"]
    assert waiting(s, principal, CLERK)[number] is Transition.FORWARD
    with pytest.raises(Conflict, match="forward the item first"):
        act(letters.close_letter, s, clerk, number)

    note = act(letters.forward_letter, s, clerk, number)
    assert (note.state, note.holder) == (State.RECEIVED, "AGENCY:MINHEALTH")
    assert number not in waiting(s, principal, CLERK)
    assert waiting(s, principal, OFFICER)[number] is Transition.CLOSE
    with pytest.raises(Conflict, match="with its addressee"):
        act(letters.forward_letter, s, officer, number)
    with pytest.raises(Forbidden):  # MFA no longer holds it
        act(letters.close_letter, s, clerk, number)
    act(letters.close_letter, s, officer, number)
    assert [a for a, _b, _c in actions(s, number)] == [
        "letter:registered",
        "letter:closed-refused",
        "letter:forwarded",
        "letter:forwarded-refused",
        "letter:closed-refused",
        "letter:closed",
    ]
    assert actions(s, number)[-1] == ("letter:closed", "received", "closed")


def test_only_the_receiving_body_registers_foreign_mail(s: Session, principal: Who) -> None:
    with pytest.raises(Invalid) as refused:
        act(letters.register_incoming, s, principal(OFFICER), envelope=NOTE, subject="x")
    assert refused.value.details == [
        "sender: mail of DIPLOMATIC_MISSION to AGENCY:MINHEALTH is registered by MFA, "
        "which receives it (¶44), not by AGENCY:MINHEALTH"
    ]
    # The WTO writes to a body directly (¶44): the addressee registers and holds it.
    wto = {**NOTE, "sender": "WTO", "recipient": "AGENCY:MINECON"}
    item = act(letters.register_incoming, s, principal(OTHER), envelope=wto, subject="WTO letter")
    assert (item.holder, item.state, item.plan["route"]) == (
        "AGENCY:MINECON",
        State.RECEIVED,
        ["WTO", "AGENCY:MINECON"],
    )
    act(letters.close_letter, s, principal(OTHER), item.registry_number)


def test_the_form_registers_a_note_from_a_foreign_body(browser) -> None:  # noqa: F811
    clerk = browser(CLERK)
    form = clerk.get("/incoming").get_data(as_text=True)
    assert 'value="incoming-correspondence"' in form
    response = clerk.post(
        "/incoming",
        data={
            "kind": "incoming-correspondence",
            "foreign_sender": "FOREIGN_STATE_BODY",
            "recipient": "AGENCY:MINHEALTH",
            "received_on": today_kz().isoformat(),
            "subject": "Letter of a foreign ministry",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    number = response.headers["Location"].rsplit("/", 1)[-1]
    page = clerk.get(f"/letters/{number}").get_data(as_text=True)
    assert "a foreign state body" in page  # the sender by name (issue 17)
    assert number in clerk.get("/inbox").get_data(as_text=True)


def test_the_api_registers_and_forwards_a_note(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    client = app.test_client()
    made = client.post(
        "/api/v1/incoming", headers=api_token(CLERK), json={"envelope": NOTE, "subject": "Note"}
    )
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["registry_number"]
    moved = client.post(f"/api/v1/letters/{number}/forward", headers=api_token(CLERK))
    assert (moved.status_code, moved.get_json()["holder"]) == (200, "AGENCY:MINHEALTH")
    inbox = client.get("/api/v1/inbox", headers=api_token(OFFICER)).get_json()
    assert number in [i["registry_number"] for i in inbox["items"]]
