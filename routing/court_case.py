"""A court case file (Chapter 5): one request of an international judicial body and its chain.

    request received by a state body
      → ¶36 forwards «қарау үшін» to MFA, MOJ, MTI and the other interested bodies (3 wd)
      → each addressee's answer (10 wd from its own receipt of the forward)
      → the consolidated ¶37 reply: to MFA, or for the EAEU Court to MOJ (whoever prepared it)
      → EAEU Court: MOJ hands the originals to MFA within 5 wd (¶40 part 3)
      → MFA's dispatch through diplomatic channels, by the court's own deadline if it set one

A Supreme Court request about judicial practice (¶38) has no forwards, answers or
MOJ leg: the Supreme Court sends copies of the request and of its reply to MFA,
MOJ, MTI and the other interested bodies «хабардар ету мақсатында» (for
information), with no deadline.

``case_duties(case, events)`` gives every duty with its date where the events make
it known; routing.duties says what is late on a day. Each ¶ applies only if in
force on the day the request was received (routing/history.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from routing import parties as p
from routing.calendar import add_workdays
from routing.duties import N_, Duty
from routing.history import in_force

COURT_DEADLINE = "court's deadline"


class CaseError(ValueError):
    """A case or its events that cannot be (names what is wrong)."""


@dataclass(frozen=True, slots=True)
class CourtCase:
    """The request that opens the case."""

    court: str  # INTL_COURT or EAEU_COURT
    receiver: str  # the state body that received the request (¶36)
    received: date
    #: "Other interested bodies" (¶36, ¶38) besides MFA, MOJ and MTI.
    interested: tuple[str, ...] = ()
    #: The court's own deadline for the reply, carried to the dispatch (not a Rules deadline).
    court_deadline: date | None = None
    #: A Supreme Court request about judicial practice (¶38).
    judicial_practice: bool = False

    def __post_init__(self) -> None:
        if self.court not in p.COURTS:
            raise CaseError(f"court: {self.court!r} is not INTL_COURT or EAEU_COURT")
        if not p.is_state_body(self.receiver):
            raise CaseError(f"receiver: {self.receiver!r} is not a state body")
        if self.judicial_practice and self.receiver != p.SUPREME_COURT:
            raise CaseError(
                "judicial_practice: only the Supreme Court receives such requests (¶38)"
            )
        for body in self.interested:
            if not p.is_state_body(body):
                raise CaseError(f"interested: {body!r} is not a state body")

    @property
    def addressees(self) -> tuple[str, ...]:
        """Who receives the request for consideration (¶36) or a copy (¶38), sorted."""
        bodies = {p.MFA, p.MOJ, p.MTI, *self.interested} - {self.receiver}
        return tuple(sorted(bodies))


@dataclass(frozen=True, slots=True)
class CaseEvents:
    """What has happened, each a date (absent: not yet)."""

    #: Addressee -> the day it received the ¶36 forward.
    forwarded: Mapping[str, date] = field(default_factory=dict)
    #: Addressee -> the day its answer reached the receiver.
    answered: Mapping[str, date] = field(default_factory=dict)
    #: The consolidated reply leaves the receiver (to MFA, or to MOJ for the EAEU Court).
    reply_submitted: date | None = None
    #: EAEU Court: MOJ received the originals (defaults to ``reply_submitted``).
    moj_received: date | None = None
    #: EAEU Court: MOJ submitted them to MFA.
    moj_submitted: date | None = None
    #: MFA sent the reply to the court.
    dispatched: date | None = None
    #: ¶38: the copies of the request and of the reply went out.
    request_copied: date | None = None
    reply_copied: date | None = None


def _check(case: CourtCase, events: CaseEvents) -> None:
    for name in ("forwarded", "answered"):
        unknown = sorted(set(getattr(events, name)) - set(case.addressees))
        if unknown:
            raise CaseError(f"{name}: {unknown[0]} is not an addressee of this request")
    dated = [events.reply_submitted, events.moj_received, events.moj_submitted, events.dispatched]
    dated += [*events.forwarded.values(), *events.answered.values()]
    if any(day is not None and day < case.received for day in dated):
        raise CaseError("events: an event precedes the request's receipt")


def _forward_duties(case: CourtCase, events: CaseEvents) -> list[Duty]:
    duties = []
    for body in case.addressees:
        duties.append(
            Duty(
                key=f"forward:{body}",
                by=case.receiver,
                to=(body,),
                rule="¶36",
                what=N_("send the request for consideration"),
                due=add_workdays(case.received, 3),
                done=events.forwarded.get(body),
            )
        )
        got = events.forwarded.get(body)
        duties.append(
            Duty(
                key=f"answer:{body}",
                by=body,
                to=(case.receiver,),
                rule="¶36",
                what=N_("return information, proposals and documents"),
                due=None if got is None else add_workdays(got, 10),
                done=events.answered.get(body),
            )
        )
    return duties


def _practice_duties(case: CourtCase, events: CaseEvents) -> list[Duty]:
    return [
        Duty(
            key=f"copy:{copied}",
            by=case.receiver,
            to=case.addressees,
            rule="¶38",
            what=what,
            done=done,
        )
        for copied, what, done in (
            (
                "request",
                N_("send a copy of the request for information (no deadline)"),
                events.request_copied,
            ),
            (
                "reply",
                N_("send a copy of the reply for information (no deadline)"),
                events.reply_copied,
            ),
        )
    ]


def _reply_duties(case: CourtCase, events: CaseEvents) -> list[Duty]:
    day = case.received
    eaeu = case.court == p.EAEU_COURT and not case.judicial_practice
    duties = []
    if in_force("¶37", day):
        hub = p.MOJ if eaeu else p.MFA
        if case.receiver != hub:
            duties.append(
                Duty(
                    key="reply",
                    by=case.receiver,
                    to=(hub,),
                    rule="¶37",
                    what=N_("submit the consolidated reply (the Rules give no deadline)"),
                    done=events.reply_submitted,
                )
            )
    if eaeu and in_force("¶40", day):
        received = events.moj_received or (
            events.reply_submitted if case.receiver != p.MOJ else None
        )
        duties.append(
            Duty(
                key="moj-hand-over",
                by=p.MOJ,
                to=(p.MFA,),
                rule="¶40",
                what=N_("submit the originals to MFA for the EAEU Court"),
                due=None if received is None else add_workdays(received, 5),
                done=events.moj_submitted,
            )
        )
    if in_force("¶37", day):
        duties.append(
            Duty(
                key="dispatch",
                by=p.MFA,
                to=(case.court,),
                rule=COURT_DEADLINE if case.court_deadline else "¶37",
                what=(
                    N_("send the reply through diplomatic channels by the court's deadline")
                    if case.court_deadline
                    else N_("send the reply through diplomatic channels")
                ),
                due=case.court_deadline,
                done=events.dispatched,
            )
        )
    return duties


def case_duties(case: CourtCase, events: CaseEvents | None = None) -> tuple[Duty, ...]:
    """Every duty of the case, dated where the events make the date known.

    Raises CaseError for events that name someone outside the case or precede it.
    """
    events = events or CaseEvents()
    _check(case, events)
    duties: list[Duty] = []
    if case.judicial_practice:
        if in_force("¶38", case.received):
            duties += _practice_duties(case, events)
    elif in_force("¶36", case.received):
        duties += _forward_duties(case, events)
    duties += _reply_duties(case, events)
    return tuple(duties)
