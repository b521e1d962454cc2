"""The Rules of Decree No. 1037 as a table: one RouteRule per situation, each citing its ¶.

An MFA lawyer should be able to read this file top to bottom and check it
against RULES.md; the planner only looks rules up and fills in the envelope's
parties and dates, and docs/rules.md is rendered from the same table
(routing/reference.py).

Placeholders: SENDER and RECIPIENT stand for the envelope's parties. Nobody
owes a step to itself: a party is dropped from the ``to`` of its own step, and a
step left with nobody to address is dropped (MOJ applying itself has no MOJ
agreement to obtain).

Point in time: a rule applies from the day every ¶ it relies on stood in the
wording the planner models (routing/history.py) until its ``until`` (the day
before a later wording replaced it). A letter dated outside every version of its
situation gets no rule, and its plan says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from itertools import pairwise
from typing import Final, Literal

from routing import kinds as k
from routing import parties as p
from routing.envelope import Envelope
from routing.history import modelled_from

SENDER: Final = "SENDER"
RECIPIENT: Final = "RECIPIENT"
ANY_RECIPIENT: Final = "*"

Origin = Literal["receipt", "send"]
#: The domestic party's class (the sender's, or for incoming mail the recipient's):
#: "central" bodies of ¶1, "chapter-6-exempt" PA and GO (¶50), "other" (the Supreme
#: Court, the NCE, the Ombudsman: not central state bodies).
SenderClass = Literal["central", "chapter-6-exempt", "other"]
CENTRAL: Final[tuple[SenderClass, ...]] = ("central",)
EXEMPT: Final[tuple[SenderClass, ...]] = ("chapter-6-exempt",)
STATE: Final[tuple[SenderClass, ...]] = ("central", "chapter-6-exempt")
ANY: Final[tuple[SenderClass, ...]] = ("central", "chapter-6-exempt", "other")


@dataclass(frozen=True)
class StepRule:
    """A deadline the Rules attach to the letter; one step per party in ``by``.

    Exactly one of: ``within_wd`` counted from ``origin`` ("receipt": the day the
    step's party received the item; "send": the day the letter is sent);
    ``before_send_wd`` (no later than that many wd before the letter is sent;
    0: by the day of sending); ``due_field`` (a date the envelope states).
    ``route_only`` steps exist only while the letter travels the prescribed route
    (e.g. MOJ's ¶40 hand-over is moot on a direct send). A ``due_field`` step is
    left out when the envelope does not state that date.
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
    """One situation of the Rules, in one period, and what it prescribes.

    ``recipients`` are the foreign (or, for forwards, domestic) counterparts the
    rule covers: the envelope's recipient, or for incoming mail its sender.
    ``senders`` are the classes of the domestic party (SenderClass).
    """

    kind: str
    recipients: tuple[str, ...]
    senders: tuple[SenderClass, ...]
    via: tuple[str, ...]
    rules: tuple[str, ...]
    summary: str
    copies: tuple[str, ...] = ()
    steps: tuple[StepRule, ...] = ()
    checks: tuple[Check, ...] = ()
    direct: DirectPolicy | None = None
    #: The last day this version applied (a later wording replaced it); None: still in force.
    until: date | None = None
    #: What the plan says beside the route (e.g. a paragraph not modelled, or no deadline).
    note: str | None = None

    @cached_property
    def cited(self) -> frozenset[str]:
        """Every ¶ the rule relies on: its own, its steps', its checks' and its direct policy's."""
        refs = {*self.rules, *(s.rule for s in self.steps), *(c.rule for c in self.checks)}
        if self.direct is not None and self.direct.rule:
            refs.add(self.direct.rule)
        return frozenset(refs)

    @cached_property
    def since(self) -> date:
        """The first day on which every ¶ it relies on stood in its modelled wording."""
        return modelled_from(self.cited)

    def applies_on(self, day: date) -> bool:
        """True when this version governed a letter dated ``day``."""
        return self.since <= day and (self.until is None or day <= self.until)


URGENT_DAYS: Final = 5
"""¶44: a matter to be worked out "within the next five days" (calendar days after ``date``).

``urgent_needed_by`` at most this many days after ``date`` carries a direct send.
"""

# ¶44: «заңнамалық актілерде, … Президенті мен Үкіметінің актілерінде немесе күшіне енген …
# халықаралық шарттарында» — legislative acts, acts of the President and of the Government,
# international treaties *in force*. A ratified treaty need not be in force yet; instructions
# are not acts.
ACTS_44: Final = frozenset({"law", "president-act", "government-act", "treaty-in-force"})
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
INCOMING_44: Final = DirectPolicy(
    rule="¶44",
    legal_bases=ACTS_44,
    urgent=False,
    unconditional=False,
    forbidden=(
        "official correspondence between central state bodies and foreign bodies is exchanged "
        "through MFA unless a law, an act of the President or the Government or a treaty in "
        "force provides otherwise (the five-day exception covers only letters the body sends)"
    ),
)
NOT_BOUND_50: Final = DirectPolicy(
    rule="¶50", legal_bases=frozenset(), urgent=False, unconditional=True, forbidden=""
)
# ¶39: «дипломатиялық арналар бойынша жүзеге асырылады» with no exception; ¶37's exception
# speaks only of «сұрау салуына шоғырландырылған жауапты немесе өзге ақпаратты» (a reply or
# information answering a request).
DIPLOMATIC_39: Final = DirectPolicy(
    rule="¶39",
    legal_bases=frozenset(),
    urgent=False,
    unconditional=False,
    forbidden=(
        "applications to international judicial bodies are made through diplomatic channels, "
        "with no exception: the treaty and instruction exception of ¶37 covers only replies "
        "and information answering a court's request"
    ),
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
NOT_MODELLED_40: Final = (
    "¶40 (MOJ's 5 wd for the EAEU Court, agreement and notice of applications) is modelled "
    "in its wording in force from 13.04.2023 only; the earlier wording is not in the text"
)
NO_DEADLINE_INCOMING: Final = (
    "the Rules give no deadline for passing incoming official correspondence on or for answering it"
)


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


def _primary_language(tag: str | None) -> str:
    """The language subtag of a BCP 47 tag: "en" for "en-GB"."""
    return (tag or "").split("-")[0]


def _in_communication_language(envelope: Envelope) -> str | None:
    # ¶14-8 «хабарламалардың … тілінде»: the language, not a regional variant of it.
    if _primary_language(envelope.language) == _primary_language(envelope.communication_language):
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
AGREE_WITH_MTI: Final = StepRule(
    by=(SENDER,),
    to=(p.MTI,),
    rule="¶14-2",
    what="agree the letter with MTI",
    before_send_wd=0,
)
INITIATOR_AGREES_40: Final = StepRule(
    by=(SENDER,),
    to=COURT_PARTIES,
    rule="¶40",
    what=(
        "obtain MFA's, MTI's and MOJ's agreement to the draft application («20 (жиырма) "
        "жұмыс күні ішінде … келіседі»; the Rules give no start: counted from the draft's date)"
    ),
    within_wd=20,
    origin="receipt",
)
INFORM_PA_GO_40: Final = StepRule(
    by=(SENDER,),
    to=(p.GO, p.PA),
    rule="¶40",
    what="inform PA and GO of the agreed application",
    before_send_wd=10,
)

RULES: Final[tuple[RouteRule, ...]] = (
    # --- Chapter 6: official correspondence (¶42–44, ¶50) ---
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=FOREIGN_VIA_MFA,
        senders=CENTRAL,
        via=(p.MFA,),
        rules=("¶44",),
        summary="through MFA; direct only with a recorded legal basis or the five-day exception",
        direct=VIA_MFA_44,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.TREATY_BODY, p.SPECIAL_PROCEDURE),
        senders=CENTRAL,
        via=(p.MFA,),
        rules=("¶44",),
        summary="before Chapter 2-1: an organ of an international organisation, through MFA",
        direct=VIA_MFA_44,
        until=date(2022, 1, 24),
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.TREATY_BODY,),
        senders=CENTRAL,
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
        senders=ANY,
        via=(p.MFA,),
        rules=("¶14-10",),
        summary=(
            "only MFA writes to a special procedure (an invitation to visit, through diplomatic "
            "channels), on the proposal recorded as invitation_source"
        ),
        checks=(_sender_is_mfa("¶14-10", "invites a special procedure to visit"),),
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.WTO,),
        senders=STATE,
        via=(),
        rules=("¶42", "¶44"),
        summary="official correspondence with the WTO is direct; MFA does not coordinate it",
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.EEC,),
        senders=CENTRAL,
        via=(p.MFA,),
        rules=("¶44",),
        summary="an international organisation: through MFA (¶14-2 modelled from 05.10.2020)",
        direct=VIA_MFA_44,
        until=date(2020, 10, 4),
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.EEC,),
        senders=CENTRAL,
        via=(p.MFA,),
        rules=("¶14-2", "¶14-3", "¶42", "¶44"),
        summary=(
            "through diplomatic channels after agreement with MTI, which coordinates "
            "interaction with the EEC instead of MFA"
        ),
        steps=(AGREE_WITH_MTI,),
        direct=VIA_MFA_44,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(*FOREIGN_VIA_MFA, p.TREATY_BODY),
        senders=EXEMPT,
        via=(p.MFA,),
        rules=("¶50",),
        summary="Chapter 6 does not bind PA and GO: through MFA by default, direct if asked",
        direct=NOT_BOUND_50,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.EEC,),
        senders=EXEMPT,
        via=(p.MFA,),
        rules=("¶14-2", "¶50"),
        summary="Chapter 6 does not bind PA and GO; information for the EEC is agreed with MTI",
        steps=(AGREE_WITH_MTI,),
        direct=NOT_BOUND_50,
    ),
    RouteRule(
        kind=k.FOREIGN_LETTER,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders=ANY,
        via=(p.MFA,),
        rules=("¶37",),
        summary="other information for a judicial body goes through MFA; direct only per ¶37",
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.INCOMING_CORRESPONDENCE,
        recipients=(*FOREIGN_VIA_MFA, p.EEC, p.TREATY_BODY),
        senders=CENTRAL,
        via=(p.MFA,),
        rules=("¶44",),
        summary=(
            "official correspondence is exchanged through MFA: MFA receives the note or letter "
            "and passes it to the body; direct only where an act or a treaty in force says so"
        ),
        direct=INCOMING_44,
        note=NO_DEADLINE_INCOMING,
    ),
    RouteRule(
        kind=k.INCOMING_CORRESPONDENCE,
        recipients=(p.WTO,),
        senders=CENTRAL,
        via=(),
        rules=("¶44",),
        summary="official correspondence with the WTO is exchanged directly",
        note=NO_DEADLINE_INCOMING,
    ),
    RouteRule(
        kind=k.INCOMING_CORRESPONDENCE,
        recipients=(*FOREIGN_VIA_MFA, p.EEC, p.TREATY_BODY, p.WTO),
        senders=EXEMPT,
        via=(p.MFA,),
        rules=("¶50",),
        summary="Chapter 6 does not bind PA and GO: through MFA by default, direct if so received",
        direct=NOT_BOUND_50,
        note=NO_DEADLINE_INCOMING,
    ),
    # --- Chapter 5: international judicial bodies (¶36–41) ---
    RouteRule(
        kind=k.COURT_REQUEST_FORWARD,
        recipients=(ANY_RECIPIENT,),
        senders=ANY,
        via=(),
        rules=("¶36",),
        summary=(
            "the receiving body sends the request to MFA, MOJ, MTI and the other interested "
            "bodies «қарау үшін» (for consideration: each owes an answer, none is a mere copy)"
        ),
        steps=(
            StepRule(
                by=(SENDER,),
                to=(*COURT_PARTIES, RECIPIENT),
                rule="¶36",
                what="send the request for consideration",
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
        senders=ANY,
        via=(p.MFA,),
        rules=("¶37",),
        summary="the consolidated reply goes to MFA, which sends it through diplomatic channels",
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_REPLY,
        recipients=(p.EAEU_COURT,),
        senders=ANY,
        via=(p.MOJ, p.MFA),
        rules=("¶37",),
        summary="a reply to the EAEU Court goes to MOJ, whoever prepared it, MFA included",
        direct=COURT_37,
        until=date(2023, 4, 12),
        note=NOT_MODELLED_40,
    ),
    RouteRule(
        kind=k.COURT_REPLY,
        recipients=(p.EAEU_COURT,),
        senders=ANY,
        via=(p.MOJ, p.MFA),
        rules=("¶37", "¶40"),
        summary=(
            "a reply to the EAEU Court goes to MOJ whoever prepared it, MFA included "
            "(«Әділет министрлігіне жіберіледі»); MOJ hands it to MFA within 5 wd"
        ),
        steps=(MOJ_HANDS_TO_MFA,),
        direct=COURT_37,
    ),
    RouteRule(
        kind=k.COURT_PRACTICE_REPLY,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders=ANY,
        via=(p.MFA,),
        rules=("¶37", "¶38"),
        summary=(
            "the Supreme Court's reply goes through MFA, with no MOJ leg (¶40 does not cover "
            "it); copies of the request and of the reply to MFA, MOJ, MTI for information"
        ),
        copies=COURT_PARTIES,
        direct=COURT_37,
        note=(
            "¶38: copies of the request and of this reply go to MFA, MOJ, MTI and the other "
            "interested bodies «хабардар ету мақсатында» (for information); the Rules give "
            "no deadline for them"
        ),
    ),
    RouteRule(
        kind=k.COURT_APPLICATION,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders=ANY,
        via=(p.MFA,),
        rules=("¶39",),
        summary="through diplomatic channels, with no exception",
        direct=DIPLOMATIC_39,
        until=date(2023, 4, 12),
        note=NOT_MODELLED_40,
    ),
    RouteRule(
        kind=k.COURT_APPLICATION,
        recipients=(p.INTL_COURT,),
        senders=ANY,
        via=(p.MFA,),
        rules=("¶39", "¶40"),
        summary=(
            "through diplomatic channels, no exception; the initiator obtains MFA's, MTI's "
            "and MOJ's agreement within 20 wd and tells PA and GO first"
        ),
        steps=(INITIATOR_AGREES_40, INFORM_PA_GO_40),
        direct=DIPLOMATIC_39,
    ),
    RouteRule(
        kind=k.COURT_APPLICATION,
        recipients=(p.EAEU_COURT,),
        senders=ANY,
        via=(p.MOJ, p.MFA),
        rules=("¶39", "¶40"),
        summary=(
            "to the EAEU Court via MOJ (5 wd), whoever applies, MFA included, then MFA; "
            "agreed and announced as above"
        ),
        steps=(INITIATOR_AGREES_40, INFORM_PA_GO_40, MOJ_HANDS_TO_MFA),
        direct=DIPLOMATIC_39,
    ),
    RouteRule(
        kind=k.NCE_COURT_APPLICATION,
        recipients=(p.INTL_COURT, p.EAEU_COURT),
        senders=ANY,
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
        senders=ANY,
        via=(),
        rules=("¶14-5",),
        summary=(
            "MFA sends the communication to the competent body, and to the Ombudsman; the "
            "reply's deadline stated in it (reply_deadline) is seeded as MFA's ¶14-8 step"
        ),
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
            StepRule(
                by=(p.MFA,),
                to=(p.SPECIAL_PROCEDURE,),
                rule="¶14-8",
                what="reply before the deadline stated in the communication",
                due_field="reply_deadline",
            ),
        ),
        checks=(_sender_is_mfa("¶14-5", "passes a special procedure's communication on"),),
    ),
    RouteRule(
        kind=k.SPECIAL_PROCEDURE_INFO,
        recipients=(ANY_RECIPIENT,),
        senders=ANY,
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
        senders=ANY,
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


def domestic_party(envelope: Envelope) -> str:
    """The Kazakh body whose class decides the rule: incoming mail's recipient, else the sender."""
    return envelope.recipient if k.KINDS[envelope.kind].incoming else envelope.sender


def counterpart(envelope: Envelope) -> str:
    """The party a rule's ``recipients`` name: the sender of incoming mail, else the recipient."""
    return envelope.sender if k.KINDS[envelope.kind].incoming else envelope.recipient


@cache
def sender_class(code: str) -> SenderClass:
    """Central state bodies of ¶1, PA and GO outside Chapter 6 (¶50), or any other body."""
    if code in p.CHAPTER_6_EXEMPT:
        return "chapter-6-exempt"
    return "central" if p.is_central_state_body(code) else "other"


Key = tuple[str, str, SenderClass]


def _index() -> dict[Key, tuple[RouteRule, ...]]:
    index: dict[Key, list[RouteRule]] = {}
    for rule in RULES:
        for recipient in rule.recipients:
            for cls in rule.senders:
                index.setdefault((rule.kind, recipient, cls), []).append(rule)
    out = {}
    for key, versions in index.items():
        versions.sort(key=lambda r: r.since)
        for earlier, later in pairwise(versions):
            assert earlier.until is not None, f"a replaced version never ends: {key}"
            assert earlier.until < later.since, f"versions overlap: {key}"
        out[key] = tuple(versions)
    return out


INDEX: Final = _index()


def versions_for(envelope: Envelope) -> tuple[RouteRule, ...]:
    """Every version of the rule for this envelope's situation, oldest first (maybe none)."""
    cls = sender_class(domestic_party(envelope))
    return INDEX.get((envelope.kind, counterpart(envelope), cls)) or INDEX.get(
        (envelope.kind, ANY_RECIPIENT, cls), ()
    )


def rule_for(envelope: Envelope) -> RouteRule | None:
    """The rule governing this envelope on its date, or None where no modelled rule applied."""
    for rule in versions_for(envelope):
        if rule.applies_on(envelope.date):
            return rule
    return None


@cache
def paragraph_order(ref: str) -> tuple[int, int]:
    """Sort key for "¶14-5" < "¶36" < "¶44"."""
    number, _, sub = ref.lstrip("¶").partition("-")
    return int(number), int(sub or 0)
