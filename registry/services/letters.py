"""The letter lifecycle: one explicit state machine, driven by the letter's route plan.

``TRANSITIONS`` is the whole machine as data: for every transition, the states it
leaves from, the state it reaches, the permission (registry.auth.Action) it needs,
who may act (the sending agency, or the hub that holds the original), and the
custody tag it records. The functions below are the only way a letter changes:
each takes the caller's Session, checks role, plan and state, applies the change,
appends exactly one custody event through ``services.custody.append_event`` in
the same transaction, and commits. A refused attempt on an existing letter is
rolled back and then recorded as ``<tag>-refused`` in a transaction of its own.

States (``Letter.state``) and the route (``Letter.plan["route"]``, ``Letter.hop``
the index of the party holding — or about to receive — the original)::

    draft ──sign──▶ signed ──submit──▶ submitted ──receive──▶ received ──dispatch──▶ dispatched
      (compose)       ▲ (upload)         (to route[hop])        │   (MFA, ¶44)             │
                      └─ co-sign         ▲                      ├──forward──▶ submitted    │
                                         │                      │   (MOJ → MFA, ¶40)       │
                                         └──────────────────────┤                          ▼
                                                                └──return──▶ returned ─▶ closed
    signed ──submit (direct channel: WTO ¶42/¶44, legal basis, five-day urgent ¶44)──▶ sent
    sent ──file_notice (¶44 notice to MFA, tracked as outstanding)──▶ sent ──close──▶ closed
    (incoming: a court's request ¶36, a special procedure's communication ¶14-5)
    register_incoming ──▶ received ──forward──▶ forwarded ──close──▶ closed

A letter whose final recipient is an Arna party (¶14-7 information to MFA) ends
``received`` at that party, who closes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy.orm import Session

from registry.auth import Action, Principal
from registry.models import Letter
from signing.letter import Attachment, Reference


class State(StrEnum):
    """Where a letter stands (``Letter.state``)."""

    DRAFT = "draft"  # composed in Arna, not yet signed
    SIGNED = "signed"  # signed (in Arna or with the agency's own tools), not yet submitted
    SUBMITTED = "submitted"  # on its way to route[hop] (a hub: MOJ or MFA), not yet received
    RECEIVED = "received"  # route[hop] holds the original (or the incoming item is registered)
    DISPATCHED = "dispatched"  # MFA sent it through diplomatic channels (note number, date)
    SENT = "sent"  # the sender sent it directly (WTO, legal basis, five-day urgent: ¶44)
    FORWARDED = "forwarded"  # an incoming item passed on to the parties the plan names
    RETURNED = "returned"  # a hub sent it back to the sender, with reasons
    CLOSED = "closed"  # nothing more to do


class Transition(StrEnum):
    """The transitions of ``TRANSITIONS``."""

    COMPOSE = "compose"
    SIGN = "sign"
    UPLOAD = "upload"
    SUBMIT = "submit"
    REGISTER_INCOMING = "register_incoming"
    RECEIVE = "receive"
    FORWARD = "forward"
    DISPATCH = "dispatch"
    RETURN = "return"
    FILE_NOTICE = "file_notice"
    CLOSE = "close"


#: Who may act: the agency that sent (or registered) the letter, or the hub party
#: (MFA, MOJ) that currently holds it (``route[hop]``).
ActingParty = Literal["sender", "holder"]


@dataclass(frozen=True)
class TransitionSpec:
    """One edge set of the machine.

    ``targets`` lists every state the transition may reach; where there are
    several, the plan decides (``submit``: ``submitted`` through a hub, ``sent``
    on a direct channel; ``forward``: ``submitted`` to the next hub, ``forwarded``
    for an incoming item).
    """

    name: Transition
    action: Action
    tag: str
    sources: frozenset[State | None]
    targets: frozenset[State]
    actor: ActingParty
    rules: tuple[str, ...]
    summary: str


def _spec(
    name: Transition,
    action: Action,
    tag: str,
    sources: Sequence[State | None],
    targets: Sequence[State],
    actor: ActingParty,
    rules: tuple[str, ...],
    summary: str,
) -> TransitionSpec:
    return TransitionSpec(
        name, action, tag, frozenset(sources), frozenset(targets), actor, rules, summary
    )


S = State
T = Transition
TRANSITIONS: dict[Transition, TransitionSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            T.COMPOSE,
            Action.LETTER_COMPOSE,
            "letter:registered",
            [None],
            [S.DRAFT],
            "sender",
            ("¶43",),
            "an agency's officer drafts a letter in Arna; the route is planned at once",
        ),
        _spec(
            T.SIGN,
            Action.LETTER_SIGN,
            "letter:signed",
            [S.DRAFT, S.SIGNED],
            [S.SIGNED],
            "sender",
            ("¶14-7", "¶14-8"),
            "an officer (or the first head, where ¶14-7/¶14-8 require) signs with the key "
            "Arna holds for them; signing a signed letter adds a co-signature",
        ),
        _spec(
            T.UPLOAD,
            Action.LETTER_UPLOAD,
            "letter:registered",
            [None],
            [S.SIGNED],
            "sender",
            ("¶43",),
            "a letter signed with the agency's own tools is checked and registered",
        ),
        _spec(
            T.SUBMIT,
            Action.LETTER_SUBMIT,
            "letter:submitted",
            [S.SIGNED],
            [S.SUBMITTED, S.SENT],
            "sender",
            ("¶37", "¶40", "¶42", "¶44"),
            "the letter leaves its agency: to the first hub of its route, or, on a direct "
            "channel, straight to the recipient",
        ),
        _spec(
            T.REGISTER_INCOMING,
            Action.INCOMING_REGISTER,
            "letter:registered",
            [None],
            [S.RECEIVED],
            "sender",
            ("¶36", "¶14-5"),
            "a court's request or a special procedure's communication is registered on receipt; "
            "its forwarding deadline starts",
        ),
        _spec(
            T.RECEIVE,
            Action.LETTER_RECEIVE,
            "letter:received",
            [S.SUBMITTED],
            [S.RECEIVED],
            "holder",
            ("¶37", "¶40", "¶44"),
            "the hub the letter was submitted to takes it in; its own deadlines start",
        ),
        _spec(
            T.FORWARD,
            Action.LETTER_FORWARD,
            "letter:forwarded",
            [S.RECEIVED],
            [S.SUBMITTED, S.FORWARDED],
            "holder",
            ("¶36", "¶40", "¶14-5"),
            "MOJ hands an EAEU Court letter to MFA (¶40); an incoming item is passed on (¶36, "
            "¶14-5)",
        ),
        _spec(
            T.DISPATCH,
            Action.LETTER_DISPATCH,
            "letter:dispatched",
            [S.RECEIVED],
            [S.DISPATCHED],
            "holder",
            ("¶39", "¶44", "¶14-8"),
            "MFA sends the letter through diplomatic channels; the clerk records the note "
            "number and date and countersigns",
        ),
        _spec(
            T.RETURN,
            Action.LETTER_RETURN,
            "letter:returned",
            [S.SUBMITTED, S.RECEIVED],
            [S.RETURNED],
            "holder",
            ("¶44",),
            "a hub sends the letter back to its sender with reasons",
        ),
        _spec(
            T.FILE_NOTICE,
            Action.NOTICE_FILE,
            "letter:notice-filed",
            [S.SENT],
            [S.SENT],
            "sender",
            ("¶44",),
            "after a five-day urgent direct send, the sender informs MFA of the letter",
        ),
        _spec(
            T.CLOSE,
            Action.LETTER_CLOSE,
            "letter:closed",
            [S.DISPATCHED, S.SENT, S.RETURNED, S.FORWARDED, S.RECEIVED],
            [S.CLOSED],
            "sender",
            ("¶44",),
            "nothing more to do (a direct urgent send only once the ¶44 notice is filed; a "
            "letter received at its final Arna recipient is closed by that recipient)",
        ),
    )
}

#: Parties that run a registry hop in Arna: a letter submitted to them waits for receipt.
HUBS = frozenset({"MFA", "MOJ"})


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RoutePreview:
    """What the compose form shows before signing: the plan and the ¶ that decide it."""

    plan: dict[str, Any]
    explanations: list[str]


@dataclass(frozen=True)
class InboxItem:
    """One line of a person's inbox: a letter and what is due on it, most urgent first."""

    letter: Letter
    next_action: Transition | None
    due: date | None
    rule: str | None
    overdue: bool
    due_soon: bool
    deadline_id: int | None = None


