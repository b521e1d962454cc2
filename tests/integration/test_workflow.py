"""The letter lifecycle on a real database: every transition, and every refusal with its ¶.

Each test asserts the custody events the action wrote (exactly one per transition,
``<tag>-refused`` for refused attempts) as well as the letter's state.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Letter, User
from registry.permissions import Principal
from registry.services import letters, pki
from registry.services.countersign import dispatch_record_problems
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound, Throttled
from registry.services.letters import State, Transition
from registry.services.lifecycle import TRANSITIONS
from registry.services.unit_of_work import act
from routing.calendar import add_workdays
from signing.keys import needs_rewrap
from signing.letter import build_letter
from signing.sign import sign_letter as sign_xml

from .conftest import SIGNING_PASSPHRASE
from .factories import (
    a_court_request,
    a_draft,
    a_received_letter,
    a_signed_letter,
    a_submitted_letter,
    envelope,
)
from .workflow_steps import AUDITOR, CLERK, COURT, HEAD, MOJ, OFFICER, OTHER, Who, actions, refusals


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


# ------------------------------------------------------------ compose, sign


def test_compose_registers_a_draft_with_its_plan_and_one_event(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    letter = a_draft(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    assert letter.state == State.DRAFT
    assert letter.registry_number.startswith(f"MINHEALTH-{today_kz().year}-")
    assert letter.plan["route"] == ["AGENCY:MINHEALTH", "MFA", "DIPLOMATIC_MISSION"]  # ¶44
    assert letter.xml is not None
    assert b"urn:arna:letter:1" in letter.xml
    assert actions(s, letter.registry_number) == [("letter:registered", None, "draft")]


def test_sign_with_the_officers_key_keeps_the_report(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    letter = letters.get_letter(s, officer, number)
    assert letter.state == State.SIGNED
    assert letter.verification is not None
    assert letter.verification["indication"] == "TOTAL_PASSED"
    assert letter.signed_by == [
        {
            "name": "Aigerim Sadykova",
            "agency": "AGENCY:MINHEALTH",
            "first_head": False,
            "iin": None,
            "bin": None,
            "pki": "registry",
        }
    ]
    assert actions(s, number)[-1] == ("letter:signed", "draft", "signed")


def test_wrong_passphrases_are_throttled_and_only_the_lock_out_is_recorded(
    s: Session, principal: Who
) -> None:
    """Issue 11: each wrong guess used to add a custody leaf and a checkpoint, without limit.
    Now the guesses are throttled (5 per window) and only the one that locks the
    passphrase out is written into the letter's history."""
    officer = principal(OFFICER)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    before = len(actions(s, number))
    for guess in range(5):
        with pytest.raises(Invalid) as refused:
            act(letters.sign_letter, s, officer, number, passphrase=f"not the passphrase {guess}")
        assert refused.value.code == "wrong_passphrase"
    assert letters.get_letter(s, officer, number).state == State.DRAFT
    assert actions(s, number)[before:] == [("letter:signed-refused", "draft", "draft")]
    with pytest.raises(Throttled):
        act(letters.sign_letter, s, officer, number, passphrase=SIGNING_PASSPHRASE)
    assert len(actions(s, number)) == before + 1


def test_a_refusal_that_is_not_about_the_passphrase_costs_no_passphrase_attempt(
    s: Session, principal: Who
) -> None:
    officer, other = principal(OFFICER), principal(OTHER)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    for _ in range(6):
        with pytest.raises(NotFound):
            act(letters.sign_letter, s, other, number, passphrase=SIGNING_PASSPHRASE)
    other_draft = a_draft(s, other, kind="foreign-letter", recipient="INTL_ORG")
    signed = act(
        letters.sign_letter, s, other, other_draft.registry_number, passphrase=SIGNING_PASSPHRASE
    )
    assert signed.state == State.SIGNED


