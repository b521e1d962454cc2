"""The Rules of Decree No. 1037 as a table: one RouteRule per situation, each citing its ¶.

An MFA lawyer should be able to read this file top to bottom and check it
against RULES.md; the planner only looks rules up and fills in the envelope's
parties and dates, and docs/rules.md is rendered from the same table
(routing/reference.py).

Placeholders: SENDER and RECIPIENT stand for the envelope's parties. Nobody
owes a step to itself: a party is dropped from the ``to`` of its own step, and a
step left with nobody to address is dropped (MOJ applying itself has no MOJ
agreement to obtain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from routing import kinds as k
from routing import parties as p
from routing.envelope import Envelope

SENDER: Final = "SENDER"
RECIPIENT: Final = "RECIPIENT"
ANY_RECIPIENT: Final = "*"

Origin = Literal["receipt", "send"]


@dataclass(frozen=True)
class StepRule:
    """A deadline the Rules attach to the letter; one step per party in ``by``.

    Exactly one of: ``within_wd`` counted from ``origin`` ("receipt": the day the
    step's party received the item; "send": the day the letter is sent);
    ``before_send_wd`` (no later than that many wd before the letter is sent;
    0: by the day of sending); ``due_field`` (a date the envelope states).
    ``route_only`` steps exist only while the letter travels the prescribed route
    (e.g. MOJ's ¶40 hand-over is moot on a direct send).
    """

    by: tuple[str, ...]
    to: tuple[str, ...]
    rule: str
    what: str
    within_wd: int | None = None
    origin: Origin | None = None
    before_send_wd: int | None = None
    due_field: str | None = None
    route_only: bool = False


@dataclass(frozen=True)
class DirectPolicy:
    """When ``send: direct`` is allowed though the prescribed route goes through MFA."""

    rule: str
    #: legal_basis.kind values the ¶ accepts as "providing otherwise".
    legal_bases: frozenset[str]
    #: The ¶44 five-day exception applies (never to judicial bodies, ¶37).
    urgent: bool
    #: Chapter 6 does not bind the sender at all (¶50): direct needs no reason.
    unconditional: bool
    forbidden: str


@dataclass(frozen=True)
class Check:
    """A condition of the Rules; ``failure`` returns the plain reason, or None if met."""

    rule: str
    what: str
    failure: Callable[[Envelope], str | None]


@dataclass(frozen=True)
class RouteRule:
    """One situation of the Rules and what it prescribes."""

    kind: str
    recipients: tuple[str, ...]
    #: "central": bound by Chapter 6; "chapter-6-exempt": PA and GO (¶50); "any": both.
    senders: Literal["any", "central", "chapter-6-exempt"]
    via: tuple[str, ...]
    rules: tuple[str, ...]
    summary: str
    copies: tuple[str, ...] = ()
    steps: tuple[StepRule, ...] = ()
    checks: tuple[Check, ...] = ()
    direct: DirectPolicy | None = None


URGENT_DAYS: Final = 5
"""¶44: a matter to be worked out "within the next five days" (calendar days after ``date``).

``urgent_needed_by`` at most this many days after ``date`` carries a direct send.
"""

# ¶44: "legislative acts, acts of the President and of the Government, international
# treaties in force". A ratified treaty is a treaty; instructions are not acts.
ACTS_44: Final = frozenset(
    {"law", "president-act", "government-act", "treaty-in-force", "ratified-treaty"}
)
# ¶37: "ratified international treaties, instructions of the President, of the PA's
# leadership, of the Prime Minister and his deputies".
BASES_37: Final = frozenset(
    {
        "ratified-treaty",
        "president-instruction",
        "pa-instruction",
        "pm-instruction",
        "deputy-pm-instruction",
    }
)

VIA_MFA_44: Final = DirectPolicy(
    rule="¶44",
    legal_bases=ACTS_44,
    urgent=True,
    unconditional=False,
    forbidden=(
        "official correspondence with foreign state bodies, diplomatic missions and "
        "international organisations goes through MFA unless a law, an act of the President "
        "or the Government or a treaty in force provides otherwise, or the matter must be "
        "worked out within five days"
    ),
)
NOT_BOUND_50: Final = DirectPolicy(
    rule="¶50", legal_bases=frozenset(), urgent=False, unconditional=True, forbidden=""
)
COURT_37: Final = DirectPolicy(
    rule="¶37",
    legal_bases=BASES_37,
    urgent=False,
    unconditional=False,
    forbidden=(
        "sending a reply or any other information directly to an international judicial "
        "body is forbidden unless a ratified international treaty or an instruction of the "
        "President, the PA's leadership, the Prime Minister or a Deputy Prime Minister "
        "provides for it; the five-day exception of ¶44 does not apply to judicial bodies"
    ),
)

MOJ_HANDS_TO_MFA: Final = StepRule(
    by=(p.MOJ,),
    to=(p.MFA,),
    rule="¶40",
    what="MOJ submits the originals to MFA for the EAEU Court",
    within_wd=5,
    origin="receipt",
    route_only=True,
)
COURT_PARTIES: Final = (p.MFA, p.MOJ, p.MTI)


def _sender_is_mfa(rule: str, act: str) -> Check:
    def failure(envelope: Envelope) -> str | None:
        if envelope.sender == p.MFA:
            return None
        return f"only MFA {act}; {envelope.sender} may not"

    return Check(rule, f"only MFA {act}", failure)


def _signed_by_first_head(rule: str) -> Check:
    def failure(envelope: Envelope) -> str | None:
        if envelope.signed_by_first_head:
            return None
        return "must be signed by the body's first head or the person acting for them"

    return Check(rule, "signed by the first head (or acting)", failure)


def _info_goes_to_mfa(envelope: Envelope) -> str | None:
    if envelope.recipient == p.MFA:
        return None
    return "only MFA replies to a special procedure; the competent body's information goes to MFA"


def _in_communication_language(envelope: Envelope) -> str | None:
    if envelope.language == envelope.communication_language:
        return None
    return (
        f"the reply must be in the language of the communication "
        f"({envelope.communication_language}), not {envelope.language}"
    )


def _before_reply_deadline(envelope: Envelope) -> str | None:
    deadline = envelope.reply_deadline
    assert deadline is not None  # required for the kind (kinds.py)
    sent = envelope.planned_send_date or envelope.date
    if sent <= deadline:
        return None
    return (
        f"the reply must be sent before the communication's deadline {deadline.isoformat()}, "
        f"not on {sent.isoformat()}"
    )


FOREIGN_VIA_MFA: Final = (p.FOREIGN_STATE_BODY, p.DIPLOMATIC_MISSION, p.INTL_ORG)

RULES: Final[tuple[RouteRule, ...]] = (
    # --- Chapter 6: official correspondence (¶42–44, ¶50) ---
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=FOREIGN_VIA_MFA,
        senders="central",
        via=(p.MFA,),
        rules=("¶44",),
        summary="through MFA; direct only with a recorded legal basis or the five-day exception",
        direct=VIA_MFA_44,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.TREATY_BODY,),
        senders="central",
        via=(p.MFA,),
        rules=("¶14-11", "¶44"),
        summary=(
            "per the treaty body's procedure (¶14-11): through MFA unless the treaty in "
            "force provides otherwise (recorded as the legal basis, ¶44)"
        ),
        direct=VIA_MFA_44,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.SPECIAL_PROCEDURE,),
        senders="any",
        via=(p.MFA,),
        rules=("¶14-10",),
        summary=(
            "only MFA writes to a special procedure (an invitation to visit, through diplomatic "
            "channels); other bodies and the Ombudsman propose it to MFA"
        ),
        checks=(_sender_is_mfa("¶14-10", "invites a special procedure to visit"),),
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.WTO,),
        senders="any",
        via=(),
        rules=("¶42", "¶44"),
        summary="official correspondence with the WTO is direct; MFA does not coordinate it",
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.EEC,),
        senders="central",
        via=(p.MFA,),
        rules=("¶14-2", "¶14-3", "¶42", "¶44"),
        summary=(
            "through diplomatic channels after agreement with MTI, which coordinates "
            "interaction with the EEC instead of MFA"
        ),
        steps=(
            StepRule(
                by=(SENDER,),
                to=(p.MTI,),
                rule="¶14-2",
                what="agree the letter with MTI",
                before_send_wd=0,
            ),
        ),
        direct=VIA_MFA_44,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(*FOREIGN_VIA_MFA, p.TREATY_BODY),
        senders="chapter-6-exempt",
        via=(p.MFA,),
        rules=("¶50",),
        summary="Chapter 6 does not bind PA and GO: through MFA by default, direct if asked",
        direct=NOT_BOUND_50,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.EEC,),
        senders="chapter-6-exempt",
        via=(p.MFA,),
        rules=("¶14-2", "¶50"),
        summary="Chapter 6 does not bind PA and GO; information for the EEC is agreed with MTI",
        steps=(
            StepRule(
                by=(SENDER,),
                to=(p.MTI,),
                rule="¶14-2",
                what="agree the letter with MTI",
                before_send_wd=0,
            ),
        ),
        direct=NOT_BOUND_50,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders="any",
        via=(p.MFA,),
        rules=("¶37",),
        summary="other information for a judicial body goes through MFA; direct only per ¶37",
        direct=COURT_37,
    ),
    # --- Chapter 5: international judicial bodies (¶36–41) ---
    RouteRule(
        kind=k.COURT_REQUEST_FORWARD,
        recipients=(ANY_RECIPIENT,),
        senders="any",
        via=(),
        rules=("¶36",),
        summary="the receiving body forwards the request to MFA, MOJ, MTI and the addressee",
        copies=COURT_PARTIES,
        steps=(
            StepRule(
                by=(SENDER,),
                to=(*COURT_PARTIES, RECIPIENT),
                rule="¶36",
                what="forward the request",
                within_wd=3,
                origin="receipt",
            ),
            StepRule(
                by=(*COURT_PARTIES, RECIPIENT),
                to=(SENDER,),
                rule="¶36",
                what="return information, proposals and documents",
                within_wd=10,
                origin="receipt",
            ),
        ),
    ),
    RouteRule(
        kind=k.COURT_REPLY,
        recipients=(p.INTL_COURT,),
        senders="any",
        via=(p.MFA,),
        rules=("¶37",),
        summary="the consolidated reply goes to MFA, which sends it through diplomatic channels",
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_REPLY,
        recipients=(p.EAEU_COURT,),
        senders="any",
        via=(p.MOJ, p.MFA),
        rules=("¶37", "¶40"),
        summary="a reply to the EAEU Court goes to MOJ, which hands it to MFA within 5 wd",
        steps=(MOJ_HANDS_TO_MFA,),
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_PRACTICE_REPLY,
        recipients=(p.INTL_COURT,),
        senders="any",
        via=(p.MFA,),
        rules=("¶37", "¶38"),
        summary="the Supreme Court's reply goes through MFA; copies to MFA, MOJ, MTI",
        copies=COURT_PARTIES,
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_PRACTICE_REPLY,
        recipients=(p.EAEU_COURT,),
        senders="any",
        via=(p.MOJ, p.MFA),
        rules=("¶37", "¶38", "¶40"),
        summary="to the EAEU Court via MOJ and MFA; copies to MFA, MOJ, MTI",
        copies=COURT_PARTIES,
        steps=(MOJ_HANDS_TO_MFA,),
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_APPLICATION,
        recipients=(p.INTL_COURT,),
        senders="any",
        via=(p.MFA,),
        rules=("¶39", "¶40"),
        summary="through diplomatic channels, agreed with MFA, MTI, MOJ; PA and GO told first",
        steps=(
            StepRule(
                by=COURT_PARTIES,
                to=(SENDER,),
                rule="¶40",
                what="agree the draft application",
                within_wd=20,
                origin="receipt",
            ),
            StepRule(
                by=(SENDER,),
                to=(p.GO, p.PA),
                rule="¶40",
                what="inform PA and GO of the agreed application",
                before_send_wd=10,
            ),
        ),
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_APPLICATION,
        recipients=(p.EAEU_COURT,),
        senders="any",
        via=(p.MOJ, p.MFA),
        rules=("¶39", "¶40"),
        summary="to the EAEU Court via MOJ (5 wd) and MFA; agreed and announced as above",
        steps=(
            StepRule(
                by=COURT_PARTIES,
                to=(SENDER,),
                rule="¶40",
                what="agree the draft application",
                within_wd=20,
                origin="receipt",
            ),
            StepRule(
                by=(SENDER,),
                to=(p.GO, p.PA),
                rule="¶40",
                what="inform PA and GO of the agreed application",
                before_send_wd=10,
            ),
            MOJ_HANDS_TO_MFA,
        ),
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.NCE_COURT_APPLICATION,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders="any",
        via=(),
        rules=("¶41",),
        summary="the NCE applies itself, after telling MFA, MTI and MOJ",
        steps=(
            StepRule(
                by=(SENDER,),
                to=COURT_PARTIES,
                rule="¶41",
                what="inform MFA, MTI and MOJ of the decision to apply",
                before_send_wd=10,
            ),
        ),
    ),
    # --- Chapter 2-1: UN Human Rights Council special procedures (¶14-5–14-9) ---
    RouteRule(
        kind=k.SPECIAL_PROCEDURE_FORWARD,
        recipients=(ANY_RECIPIENT,),
        senders="any",
        via=(),
        rules=("¶14-5",),
        summary="MFA sends the communication to the competent body, and to the Ombudsman",
        copies=(p.OMBUDSMAN,),
        steps=(
            StepRule(
                by=(SENDER,),
                to=(RECIPIENT, p.OMBUDSMAN),
                rule="¶14-5",
                what="send the communication on (the Ombudsman for information)",
                within_wd=5,
                origin="receipt",
            ),
        ),
        checks=(_sender_is_mfa("¶14-5", "passes a special procedure's communication on"),),
    ),
    RouteRule(
        kind=k.SPECIAL_PROCEDURE_INFO,
        recipients=(ANY_RECIPIENT,),
        senders="any",
        via=(),
        rules=("¶14-6", "¶14-7"),
        summary="the competent body's information goes to MFA, signed by its first head",
        checks=(
            Check("¶14-6", "addressed to MFA, never to the special procedure", _info_goes_to_mfa),
            _signed_by_first_head("¶14-7"),
        ),
    ),
    RouteRule(
        kind=k.SPECIAL_PROCEDURE_REPLY,
        recipients=(p.SPECIAL_PROCEDURE,),
        senders="any",
        via=(),
        rules=("¶14-6", "¶14-8", "¶14-9"),
        summary=(
            "MFA replies through diplomatic channels before the deadline, signed by the first "
            "head, in the communication's language; reports to PA and the Ombudsman"
        ),
        steps=(
            StepRule(
                by=(SENDER,),
                to=(RECIPIENT,),
                rule="¶14-8",
                what="send the reply before the communication's deadline",
                due_field="reply_deadline",
            ),
            StepRule(
                by=(SENDER,),
                to=(p.OMBUDSMAN, p.PA),
                rule="¶14-9",
                what="report the outcome to PA (the Ombudsman for information)",
                within_wd=10,
                origin="send",
            ),
        ),
        checks=(
            _sender_is_mfa("¶14-6", "replies to a special procedure"),
            _signed_by_first_head("¶14-8"),
            Check("¶14-8", "in the language of the communication", _in_communication_language),
            Check("¶14-8", "sent before the communication's deadline", _before_reply_deadline),
        ),
    ),
)


def sender_class(sender: str) -> Literal["central", "chapter-6-exempt"]:
    """PA and GO are outside Chapter 6 (¶50); everyone else a kind admits is bound by it."""
    return "chapter-6-exempt" if sender in p.CHAPTER_6_EXEMPT else "central"


def _index() -> dict[tuple[str, str, str], RouteRule]:
    index: dict[tuple[str, str, str], RouteRule] = {}
    for rule in RULES:
        classes = ("central", "chapter-6-exempt") if rule.senders == "any" else (rule.senders,)
        for recipient in rule.recipients:
            for cls in classes:
                key = (rule.kind, recipient, cls)
                assert key not in index, f"two rules for {key}"
                index[key] = rule
    return index


INDEX: Final = _index()


def rule_for(envelope: Envelope) -> RouteRule:
    """The one rule governing this envelope's kind, recipient and sender."""
    cls = sender_class(envelope.sender)
    rule = INDEX.get((envelope.kind, envelope.recipient, cls)) or INDEX.get(
        (envelope.kind, ANY_RECIPIENT, cls)
    )
    if rule is None:  # parse_envelope admits no such envelope
        raise LookupError(f"no rule for {envelope.kind} to {envelope.recipient}")
    return rule


def paragraph_order(ref: str) -> tuple[int, int]:
    """Sort key for "¶14-5" < "¶36" < "¶44"."""
    number, _, sub = ref.lstrip("¶").partition("-")
    return int(number), int(sub or 0)