@dataclass(frozen=True)
class LetterFilter:
    """Filters of the letter list (every field optional)."""

    state: State | None = None
    kind: str | None = None
    direction: Literal["outgoing", "incoming"] | None = None
    holder: str | None = None
    text: str | None = None  # in the registry number or subject
    limit: int = 100
    offset: int = 0


# ----------------------------------------------------------------------------- queries


def preview_route(envelope: Mapping[str, Any]) -> RoutePreview:
    """Plan ``envelope`` without storing anything; Invalid (naming the field) on a bad envelope."""
    raise NotImplementedError


def get_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The letter, or NotFound when missing or outside the person's scope (indistinguishable)."""
    raise NotImplementedError


def list_letters(session: Session, principal: Principal, flt: LetterFilter) -> list[Letter]:
    """Letters in the person's scope, newest first, filtered."""
    raise NotImplementedError


def inbox(session: Session, principal: Principal, today: date | None = None) -> list[InboxItem]:
    """What waits for this person, most urgent first: open deadlines and letters to act on.

    Overdue items first, then by due date (undated last); ``due_soon`` flags items due
    within ``ARNA_DUE_SOON_WORKDAYS`` working days.
    """
    raise NotImplementedError


def available_transitions(principal: Principal, letter: Letter) -> list[Transition]:
    """The transitions this person may attempt on this letter now (the UI's buttons)."""
    raise NotImplementedError