def test_a_forbidden_route_is_refused_with_its_paragraph(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    before = s.scalar(select(func.count(Letter.id)))
    # ¶44: direct to a foreign body needs a legal basis or the five-day exception.
    with pytest.raises(Invalid) as refused:
        a_draft(s, officer, kind="foreign-letter", recipient="FOREIGN_STATE_BODY", send="direct")
    assert any(d.startswith("¶44:") for d in refused.value.details)
    # ¶37: never directly to an international court without a ratified treaty or instruction.
    with pytest.raises(Invalid) as refused:
        a_draft(s, officer, kind="court-reply", recipient="EAEU_COURT", send="direct")
    assert any(d.startswith("¶37:") for d in refused.value.details)
    # Another agency's letter cannot be written.
    with pytest.raises(Invalid) as refused:
        act(
            letters.compose_letter,
            s,
            officer,
            envelope=envelope(
                officer, kind="foreign-letter", recipient="INTL_ORG", sender="AGENCY:MINECON"
            ),
            subject="x",
            body="y",
        )
    assert any(d.startswith("sender:") for d in refused.value.details)
    assert s.scalar(select(func.count(Letter.id))) == before  # nothing half-stored
    assert refusals(s)[-3:] == ["letter:registered-refused"] * 3


# ------------------------------------------------------------ through MFA (¶44)


def test_through_mfa_received_dispatched_countersigned_and_closed(
    s: Session, principal: Who
) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    letter = act(letters.submit_letter, s, officer, number)
    assert (letter.state, letter.holder) == (State.SUBMITTED, "MFA")
    act(letters.receive_letter, s, clerk, number)
    today = today_kz()
    letter = act(
        letters.dispatch_letter,
        s,
        clerk,
        number,
        note_number="14-2/77",
        note_date=today,
        passphrase=SIGNING_PASSPHRASE,
    )
    assert (letter.state, letter.holder, letter.note_number) == (
        State.DISPATCHED,
        "DIPLOMATIC_MISSION",
        "14-2/77",
    )
    # The countersignature: the clerk's certificate signs the record naming the letter's digest.
    assert letter.dispatch_record is not None
    record = json.loads(letter.dispatch_record)
    assert record["record"]["letter_sha256"] == letter.sha256
    assert record["record"]["note_number"] == "14-2/77"
    cert = x509.load_pem_x509_certificate(record["certificate"].encode())
    cert.public_key().verify(  # type: ignore[call-arg]
        base64.b64decode(record["signature"]),
        rfc8785.dumps(record["record"]),
        ec.ECDSA(hashes.SHA256()),  # type: ignore[arg-type]
    )
    assert dispatch_record_problems(s, letter) == []
    # Any change to what the record vouches for is caught.
    forged = json.loads(letter.dispatch_record)
    forged["record"]["note_number"] = "14-2/78"
    letter.dispatch_record = rfc8785.dumps(forged)
    letter.note_number = "14-2/78"
    assert dispatch_record_problems(s, letter) == ["the countersignature does not match the record"]
    s.rollback()
    act(letters.close_letter, s, officer, number)
    assert actions(s, number) == [
        ("letter:registered", None, "draft"),
        ("letter:signed", "draft", "signed"),
        ("letter:submitted", "signed", "submitted"),
        ("letter:received", "submitted", "received"),
        ("letter:dispatched", "received", "dispatched"),
        ("letter:closed", "dispatched", "closed"),
    ]


def test_state_role_and_plan_refusals_are_recorded(s: Session, principal: Who) -> None:
    officer, clerk, moj = principal(OFFICER), principal(CLERK), principal(MOJ)
    number = a_submitted_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    # State: nothing is dispatched before MFA has received it.
    with pytest.raises(Conflict):
        act(
            letters.dispatch_letter,
            s,
            clerk,
            number,
            note_number="1",
            note_date=today_kz(),
            passphrase=SIGNING_PASSPHRASE,
        )
    # Role: the officer may not receive for MFA; MOJ does not hold the letter.
    with pytest.raises(Forbidden):
        act(letters.receive_letter, s, officer, number)
    act(letters.receive_letter, s, clerk, number)
    # State: what MFA holds already is not received twice.
    with pytest.raises(Conflict):
        act(letters.receive_letter, s, clerk, number)
    # Plan (¶44): MFA sends a letter to a foreign party by dispatching, not forwarding.
    with pytest.raises(Conflict, match="¶44"):
        act(letters.forward_letter, s, clerk, number)
    # MOJ's role has no dispatch at all; an unrelated hub sees nothing (¶37 route only),
    # and its attempt is not written into a letter it cannot see (issue 11, L6).
    with pytest.raises(NotFound):
        act(letters.return_letter, s, moj, number, reasons=["no"])
    assert [a for a, _b, _c in actions(s, number) if a.endswith("-refused")] == [
        "letter:dispatched-refused",
        "letter:received-refused",
        "letter:received-refused",
        "letter:forwarded-refused",
    ]
    # A refused attempt leaves the state as it was, and says so.
    assert all(b == c for a, b, c in actions(s, number) if a.endswith("-refused"))
    assert letters.get_letter(s, officer, number).state == State.RECEIVED


def test_dispatch_needs_a_note_number_and_a_sane_date(s: Session, principal: Who) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_received_letter(s, officer, clerk, kind="foreign-letter", recipient="INTL_ORG")
    with pytest.raises(Invalid) as refused:
        act(
            letters.dispatch_letter,
            s,
            clerk,
            number,
            note_number=" ",
            note_date=today_kz() + timedelta(days=3),
            passphrase=SIGNING_PASSPHRASE,
        )
    assert len(refused.value.details) == 2  # both reasons at once
    assert letters.get_letter(s, clerk, number).state == State.RECEIVED


def test_mfa_returns_with_reasons_and_the_sender_closes(s: Session, principal: Who) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_submitted_letter(s, officer, kind="foreign-letter", recipient="FOREIGN_STATE_BODY")
    with pytest.raises(Invalid):
        act(letters.return_letter, s, clerk, number, reasons=["  "])
    letter = act(letters.return_letter, s, clerk, number, reasons=["The title is missing."])
    assert (letter.state, letter.holder, letter.return_reasons) == (
        State.RETURNED,
        "AGENCY:MINHEALTH",
        ["The title is missing."],
    )
    act(letters.close_letter, s, officer, number)
    assert actions(s, number)[-3:] == [
        ("letter:returned-refused", "submitted", "submitted"),
        ("letter:returned", "submitted", "returned"),
        ("letter:closed", "returned", "closed"),
    ]


def test_return_cites_no_right_of_the_rules() -> None:
    """Issue 12: no ¶ (¶44 least of all) gives MFA a right to return a letter; a return is
    the clerk's refusal to dispatch it, with reasons — the service's own step."""
    spec = TRANSITIONS[Transition.RETURN]
    assert spec.rules == ()
    assert "refuses to dispatch" in spec.summary


# ------------------------------------------------------------ EAEU Court (¶37, ¶40)


def test_eaeu_court_reply_goes_through_moj_within_five_workdays(s: Session, principal: Who) -> None:
    officer, moj, clerk = principal(OFFICER), principal(MOJ), principal(CLERK)
    number = a_signed_letter(s, officer, kind="court-reply", recipient="EAEU_COURT")
    letter = act(letters.submit_letter, s, officer, number)
    assert letter.plan["route"] == ["AGENCY:MINHEALTH", "MOJ", "MFA", "EAEU_COURT"]
    assert letter.holder == "MOJ"
    # MFA cannot take it in before MOJ hands it over (¶37: the reply goes to MOJ).
    with pytest.raises(Forbidden):
        act(letters.receive_letter, s, clerk, number)
    act(letters.receive_letter, s, moj, number)
    (step,) = [d for d in letter.deadlines if d.rule == "¶40"]
    assert step.by_party == "MOJ"
    assert step.due == add_workdays(today_kz(), 5)
    # MOJ does not dispatch; it forwards to MFA.
    with pytest.raises(Forbidden):
        act(
            letters.dispatch_letter,
            s,
            moj,
            number,
            note_number="1",
            note_date=today_kz(),
            passphrase=SIGNING_PASSPHRASE,
        )
    letter = act(letters.forward_letter, s, moj, number)
    assert (letter.state, letter.holder) == (State.SUBMITTED, "MFA")
    assert step.done_at is not None
    act(letters.receive_letter, s, clerk, number)
    act(
        letters.dispatch_letter,
        s,
        clerk,
        number,
        note_number="EAEU-9",
        note_date=today_kz(),
        passphrase=SIGNING_PASSPHRASE,
    )
    assert [a for a, _b, _c in actions(s, number) if not a.endswith("-refused")] == [
        "letter:registered",
        "letter:signed",
        "letter:submitted",
        "letter:received",
        "letter:forwarded",
        "letter:received",
        "letter:dispatched",
    ]


# ------------------------------------------------------------ direct sends (¶42, ¶44)


def test_wto_is_direct_and_owes_no_notice(s: Session, principal: Who) -> None:
    officer = principal(OTHER)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="WTO")
    letter = act(letters.submit_letter, s, officer, number)
    assert (letter.state, letter.holder, letter.notice_required) == (State.SENT, "WTO", False)
    with pytest.raises(Conflict, match="¶44"):
        act(letters.file_notice, s, officer, number, text="nothing to tell")
    act(letters.close_letter, s, officer, number)
    assert actions(s, number)[-1] == ("letter:closed", "sent", "closed")


