"""A registered letter moving along its route: submit, receive, forward, dispatch, return,
file the ¶44 notice, close — and deadlines marked met."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Deadline, Letter, User
from registry.permissions import Action, Principal, can_see_letter, check
from registry.services import deadlines
from registry.services.countersign import (
    countersign_dispatch,
    dispatch_record_xml,
    read_record_xml,
    record_mismatches,
)
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.deadlines import Basis
from registry.services.errors import Forbidden, Invalid, NotFound
from registry.services.identity import own_key_problems, standings
from registry.services.letters.actions import authorise, custody_actor, refusal, run_transition
from registry.services.letters.queries import get_letter
from registry.services.letters.records import refuse_unless_verified
from registry.services.lifecycle import HUBS, Direction, State, Transition, next_party
from registry.services.pki import trust_store, unlock_charged, with_passphrase
from registry.services.throttle import Attempt
from routing.kinds import KINDS
from routing.parties import MFA
from signing.verify import verify_letter
from signing.xmlparse import XMLInputError


def submit_route(letter: Letter, principal: Principal) -> State:
    """Move a signed letter off its agency as its plan says (¶37, ¶40, ¶42, ¶44)."""
    route = letter.plan["route"]
    first = route[1]
    if letter.plan["channel"] == "diplomatic" and letter.sender == "MFA":
        # MFA's own letter (¶14-8 reply): its registry already holds it for dispatch.
        letter.holder, letter.hop = "MFA", 0
        return State.RECEIVED
    if first in HUBS:
        letter.holder, letter.hop = first, 1
        deadlines.meet(letter, letter.sender, [first], principal.id)
        return State.SUBMITTED
    # A direct channel (WTO, a recorded legal basis, the five-day exception, ¶50).
    letter.holder, letter.hop = route[-1], len(route) - 1
    deadlines.meet(letter, letter.sender, [route[-1]], principal.id)
    deadlines.start_clocks(
        letter, {d.by_party for d in letter.deadlines}, Basis.SEND, deadlines.today_kz()
    )
    return State.SENT


def submit_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Submit a signed letter: to the first hub of its route, or send it directly."""
    return run_transition(
        session,
        principal,
        registry_number,
        Transition.SUBMIT,
        lambda letter: submit_route(letter, principal),
    )


def receive_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The hub holding the next hop takes the letter in (its receipt deadlines start)."""

    def apply(letter: Letter) -> State:
        deadlines.start_clocks(letter, [letter.holder], Basis.RECEIPT, deadlines.today_kz())
        return State.RECEIVED

    return run_transition(session, principal, registry_number, Transition.RECEIVE, apply)


def forward_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Pass the letter on: MOJ → MFA (¶40), an incoming item to its addressees (¶36, ¶14-5),
    a foreign body's note from MFA to the body it is addressed to (¶44)."""

    def apply(letter: Letter) -> State:
        if KINDS[letter.kind].incoming:
            # A foreign body's mail (¶44): MFA passes it to its addressee, who now holds it.
            route = letter.plan["route"]
            letter.holder, letter.hop = route[-1], len(route) - 1
            return State.RECEIVED
        if letter.direction == Direction.INCOMING:
            # ¶36 «қарау үшін»: the addressees of the holder's receipt-counted step, not copies.
            owed = [
                party
                for d in letter.deadlines
                if d.by_party == letter.holder and d.basis == Basis.RECEIPT
                for party in d.to_parties
            ]
            targets = list(
                dict.fromkeys([*letter.plan["route"][1:], *letter.plan["copies"], *owed])
            )
            deadlines.meet(letter, letter.holder, targets, principal.id)
            deadlines.start_clocks(letter, targets, Basis.RECEIPT, deadlines.today_kz())
            return State.FORWARDED
        nxt = next_party(letter)
        assert nxt is not None
        deadlines.meet(letter, letter.holder, [nxt], principal.id)
        letter.holder, letter.hop = nxt, letter.hop + 1
        return State.SUBMITTED

    return run_transition(session, principal, registry_number, Transition.FORWARD, apply)


def _dispatched(
    letter: Letter,
    principal: Principal,
    note_number: str,
    note_date: date,
    countersign: Callable[[str], bytes],
) -> State:
    """Record the dispatch under the note; ``countersign(note number)`` gives the signed record."""
    errors = []
    note_number_clean = note_number.strip()
    if not note_number_clean or len(note_number_clean) > 64:
        errors.append("note_number: the diplomatic note's number (1 to 64 characters)")
    if note_date > deadlines.today_kz():
        errors.append("note_date: a note cannot be dated in the future")
    if note_date < letter.letter_date:
        errors.append("note_date: before the letter's own date")
    if errors:
        raise Invalid("the dispatch cannot be recorded", details=errors)
    letter.dispatch_record = countersign(note_number_clean)
    letter.note_number = note_number_clean
    letter.note_date = note_date
    route = letter.plan["route"]
    deadlines.meet(letter, "MFA", [route[-1]], principal.id)
    deadlines.start_clocks(letter, {d.by_party for d in letter.deadlines}, Basis.SEND, note_date)
    letter.holder, letter.hop = route[-1], len(route) - 1
    return State.DISPATCHED


def dispatch_letter(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    note_number: str,
    note_date: date,
    passphrase: str,
) -> Letter:
    """MFA dispatches through diplomatic channels; the clerk's Arna-held key countersigns
    the record (refused while ``ARNA_SERVER_SIGNING`` is off)."""

    def dispatched_with(attempt: Attempt) -> Letter:
        def apply(letter: Letter) -> State:
            def countersign(note: str) -> bytes:
                user = session.get(User, principal.id)
                assert user is not None
                unlocked = unlock_charged(session, user, passphrase, attempt)
                return countersign_dispatch(letter, unlocked, principal, note, note_date)

            return _dispatched(letter, principal, note_number, note_date, countersign)

        return run_transition(session, principal, registry_number, Transition.DISPATCH, apply)

    return with_passphrase(session, principal.id, dispatched_with)


