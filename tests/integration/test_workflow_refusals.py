"""The refusals test_workflow.py does not walk through: each transition's remaining guards.

Every refusal on an existing letter leaves its state alone and is recorded as
``<tag>-refused`` with state_before == state_after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services import letters
from registry.services.accounts import create_user
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound
from registry.services.letters import State
from registry.services.unit_of_work import act

from .conftest import SIGNING_PASSPHRASE
from .factories import (
    a_court_request,
    a_draft,
    a_received_letter,
    a_signed_letter,
    a_submitted_letter,
)
from .workflow_steps import CLERK, COURT, MOJ, OFFICER, OTHER, Who, actions


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def last_refusal(s: Session, number: str) -> tuple[str, str | None, str | None]:
    refused = [a for a in actions(s, number) if a[0].endswith("-refused")]
    return refused[-1]


def test_a_bad_envelope_names_the_field(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    with pytest.raises(Invalid) as refused:
        a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG", colour="blue")
    assert any(d.startswith("colour") for d in refused.value.details)
    with pytest.raises(Invalid) as refused:
        a_draft(s, officer, kind="foreign-letter", recipient="NOBODY")
    assert any(d.startswith("recipient") for d in refused.value.details)


def test_the_auditor_registers_nothing(s: Session, principal: Who) -> None:
    auditor = principal("auditor")
    with pytest.raises(Forbidden):
        act(
            letters.compose_letter,
            s,
            auditor,
            envelope={"kind": "foreign-letter", "sender": "MFA", "recipient": "INTL_ORG"},
            subject="x",
            body="y",
        )
    with pytest.raises(Forbidden):
        act(letters.reserve_number, s, auditor)


def test_sign_refusals(s: Session, principal: Who) -> None:
    officer, court = principal(OFFICER), principal(COURT)
    # A person without a signing key is told to create one (¶43: officers sign).
    keyless = create_user(
        s,
        username="officer.keyless",
        full_name="No Key",
        role="agency_officer",
        password="password-of-keyless",
        agency_code="AGENCY:MINHEALTH",
    )
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    with pytest.raises(Invalid) as refused:
        act(letters.sign_letter, s, Principal.of(keyless), number, passphrase="password-of-keyless")
    assert refused.value.code == "no_key"
    # A submitted letter is not signed again: its signed bytes are final.
    act(letters.sign_letter, s, officer, number, passphrase=SIGNING_PASSPHRASE)
    act(letters.submit_letter, s, officer, number)
    with pytest.raises(Conflict):
        act(letters.sign_letter, s, officer, number, passphrase=SIGNING_PASSPHRASE)
    assert last_refusal(s, number) == ("letter:signed-refused", "submitted", "submitted")
    # An incoming item came from outside: nobody in Arna signs it.
    item = a_court_request(s, court, "Request")
    with pytest.raises(Conflict):
        act(letters.sign_letter, s, court, item.registry_number, passphrase=SIGNING_PASSPHRASE)


def test_a_draft_is_not_submitted_unsigned(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    with pytest.raises(Conflict):
        act(letters.submit_letter, s, officer, number)
    assert last_refusal(s, number) == ("letter:submitted-refused", "draft", "draft")


def test_only_incoming_kinds_are_registered_as_incoming(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    with pytest.raises(Invalid) as refused:
        act(
            letters.register_incoming,
            s,
            officer,
            envelope={
                "kind": "foreign-letter",
                "sender": "AGENCY:MINHEALTH",
                "recipient": "INTL_ORG",
                "date": today_kz().isoformat(),
            },
            subject="x",
        )
    assert any(d.startswith("kind:") for d in refused.value.details)


def test_dispatch_with_a_wrong_passphrase_changes_nothing(s: Session, principal: Who) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_received_letter(s, officer, clerk, kind="foreign-letter", recipient="INTL_ORG")
    with pytest.raises(Invalid):
        act(
            letters.dispatch_letter,
            s,
            clerk,
            number,
            note_number="1",
            note_date=today_kz(),
            passphrase="wrong passphrase",
        )
    letter = letters.get_letter(s, clerk, number)
    assert (letter.state, letter.note_number, letter.dispatch_record) == (
        State.RECEIVED,
        None,
        None,
    )
    # One wrong guess is throttled, not written into the custody log (issue 11): only the
    # guess that locks the passphrase out is (test_workflow.py).
    assert not [a for a in actions(s, number) if a[0].endswith("-refused")]


def test_the_notice_is_filed_once_and_by_the_sender(s: Session, principal: Who) -> None:
    officer, other = principal(OFFICER), principal(OTHER)
    number = a_signed_letter(
        s,
        officer,
        kind="foreign-letter",
        recipient="DIPLOMATIC_MISSION",
        send="direct",
        urgent_needed_by=(today_kz() + timedelta(days=2)).isoformat(),
    )
    act(letters.submit_letter, s, officer, number)
    with pytest.raises(NotFound):  # another agency's letter: not even found
        act(letters.file_notice, s, other, number, text="not mine")
    act(letters.file_notice, s, officer, number, text="Sent; content summarised for MFA.")
    with pytest.raises(Conflict, match="¶44"):
        act(letters.file_notice, s, officer, number, text="again")
    assert last_refusal(s, number) == ("letter:notice-filed-refused", "sent", "sent")


def test_close_refusals_follow_the_route(s: Session, principal: Who) -> None:
    officer, moj, court = principal(OFFICER), principal(MOJ), principal(COURT)
    # On its way through MOJ to MFA: neither the sender nor MOJ can close it.
    number = a_submitted_letter(s, officer, kind="court-reply", recipient="EAEU_COURT")
    with pytest.raises(Conflict):
        act(letters.close_letter, s, officer, number)
    act(letters.receive_letter, s, moj, number)
    with pytest.raises(Conflict, match="still on its route"):
        act(letters.close_letter, s, moj, number)
    assert letters.get_letter(s, officer, number).state == State.RECEIVED
    # An incoming item is forwarded (¶36) before it is closed.
    item = a_court_request(s, court, "Request")
    with pytest.raises(Conflict, match="forward"):
        act(letters.close_letter, s, court, item.registry_number)


def test_a_deadline_is_met_only_by_the_party_that_owes_it(s: Session, principal: Who) -> None:
    officer, moj, clerk = principal(OFFICER), principal(MOJ), principal(CLERK)
    number = a_submitted_letter(s, officer, kind="court-reply", recipient="EAEU_COURT")
    letter = act(letters.receive_letter, s, moj, number)
    (step,) = [d for d in letter.deadlines if d.rule == "¶40"]
    with pytest.raises(Forbidden):
        act(letters.complete_deadline, s, clerk, step.id)  # MOJ owes it, not MFA
    assert actions(s, number)[-1] == ("letter:deadline-met-refused", "received", "received")
    act(letters.complete_deadline, s, moj, step.id)
    assert step.done_at is not None
    assert actions(s, number)[-1] == ("letter:deadline-met", "received", "received")
    act(letters.complete_deadline, s, moj, step.id)  # already met: nothing new to record
    assert [a for a, _b, _c in actions(s, number)].count("letter:deadline-met") == 1


def test_refusals_name_the_transition_in_plain_words(s: Session, principal: Who) -> None:
    """Not "closeed", "receiveed", "submited" or "file noticeed"."""
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    expected = {
        letters.receive_letter: (clerk, "a draft letter cannot be received (only"),
        letters.submit_letter: (officer, "a draft letter cannot be submitted (only"),
        letters.forward_letter: (officer, "a draft letter cannot be forwarded (only"),
    }
    for attempt, (who, message) in expected.items():
        with pytest.raises(Conflict) as refused:
            attempt(s, who, number)
        assert refused.value.message.startswith(message), refused.value.message
    with pytest.raises(Conflict) as refused:
        act(letters.file_notice, s, officer, number, text="MFA informed")
    assert refused.value.message.startswith("a draft letter cannot be given a ¶44 notice (only")
    # A draft may be closed unsent; a letter on its way to MFA may not.
    submitted = a_submitted_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    with pytest.raises(Conflict) as refused:
        act(letters.close_letter, s, officer, submitted)
    assert refused.value.message.startswith("a submitted letter cannot be closed (only a letter")
    # via MOJ (¶40)
    to_moj = a_signed_letter(s, officer, kind="court-reply", recipient="EAEU_COURT")
    act(letters.submit_letter, s, officer, to_moj)
    with pytest.raises(Forbidden) as refused:
        act(letters.receive_letter, s, clerk, to_moj)
    assert refused.value.message == "only MOJ may receive this letter now"


def test_only_a_taken_number_reads_as_a_taken_number(s: Session, principal: Who) -> None:
    """Another constraint failing (here: the person no longer exists) is not "number used"."""
    officer = principal(OFFICER)
    ghost = Principal(
        id=10**9,
        username="ghost",
        full_name="Nobody",
        role=officer.role,
        agency_code=officer.agency_code,
    )
    with pytest.raises(IntegrityError):
        a_draft(s, ghost, kind="foreign-letter", recipient="INTL_ORG")