def test_urgent_direct_send_keeps_the_notice_outstanding_until_filed(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    number = a_signed_letter(
        s,
        officer,
        kind="foreign-letter",
        recipient="FOREIGN_STATE_BODY",
        send="direct",
        urgent_needed_by=(today_kz() + timedelta(days=4)).isoformat(),
    )
    letter = act(letters.submit_letter, s, officer, number)
    assert (letter.state, letter.notice_required) == (State.SENT, True)
    # ¶44: the notice to MFA is outstanding, visible in the inbox, and blocks closing.
    assert number in [i.letter.registry_number for i in letters.inbox(s, officer)]
    with pytest.raises(Conflict, match="¶44"):
        act(letters.close_letter, s, officer, number)
    with pytest.raises(Invalid):
        act(letters.file_notice, s, officer, number, text="")
    letter = act(letters.file_notice, s, officer, number, text="Sent on the vaccine shipment.")
    assert letter.notice_filed_at is not None
    act(letters.close_letter, s, officer, number)
    assert [a for a, _b, _c in actions(s, number)][-4:] == [
        "letter:closed-refused",
        "letter:notice-filed-refused",
        "letter:notice-filed",
        "letter:closed",
    ]


def test_direct_with_a_recorded_legal_basis_owes_no_notice(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    number = a_signed_letter(
        s,
        officer,
        kind="foreign-letter",
        recipient="FOREIGN_STATE_BODY",
        send="direct",
        legal_basis={"kind": "treaty-in-force", "ref": "Agreement of 12.05.2019, art. 7"},
    )
    letter = act(letters.submit_letter, s, officer, number)
    assert (letter.state, letter.notice_required, letter.plan["channel"]) == (
        State.SENT,
        False,
        "direct",
    )


# ------------------------------------------------------------ first head (¶14-7)


def test_special_procedure_information_needs_the_first_heads_signature(
    s: Session, principal: Who
) -> None:
    officer, head, clerk = principal(OFFICER), principal(HEAD), principal(CLERK)
    number = a_signed_letter(
        s, officer, kind="special-procedure-info", recipient="MFA", signed_by_first_head=True
    )
    with pytest.raises(Conflict, match="¶14-7"):
        act(letters.submit_letter, s, officer, number)
    letter = act(
        letters.sign_letter, s, head, number, passphrase=SIGNING_PASSPHRASE
    )  # co-signature
    assert [x["first_head"] for x in letter.signed_by or []] == [False, True]
    # Signed once: neither the first head nor the officer is offered a second signature,
    # and one attempted anyway is refused (issue 17: a duplicate went on to MFA).
    assert Transition.SIGN not in letters.available_transitions(head, letter)
    assert Transition.SIGN not in letters.available_transitions(officer, letter)
    with pytest.raises(Conflict, match="signed this letter already") as again:
        act(letters.sign_letter, s, head, number, passphrase=SIGNING_PASSPHRASE)
    assert again.value.code == "already_signed"
    assert len(letters.get_letter(s, head, number).signed_by or []) == 2
    assert actions(s, number)[-1][0] == "letter:signed-refused"
    act(letters.submit_letter, s, officer, number)
    letter = act(letters.receive_letter, s, clerk, number)
    # MFA is the final recipient: it closes; there is nothing to dispatch or forward.
    assert Transition.CLOSE in letters.available_transitions(clerk, letter)
    with pytest.raises(Conflict):
        act(letters.forward_letter, s, clerk, number)
    act(letters.close_letter, s, clerk, number)
    assert actions(s, number)[-1] == ("letter:closed", "received", "closed")


def test_the_plan_itself_refuses_information_not_marked_first_head(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    with pytest.raises(Invalid) as refused:
        a_draft(s, officer, kind="special-procedure-info", recipient="MFA")
    assert any("¶14-7" in d for d in refused.value.details)
    with pytest.raises(Invalid) as refused:
        a_draft(
            s, officer, kind="special-procedure-info", recipient="MFA", signed_by_first_head=False
        )
    assert any(d.startswith("¶14-7:") for d in refused.value.details)


# ------------------------------------------------------------ upload


def _signed_elsewhere(s: Session, who: Principal, number: str, **fields: Any) -> bytes:
    """A letter signed outside Arna's forms, with the officer's own certificate."""
    user = s.get(User, who.id)
    assert user is not None
    unlocked = pki.unlock_signing_key(user, SIGNING_PASSPHRASE)
    xml = build_letter(
        envelope(who, **fields), registry_number=number, subject="Uploaded", body="Text."
    )
    return sign_xml(xml, unlocked.key, unlocked.certificate)


def test_upload_stores_the_signed_bytes_untouched_and_submits(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    number = act(letters.reserve_number, s, officer)
    xml = _signed_elsewhere(s, officer, number, kind="foreign-letter", recipient="INTL_ORG")
    letter = act(letters.upload_letter, s, officer, xml, submit=True)
    assert letter.xml == xml
    assert (letter.registry_number, letter.state, letter.holder) == (
        number,
        State.SUBMITTED,
        "MFA",
    )
    assert letter.verification is not None
    assert letter.verification["indication"] == "TOTAL_PASSED"
    assert actions(s, number) == [("letter:submitted", None, "submitted")]


def test_invalid_upload_is_refused_with_all_reasons_and_nothing_stored(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    xml = _signed_elsewhere(
        s,
        officer,
        "MINHEALTH-1999-000001",  # never reserved
        kind="foreign-letter",
        recipient="FOREIGN_STATE_BODY",
        send="direct",  # ¶44 without basis
    )
    tampered = xml.replace(b"Text.", b"Txet.")
    before = s.scalar(select(func.count(Letter.id)))
    with pytest.raises(Invalid) as refused:
        act(letters.upload_letter, s, officer, tampered)
    details = refused.value.details
    assert any(d.startswith("signature") for d in details)
    assert any(d.startswith("¶44:") for d in details)
    assert any(d.startswith("registry_number:") for d in details)
    assert s.scalar(select(func.count(Letter.id))) == before
    assert refusals(s)[-1] == "letter:registered-refused"
    with pytest.raises(Invalid):
        act(letters.upload_letter, s, officer, b"<not xml")


def test_upload_by_another_agency_or_twice_is_refused(s: Session, principal: Who) -> None:
    officer, other = principal(OFFICER), principal(OTHER)
    number = act(letters.reserve_number, s, officer)
    xml = _signed_elsewhere(s, officer, number, kind="foreign-letter", recipient="INTL_ORG")
    with pytest.raises(Invalid) as refused:
        act(letters.upload_letter, s, other, xml)
    assert any(d.startswith("sender:") for d in refused.value.details)
    act(letters.upload_letter, s, officer, xml)
    with pytest.raises(Invalid, match="refused") as again:
        act(letters.upload_letter, s, officer, xml)
    assert any("already used" in d for d in again.value.details)


# ------------------------------------------------------------ incoming (¶36, ¶14-5)


def test_court_request_is_forwarded_within_three_workdays(s: Session, principal: Who) -> None:
    court = principal(COURT)
    received = today_kz() - timedelta(days=10)
    item = a_court_request(s, court, "Request of an international court", received)
    assert (item.state, item.direction) == (State.RECEIVED, "incoming")
    forward = [d for d in item.deadlines if d.by_party == "SUPREME_COURT"]
    assert [d.due for d in forward] == [add_workdays(received, 3)]  # ¶36
    (first, *_rest) = letters.inbox(s, court)
    assert (first.letter.registry_number, first.overdue, first.rule) == (
        item.registry_number,
        True,
        "¶36",
    )
    item = act(letters.forward_letter, s, court, item.registry_number)
    assert item.state == State.FORWARDED
    assert forward[0].done_at is not None
    # ¶36: MFA, MOJ, MTI and the addressee now owe their information within 10 wd.
    owed = {d.by_party: d.due for d in item.deadlines if d.done_at is None}
    assert owed == {
        p: add_workdays(today_kz(), 10) for p in ("MFA", "MOJ", "MTI", "AGENCY:MINHEALTH")
    }
    act(letters.close_letter, s, court, item.registry_number)
    assert [a for a, _b, _c in actions(s, item.registry_number)] == [
        "letter:registered",
        "letter:forwarded",
        "letter:closed",
    ]


def test_only_mfa_registers_a_special_procedures_communication(s: Session, principal: Who) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    fields = {"kind": "special-procedure-forward", "recipient": "AGENCY:MINECON"}
    with pytest.raises(Invalid) as refused:
        act(
            letters.register_incoming, s, officer, envelope=envelope(officer, **fields), subject="x"
        )
    assert any(d.startswith("¶14-5:") for d in refused.value.details)
    item = act(letters.register_incoming, s, clerk, envelope=envelope(clerk, **fields), subject="x")
    (step,) = [d for d in item.deadlines if d.rule == "¶14-5"]
    assert step.due == add_workdays(today_kz(), 5)
    assert step.to_parties == ["AGENCY:MINECON", "OMBUDSMAN"]


def test_incoming_kinds_are_not_composed(s: Session, principal: Who) -> None:
    court = principal(COURT)
    with pytest.raises(Invalid, match="cannot be sent"):
        a_draft(s, court, kind="court-request-forward", recipient="AGENCY:MINHEALTH")


# ------------------------------------------------------------ scope and inbox


def test_another_agency_never_sees_a_letter_by_guessing_its_number(
    s: Session, principal: Who
) -> None:
    officer, other = principal(OFFICER), principal(OTHER)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    with pytest.raises(NotFound):
        letters.get_letter(s, other, number)
    with pytest.raises(NotFound):
        act(letters.submit_letter, s, other, number)
    with pytest.raises(NotFound):
        letters.get_letter(s, other, "MINHEALTH-2026-999999")
    assert number not in [
        x.registry_number for x in letters.list_letters(s, other, letters.LetterFilter())
    ]
    # Nothing is written into a letter the caller cannot see (issue 11, L6).
    assert actions(s, number)[-1] == ("letter:signed", "draft", "signed")
    # The auditor sees everything, and can change nothing.
    assert letters.get_letter(s, principal(AUDITOR), number).registry_number == number
    with pytest.raises(Forbidden):
        act(letters.submit_letter, s, principal(AUDITOR), number)


def test_inbox_puts_overdue_first_and_flags_due_soon(s: Session, principal: Who) -> None:
    court = principal(COURT)

    def incoming(days_ago: int) -> str:
        received = today_kz() - timedelta(days=days_ago)
        return a_court_request(
            s, court, f"Request received {days_ago} days ago", received
        ).registry_number

    fresh, old = incoming(0), incoming(20)
    items = letters.inbox(s, court, due_soon_workdays=3)
    numbers = [i.letter.registry_number for i in items]
    assert numbers.index(old) < numbers.index(fresh)
    by_number = {i.letter.registry_number: i for i in items}
    assert (by_number[old].overdue, by_number[old].due_soon) == (True, False)
    assert (by_number[fresh].overdue, by_number[fresh].due_soon) == (False, True)
    assert by_number[fresh].next_action is Transition.FORWARD
    # The database sorts and cuts: the one most urgent line is the overdue one.
    assert [i.letter.registry_number for i in letters.inbox(s, court, limit=1)] == [old]


def test_inbox_filters_before_the_cut(s: Session, principal: Who) -> None:
    """A filter narrows the query, so a match behind ``limit`` other lines is still found."""
    court = principal(COURT)
    fresh = a_court_request(s, court, "Received today").registry_number
    old = a_court_request(s, court, "Received long ago", today_kz() - timedelta(days=20))

    def first(**narrow: Any) -> list[str]:
        found = letters.inbox(s, court, due_soon_workdays=3, limit=1, **narrow)
        return [i.letter.registry_number for i in found]

    assert first() == [old.registry_number]
    assert first(urgency="due_soon") == [fresh]
    assert first(urgency="overdue") == [old.registry_number]
    assert first(kind="foreign-letter") == []
    assert first(state=old.state, urgency="due_soon") == [fresh]


def test_available_transitions_follow_role_state_and_plan(s: Session, principal: Who) -> None:
    officer, clerk = principal(OFFICER), principal(CLERK)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    letter = letters.get_letter(s, officer, number)
    # The officer has signed it: no second signature of theirs is offered (issue 17); it
    # may still be closed unsent.
    assert letters.available_transitions(officer, letter) == [Transition.SUBMIT, Transition.CLOSE]
    assert letters.available_transitions(clerk, letter) == []
    act(letters.submit_letter, s, officer, number)
    assert letters.available_transitions(clerk, letter) == [Transition.RECEIVE, Transition.RETURN]
    act(letters.receive_letter, s, clerk, number)
    assert letters.available_transitions(clerk, letter) == [
        Transition.DISPATCH,
        Transition.RETURN,
    ]


# ------------------------------------------------------------ MFA's own reply (¶14-8, ¶14-9)


def test_mfa_reply_to_a_special_procedure_is_dispatched_by_mfa_itself(
    s: Session, principal: Who
) -> None:
    from registry.services.accounts import create_user

    head_user = create_user(
        s,
        username="head.mfa",
        full_name="Murat Nurtleu",
        role="first_head",
        password="head-of-mfa-password",
        agency_code="MFA",
    )
    pki.enroll_signing_key(s, head_user.id, SIGNING_PASSPHRASE)
    clerk, head = principal(CLERK), principal("head.mfa")
    deadline = today_kz() + timedelta(days=30)
    fields = {
        "kind": "special-procedure-reply",
        "recipient": "SPECIAL_PROCEDURE",
        "reply_deadline": deadline.isoformat(),
        "communication_language": "en",
        "signed_by_first_head": True,
    }
    number = a_signed_letter(s, clerk, **fields)
    with pytest.raises(Conflict, match="¶14-8"):  # the clerk's signature alone is not enough
        act(letters.submit_letter, s, clerk, number)
    act(letters.sign_letter, s, head, number, passphrase=SIGNING_PASSPHRASE)
    letter = act(letters.submit_letter, s, clerk, number)
    assert (letter.state, letter.holder) == (State.RECEIVED, "MFA")
    letter = act(
        letters.dispatch_letter,
        s,
        clerk,
        number,
        note_number="SP-1",
        note_date=today_kz(),
        passphrase=SIGNING_PASSPHRASE,
    )
    steps = {d.rule: d for d in letter.deadlines}
    assert steps["¶14-8"].done_at is not None  # sent before the communication's deadline
    assert steps["¶14-9"].due == add_workdays(today_kz(), 10)  # report to PA after sending
    assert steps["¶14-9"].done_at is None
    act(letters.complete_deadline, s, clerk, steps["¶14-9"].id)
    assert steps["¶14-9"].done_at is not None
    with pytest.raises(Invalid) as refused:  # ¶14-8: in the communication's language
        a_draft(s, clerk, **{**fields, "communication_language": "fr"})
    assert any(d.startswith("¶14-8:") and "language" in d for d in refused.value.details)


# ------------------------------------------------------------ certificates


def test_a_revoked_certificate_signs_nothing_more(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    number = act(letters.reserve_number, s, officer)
    xml = _signed_elsewhere(s, officer, number, kind="foreign-letter", recipient="INTL_ORG")
    act(pki.revoke_certificate, s, officer.id)
    with pytest.raises(Invalid) as refused:
        act(letters.upload_letter, s, officer, xml)
    assert any("revoked" in d for d in refused.value.details)
    draft_number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    with pytest.raises(Invalid, match="revoked"):
        act(letters.sign_letter, s, officer, draft_number, passphrase=SIGNING_PASSPHRASE)


def test_a_court_application_carries_its_paragraph_40_deadlines(s: Session, principal: Who) -> None:
    officer, moj = principal(OFFICER), principal(MOJ)
    planned = add_workdays(today_kz(), 30)
    number = a_signed_letter(
        s,
        officer,
        kind="court-application",
        recipient="EAEU_COURT",
        planned_send_date=planned.isoformat(),
    )
    letter = letters.get_letter(s, officer, number)
    by_rule = [(d.rule, d.by_party, d.basis, d.due) for d in letter.deadlines]
    # ¶40: PA and GO are informed no later than 10 wd before the agreed application is sent.
    assert ("¶40", "AGENCY:MINHEALTH", "before_send", add_workdays(planned, -10)) in by_rule
    act(letters.submit_letter, s, officer, number)
    act(letters.receive_letter, s, moj, number)
    moj_steps = {(d.basis, d.workdays): d.due for d in letter.deadlines if d.by_party == "MOJ"}
    assert moj_steps[("receipt", 5)] == add_workdays(today_kz(), 5)
    owed = [i.rule for i in letters.inbox(s, moj) if i.letter.registry_number == number]
    assert owed == ["¶40"]


def test_the_addressee_of_a_forwarded_court_request_can_meet_its_deadline(
    s: Session, principal: Who
) -> None:
    """¶36: the addressee owes its information within 10 wd, so it sees the forwarded item."""
    court, officer = principal(COURT), principal(OFFICER)
    item = a_court_request(s, court, "Request of an international court")
    act(letters.forward_letter, s, court, item.registry_number)
    owed = [
        i for i in letters.inbox(s, officer) if i.letter.registry_number == item.registry_number
    ]
    assert [i.rule for i in owed] == ["¶36"]
    assert owed[0].deadline_id is not None
    act(letters.complete_deadline, s, officer, owed[0].deadline_id)


def test_a_new_key_revokes_the_old_certificate_and_every_revocation_is_kept(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    first = act(letters.reserve_number, s, officer)
    old_xml = _signed_elsewhere(s, officer, first, kind="foreign-letter", recipient="INTL_ORG")
    user = s.get(User, officer.id)
    assert user is not None
    serials = [user.certificate_serial]
    pki.enroll_signing_key(s, officer.id, SIGNING_PASSPHRASE)  # a new key: the old one is revoked
    serials.append(user.certificate_serial)
    second = act(letters.reserve_number, s, officer)
    new_xml = _signed_elsewhere(s, officer, second, kind="foreign-letter", recipient="INTL_ORG")
    act(pki.revoke_certificate, s, officer.id)  # and then the new one too
    crl = pki.current_crl(s)
    assert crl is not None
    assert {str(entry.serial_number) for entry in crl} >= set(serials)
    for xml in (old_xml, new_xml):
        with pytest.raises(Invalid) as refused:
            act(letters.upload_letter, s, officer, xml)
        assert any("revoked" in d for d in refused.value.details)


def test_a_key_in_the_old_pkcs8_format_is_rewrapped_when_next_used(
    s: Session, principal: Who
) -> None:
    """Issue 11, M5: keys wrapped with PBKDF2 at 2,048 iterations are wrapped again
    (Argon2id) the first time their passphrase is given, since only then can they be."""
    officer = principal(OFFICER)
    user = s.get(User, officer.id)
    assert user is not None
    key = pki.unlock_signing_key(user, SIGNING_PASSPHRASE).key
    user.signing_key = key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(SIGNING_PASSPHRASE.encode())
    )
    s.commit()
    assert needs_rewrap(user.signing_key)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    act(letters.sign_letter, s, officer, number, passphrase=SIGNING_PASSPHRASE)
    s.expire_all()
    stored = s.get(User, officer.id)
    assert stored is not None
    assert stored.signing_key is not None
    assert not needs_rewrap(stored.signing_key)
    assert pki.unlock_signing_key(stored, SIGNING_PASSPHRASE).key.private_numbers() == (
        key.private_numbers()
    )