#: How old a dispatch record made for NCALayer may be when it comes back signed.
RECORD_FRESHNESS = timedelta(hours=1)


def dispatch_record_to_sign(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    note_number: str,
    note_date: date,
) -> bytes:
    """The dispatch record the clerk signs with their own key (NCALayer), for this note;
    refused as the dispatch itself would be (scope, role, state). Nothing is written."""
    letter = get_letter(session, principal, registry_number)
    authorise(principal, Transition.DISPATCH, letter)
    return dispatch_record_xml(letter, principal, note_number.strip(), note_date)


def dispatch_with_own_key(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    note_number: str,
    note_date: date,
    signed_record: bytes,
) -> Letter:
    """MFA dispatches; the clerk countersigned the record (``dispatch_record_to_sign``) with
    their own key in NCALayer. The record must verify (NCA RK profile), name this letter's
    signed bytes, this note, this clerk, and be fresh, before anything changes."""

    def apply(letter: Letter) -> State:
        def countersign(note: str) -> bytes:
            try:
                result = verify_letter(signed_record, trust_store(session), at=utcnow())
            except XMLInputError as exc:
                raise Invalid(
                    "the signed record is not acceptable XML", details=[str(exc)]
                ) from None
            refuse_unless_verified(result)
            # The sender's rule, with MFA as the party: MFA's BIN (or a registry-CA
            # certificate of MFA, or a CA scoped to it), and the clerk's own IIN.
            counted = standings(session, result, utcnow())
            refused = own_key_problems(counted, MFA, principal, as_party="the dispatching party")
            if refused:
                raise Invalid(
                    "the countersignature was refused",
                    details=refused,
                    code="not_the_countersigner",
                )
            assert result.signed_root is not None
            try:
                record = read_record_xml(result.signed_root)
                signed_at = datetime.fromisoformat(record["signed_at"].replace("Z", "+00:00"))
            except ValueError as exc:
                raise Invalid(
                    "the signed XML is not a dispatch record", details=[str(exc)]
                ) from None
            problems = record_mismatches(record, letter, note, note_date)
            if record["recipient"] != letter.recipient:
                problems.append(f"recipient: the record says {record['recipient']!r}")
            if record["clerk"] != principal.username:
                problems.append(f"clerk: the record names {record['clerk']!r}, not you")
            if not utcnow() - RECORD_FRESHNESS <= signed_at <= utcnow():
                problems.append("signed_at: the record was not made for this dispatch just now")
            if problems:
                raise Invalid(
                    "the dispatch record was refused", details=problems, code="not_this_record"
                )
            return signed_record

        return _dispatched(letter, principal, note_number, note_date, countersign)

    return run_transition(session, principal, registry_number, Transition.DISPATCH, apply)


def return_letter(
    session: Session, principal: Principal, registry_number: str, *, reasons: Sequence[str]
) -> Letter:
    """A hub returns the letter to its sender with (at least one) reason."""

    def apply(letter: Letter) -> State:
        given = [r.strip() for r in reasons if r.strip()]
        if not given:
            raise Invalid("reasons: say why the letter is returned", code="reasons_required")
        letter.return_reasons = given
        letter.holder, letter.hop = letter.sender, 0
        return State.RETURNED

    return run_transition(session, principal, registry_number, Transition.RETURN, apply)


def file_notice(
    session: Session, principal: Principal, registry_number: str, *, text: str
) -> Letter:
    """File the ¶44 notice to MFA of a five-day urgent direct send."""

    def apply(letter: Letter) -> State:
        if not text.strip():
            raise Invalid("text: what MFA is told of the letter and its content (¶44)")
        letter.notice_text = text.strip()
        letter.notice_filed_at = utcnow()
        return State.SENT

    return run_transition(session, principal, registry_number, Transition.FILE_NOTICE, apply)


def close_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Close a letter that needs nothing more."""
    return run_transition(
        session, principal, registry_number, Transition.CLOSE, lambda _letter: State.CLOSED
    )


DEADLINE_MET = Tag.LETTER_DEADLINE_MET


def complete_deadline(session: Session, principal: Principal, deadline_id: int) -> None:
    """Mark a deadline the person's party owes as met.

    Not a transition (the letter's state stays), but an action on the letter, so it
    is recorded in the custody log like one — and so is a refused attempt.
    """
    check(principal, Action.DEADLINE_COMPLETE)
    # Locked (and re-read once the lock is ours): two people marking it at once must
    # not both find it open and both log it.
    deadline = session.get(Deadline, deadline_id, with_for_update=True, populate_existing=True)
    if deadline is None or not can_see_letter(principal, deadline.letter):
        raise NotFound(f"no deadline {deadline_id}")
    letter = deadline.letter
    number, sha, state = letter.registry_number, letter.sha256, letter.state
    if deadline.by_party != principal.agency_code:
        forbidden = Forbidden(f"the deadline is owed by {deadline.by_party}")
        raise forbidden.refusing(refusal(principal, DEADLINE_MET, number, sha, state))
    if deadline.done_at is None:
        deadline.done_at = utcnow()
        deadline.done_by_id = principal.id
        append_event(
            session,
            actor=custody_actor(principal),
            action=DEADLINE_MET,
            registry_number=number,
            letter_sha256=sha,
            state_before=state,
            state_after=state,
        )