# ----------------------------------------------------------------------------- transitions


def reserve_number(session: Session, principal: Principal) -> str:
    """Reserve the next registry number of the person's agency, for a letter signed outside."""
    raise NotImplementedError


def compose_letter(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    references: Sequence[Reference] = (),
) -> Letter:
    """Draft a letter (state ``draft``): number assigned, XML built, route planned.

    Refused with every reason (Invalid) when the envelope is bad, the sender is not
    the person's agency, or the plan forbids the route (the refusal's ¶ cited).
    """
    raise NotImplementedError


def sign_letter(
    session: Session, principal: Principal, registry_number: str, *, passphrase: str
) -> Letter:
    """Sign a draft (or co-sign a signed letter) with the person's own key held by Arna."""
    raise NotImplementedError


def upload_letter(
    session: Session, principal: Principal, xml: bytes, *, submit: bool = False
) -> Letter:
    """Register a letter signed with the agency's own tools; ``submit`` also submits it.

    Schema check, signature verification (the report kept), routing; the bytes are
    stored untouched. Anything invalid: Invalid with all reasons, nothing stored.
    """
    raise NotImplementedError


def submit_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Submit a signed letter: to the first hub of its route, or send it directly."""
    raise NotImplementedError


def register_incoming(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str = "",
    document: Attachment | None = None,
) -> Letter:
    """Register a court's request (¶36) or a special procedure's communication (¶14-5)."""
    raise NotImplementedError


def receive_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The hub holding the next hop takes the letter in (its receipt deadlines start)."""
    raise NotImplementedError


def forward_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Pass the letter on: MOJ → MFA (¶40), or an incoming item to its addressees."""
    raise NotImplementedError


def dispatch_letter(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    note_number: str,
    note_date: date,
    passphrase: str,
) -> Letter:
    """MFA dispatches through diplomatic channels; the clerk's key countersigns the record."""
    raise NotImplementedError


def return_letter(
    session: Session, principal: Principal, registry_number: str, *, reasons: Sequence[str]
) -> Letter:
    """A hub returns the letter to its sender with (at least one) reason."""
    raise NotImplementedError


def file_notice(
    session: Session, principal: Principal, registry_number: str, *, text: str
) -> Letter:
    """File the ¶44 notice to MFA of a five-day urgent direct send."""
    raise NotImplementedError


def close_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Close a letter that needs nothing more."""
    raise NotImplementedError


def complete_deadline(session: Session, principal: Principal, deadline_id: int) -> None:
    """Mark a deadline the person's party owes as met."""
    raise NotImplementedError
