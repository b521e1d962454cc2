"""The letter lifecycle as data: states, transitions, and the guards the route plan sets.

``TRANSITIONS`` is the whole machine as data: for every transition, the states it
leaves from, the state it reaches, the permission (registry.permissions.Action) it needs,
who may act (the sending agency, or the hub that holds the original), and the
custody tag it records. ``guard`` says why the plan forbids a transition now.
registry.services.letters runs the transitions (the only way a letter changes).

States (``Letter.state``) and the route (``Letter.plan["route"]``, ``Letter.hop``
the index of the party holding — or about to receive — the original)::

    draft ──sign──▶ signed ──submit──▶ submitted ──receive──▶ received ──dispatch──▶ dispatched
      (compose)       ▲ (upload)         (to route[hop])        │   (MFA, ¶44)             │
                      └─ co-sign         ▲                      ├──forward──▶ submitted    │
                                         │                      │   (MOJ → MFA, ¶40)       │
                                         └──────────────────────┤                          ▼
                                                                └──return──▶ returned ─▶ closed
    signed ──submit (MFA's own diplomatic letter, ¶14-8: its registry holds it)──▶ received
    signed ──submit (direct channel: WTO ¶42/¶44, legal basis, five-day urgent ¶44)──▶ sent
    sent ──file_notice (¶44 notice to MFA, tracked as outstanding)──▶ sent ──close──▶ closed
    (incoming: a court's request ¶36, a special procedure's communication ¶14-5)
    register_incoming ──▶ received ──forward──▶ forwarded ──close──▶ closed
    (incoming: a foreign body's note or letter, ¶44, registered by MFA)
    register_incoming ──▶ received ──forward (to its addressee, who holds it)──▶ received
      ──close (by the addressee)──▶ closed

A letter whose final recipient is an Arna party (¶14-7 information to MFA) ends
``received`` at that party, who closes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from registry.models import Letter
from registry.permissions import Action
from registry.services.custody.tags import Tag
from routing import parties
from routing.kinds import KINDS


class Direction(StrEnum):
    """Which way a letter goes (``Letter.direction``)."""

    OUTGOING = "outgoing"  # composed or uploaded by an agency, to be sent
    INCOMING = "incoming"  # an item received from outside, registered (¶36, ¶14-5)


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
    tag: Tag
    sources: frozenset[State | None]
    targets: frozenset[State]
    actor: ActingParty
    rules: tuple[str, ...]
    summary: str


def _spec(
    name: Transition,
    action: Action,
    tag: Tag,
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
            Tag.LETTER_REGISTERED,
            [None],
            [S.DRAFT],
            "sender",
            ("¶43",),
            "an agency's officer drafts a letter in Arna; the route is planned at once",
        ),
        _spec(
            T.SIGN,
            Action.LETTER_SIGN,
            Tag.LETTER_SIGNED,
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
            Tag.LETTER_REGISTERED,
            [None],
            [S.SIGNED],
            "sender",
            ("¶43",),
            "a letter signed with the agency's own tools is checked and registered",
        ),
        _spec(
            T.SUBMIT,
            Action.LETTER_SUBMIT,
            Tag.LETTER_SUBMITTED,
            [S.SIGNED],
            [S.SUBMITTED, S.RECEIVED, S.SENT],
            "sender",
            ("¶37", "¶40", "¶42", "¶44"),
            "the letter leaves its agency: to the first hub of its route, or, on a direct "
            "channel, straight to the recipient",
        ),
        _spec(
            T.REGISTER_INCOMING,
            Action.INCOMING_REGISTER,
            Tag.LETTER_REGISTERED,
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
            Tag.LETTER_RECEIVED,
            [S.SUBMITTED],
            [S.RECEIVED],
            "holder",
            ("¶37", "¶40", "¶44"),
            "the hub the letter was submitted to takes it in; its own deadlines start",
        ),
        _spec(
            T.FORWARD,
            Action.LETTER_FORWARD,
            Tag.LETTER_FORWARDED,
            [S.RECEIVED],
            [S.SUBMITTED, S.FORWARDED, S.RECEIVED],
            "holder",
            ("¶36", "¶40", "¶44", "¶14-5"),
            "MOJ hands an EAEU Court letter to MFA (¶40); an incoming item is passed on (¶36, "
            "¶14-5); MFA passes a foreign body's note to the body it is addressed to, which "
            "then holds it received (¶44)",
        ),
        _spec(
            T.DISPATCH,
            Action.LETTER_DISPATCH,
            Tag.LETTER_DISPATCHED,
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
            Tag.LETTER_RETURNED,
            [S.SUBMITTED, S.RECEIVED],
            [S.RETURNED],
            "holder",
            (),  # no ¶ grants it: the Rules give MFA no right to return a letter
            "the hub's clerk refuses to dispatch (or hand on) the letter and returns it to its "
            "sender with reasons — the service's own step, not a right the Rules grant",
        ),
        _spec(
            T.FILE_NOTICE,
            Action.NOTICE_FILE,
            Tag.LETTER_NOTICE_FILED,
            [S.SENT],
            [S.SENT],
            "sender",
            ("¶44",),
            "after a five-day urgent direct send, the sender informs MFA of the letter",
        ),
        _spec(
            T.CLOSE,
            Action.LETTER_CLOSE,
            Tag.LETTER_CLOSED,
            [S.DRAFT, S.SIGNED, S.DISPATCHED, S.SENT, S.RETURNED, S.FORWARDED, S.RECEIVED],
            [S.CLOSED],
            "sender",
            ("¶44",),
            "nothing more to do (a direct urgent send only once the ¶44 notice is filed; a "
            "letter received at its final Arna recipient is closed by that recipient); a draft "
            "or signed letter that will not be sent is closed unsent: it keeps its number and "
            "its history, nothing is deleted",
        ),
    )
}

#: How refusals name a transition: what one may do to a letter, and what it then is
#: ("only MFA may receive this letter now", "a draft letter cannot be closed").
WORDING: dict[Transition, tuple[str, str]] = {
    T.COMPOSE: ("compose", "composed"),
    T.SIGN: ("sign", "signed"),
    T.UPLOAD: ("upload", "uploaded"),
    T.SUBMIT: ("submit", "submitted"),
    T.REGISTER_INCOMING: ("register", "registered"),
    T.RECEIVE: ("receive", "received"),
    T.FORWARD: ("forward", "forwarded"),
    T.DISPATCH: ("dispatch", "dispatched"),
    T.RETURN: ("return", "returned"),
    T.FILE_NOTICE: ("file the ¶44 notice of", "given a ¶44 notice"),
    T.CLOSE: ("close", "closed"),
}

#: Parties that run a registry hop in Arna: a letter submitted to them waits for receipt.
HUBS = frozenset({parties.MFA, parties.MOJ})
#: ¶ whose letters need the sending body's first head among the signers.
FIRST_HEAD_RULES = ("¶14-7", "¶14-8")


def next_party(letter: Letter) -> str | None:
    route = letter.plan["route"]
    return route[letter.hop + 1] if letter.hop + 1 < len(route) else None


def at_final_hop(letter: Letter) -> bool:
    return letter.hop == len(letter.plan["route"]) - 1


def acting_party(name: Transition, letter: Letter) -> str:
    """The party whose people may perform ``name`` on ``letter`` now."""
    if name is Transition.CLOSE and letter.state == State.RECEIVED:
        return letter.holder  # a letter that reached its Arna recipient (¶14-7 info to MFA)
    if TRANSITIONS[name].actor == "holder":
        return letter.holder
    return letter.agency_code


def guard(name: Transition, letter: Letter) -> str | None:
    """Why the plan does not allow ``name`` on ``letter`` in its state, or None."""
    outgoing = letter.direction == Direction.OUTGOING
    nxt = next_party(letter)
    if name is Transition.SIGN and not outgoing:
        return "an incoming item is registered, not signed"
    if name is Transition.SUBMIT:
        problems = signature_problems(letter.plan, letter.sender, letter.signed_by or [])
        return "; ".join(problems) or None
    if name is Transition.FORWARD:
        if not outgoing:
            foreign_mail = KINDS[letter.kind].incoming
            return "the item is with its addressee" if foreign_mail and nxt is None else None
        if nxt is None:
            return "the letter is with its final recipient; nothing to forward"
        if nxt not in HUBS:
            return f"¶44: {letter.holder} sends the letter on to {nxt} by dispatching it"
        return None
    if name is Transition.DISPATCH:
        if letter.holder != "MFA" or letter.plan["channel"] != "diplomatic" or nxt is None:
            return "¶44: only MFA dispatches, and only a letter its route sends through MFA"
        if nxt != letter.plan["route"][-1]:
            return f"the letter goes to {nxt} first"
        return None
    if name is Transition.RETURN and (letter.holder not in HUBS or letter.holder == letter.sender):
        return "only a hub (MFA, MOJ) returns a letter to its sender"
    if name is Transition.FILE_NOTICE:
        if not letter.notice_required:
            return "¶44: no notice is owed: the letter was not an urgent direct send"
        if letter.notice_filed_at is not None:
            return "¶44: the notice to MFA is already filed"
    if name is Transition.CLOSE:
        if letter.notice_required and letter.notice_filed_at is None:
            return "¶44: inform MFA of the urgent direct send (file the notice) before closing"
        if letter.state == State.RECEIVED and not at_final_hop(letter):
            return "the letter is still on its route" if outgoing else "forward the item first"
    return None


def signature_problems(route_plan: dict[str, Any], sender: str, signers: list[Any]) -> list[str]:
    """What the signatures lack for this letter: the sender's officer, the first head (¶14-7/8)."""
    problems = []
    if not any(s.get("agency") == sender for s in signers):
        problems.append(f"¶43: no signature of an officer of the sender {sender}")
    needed = [rule for rule in FIRST_HEAD_RULES if rule in route_plan["rules"]]
    if needed and not any(s.get("agency") == sender and s.get("first_head") for s in signers):
        problems.append(
            f"{needed[0]}: the letter must be signed by the first head of {sender} "
            "(or the person acting for them)"
        )
    return problems
