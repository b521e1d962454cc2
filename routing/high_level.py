"""High-level events and their chain of deadlines (Chapter 3, ¶15–29-1).

E is the event's first day ("before" counts from it), L its last ("after"
counts from it); a one-day event has E = L.

    ¶22   MFA → interested bodies: the request, «кемінде екі ай бұрын»      E − 2 months
    ¶23   each body → MFA: its answer, «сұрау салу келіп түскен кезден
          бастап күнтізбелік жиырма күн ішінде» (or a period PA sets)       receipt + 20 cd
          rework of input MFA returned, «үш жұмыс күні ішінде»              return + 3 wd
          theses initialled «әр параққа» (on every page)                    per thesis document
    ¶25   Government meeting 1, «бір жұмыс күні бұрын» the concept goes     concept − 1 wd
    ¶24   MFA → PA: the concept, «кемінде күнтізбелік отыз күн бұрын»       E − 30 cd
    ¶25   Government meeting 2, «екі жұмыс күні бұрын» the package goes     package − 2 wd
    ¶26   MFA → PA: the package, «кемінде он бес жұмыс күні бұрын»          E − 15 wd
          optionally a refined package, «кемінде жеті жұмыс күні бұрын»     E − 7 wd
    ¶29   the registering person → MFA (MFA absent), «екі жұмыс күні ішінде» L + 2 wd
    ¶28   MFA → PA: the Head of State's conversation records, 3 wd          L + 3 wd
    ¶29-1 MFA → PA: media review, experts, draft thank-you letter, 5 wd     L + 5 wd
    (¶31–32, Chapter 4: proposals L + 2 wd, draft instructions L + 7 wd — the
    agreements reached are a Chapter 4 rule file, routing/agreements.py.)

"At least N before": the latest lawful day is E − N (RULES.md). Working days
before a date are counted backwards on the Kazakhstan calendar
(``add_workdays(E, -N)``); a month or calendar-day date on a day off moves by
``shift`` (previous working day by default).

Readings (docs/rules.md, ``PARAGRAPH_27_READING``):
- ¶25: the meetings are anchored to the actual submission of the concept and
  the package (until it happens, to its deadline) and held *no later than*
  1 / 2 wd before it ("at least", not "exactly").
- ¶27: the text says «кемінде» (at least) 10 wd before the ¶24 deadline, which
  makes the exception senseless; read as intended — the event's date was fixed
  *less than* 10 wd before the ¶24 deadline. ¶24–26 then run on the periods PA
  sets on MFA's proposal: entered by hand (``pa_periods``), undated until then.
  ¶27 does not reach ¶22–23.
- ¶23's 3 wd rework has no start in the text: counted from the body's receipt
  of the returned input. A period PA sets for the answers overrides the 20 cd.
- ¶29: the sender is not named: read as the person who registered the agreements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from routing import parties as p
from routing.calendar import (
    DEFAULT_SHIFT,
    DayOffShift,
    add_calendar_days,
    add_months,
    add_workdays,
    on_workday,
)
from routing.duties import N_, Duty

REQUEST_MONTHS: Final = 2  # ¶22
ANSWER_CD: Final = 20  # ¶23
REWORK_WD: Final = 3  # ¶23
CONCEPT_CD: Final = 30  # ¶24
MEETING_1_WD: Final = 1  # ¶25
MEETING_2_WD: Final = 2  # ¶25
PACKAGE_WD: Final = 15  # ¶26
REFINED_WD: Final = 7  # ¶26
SPECIAL_PERIODS_WD: Final = 10  # ¶27
AGREEMENTS_WD: Final = 2  # ¶29
RECORDS_WD: Final = 3  # ¶28
AFTERMATH_WD: Final = 5  # ¶29-1

#: The ¶27 reading, shown in docs/rules.md and on the event's page.
PARAGRAPH_27_READING: Final = (
    "¶27 reads «кемінде он жұмыс күні бұрын» (at least 10 wd before the ¶24 deadline), which "
    "would make the exception cover every event with ample notice. Implemented as intended: "
    "the event's date was fixed LESS than 10 wd before the ¶24 deadline (after "
    "(E − 30 cd) − 10 wd); ¶24–26 then run on the periods PA sets on MFA's proposal, entered "
    "by hand. ¶22–23 are not affected."
)

#: Keys of the ¶24–26 steps whose dates PA sets under ¶27.
PA_SET_KEYS: Final = ("concept", "package", "refined")


class EventError(ValueError):
    """An event or its steps that cannot be (names what is wrong)."""


class Level(StrEnum):
    """¶15: the level of an event; only HIGH is governed by Chapter 3 (¶19)."""

    HIGH = "high"  # the President
    INTERGOVERNMENTAL = "intergovernmental"  # PM, DPMs, ministers (Government regulations)
    INTERDEPARTMENTAL = "interdepartmental"  # heads or officials of CSBs (Government regulations)


@dataclass(frozen=True, slots=True)
class Event:
    """A high-level event as recorded: its dates, when its date was fixed, and its parties."""

    level: Level
    first_day: date
    last_day: date
    #: The day the date was agreed with the foreign side (¶20); decides ¶27.
    fixed_on: date
    #: Interested state bodies and organisations MFA asks for materials (¶22), MFA excluded.
    interested: tuple[str, ...]
    #: MFA is absent from the event: the agreements reach it under ¶29.
    mfa_absent: bool = False
    #: MFA intends the optional refined package (¶26 part 2).
    refined_package: bool = False

    def __post_init__(self) -> None:
        if self.level is not Level.HIGH:
            raise EventError(
                f"level: {self.level} events follow the Government's regulations, not Chapter 3 "
                "(¶19)"
            )
        if self.last_day < self.first_day:
            raise EventError("last_day: precedes the first day")
        if self.fixed_on > self.first_day:
            raise EventError("fixed_on: the date was fixed after the event began")
        if not self.interested:
            raise EventError("interested: at least one interested body or organisation")
        for body in self.interested:
            if body == p.MFA or not p.is_body_or_organisation(body):
                raise EventError(
                    f"interested: {body!r} is not a state body or ORG:<ID> other than MFA"
                )


@dataclass(frozen=True, slots=True)
class EventSteps:
    """What has happened, each a date (absent: not yet)."""

    request_sent: date | None = None
    #: Body -> the day MFA's request reached it (¶23's 20 cd run from it).
    request_received: Mapping[str, date] = field(default_factory=dict)
    answered: Mapping[str, date] = field(default_factory=dict)
    #: Body -> the day it received its input back from MFA as poor-quality (¶23).
    returned: Mapping[str, date] = field(default_factory=dict)
    reworked: Mapping[str, date] = field(default_factory=dict)
    #: A period PA set for the answers (¶23 «Президент Әкімшілігі белгілеген өзге де мерзімдерде»).
    answers_due_by_pa: date | None = None
    meeting_1: date | None = None
    concept: date | None = None
    meeting_2: date | None = None
    package: date | None = None
    refined: date | None = None
    #: ¶27: the dates PA set for "concept", "package", "refined".
    pa_periods: Mapping[str, date] = field(default_factory=dict)
    agreements_to_mfa: date | None = None
    records: date | None = None
    aftermath: date | None = None


def special_periods(event: Event, shift: DayOffShift = DEFAULT_SHIFT) -> bool:
    """¶27 (reading b): the date was fixed after (E − 30 cd) − 10 wd; PA then sets ¶24–26."""
    return event.fixed_on > add_workdays(concept_deadline(event, shift), -SPECIAL_PERIODS_WD)


def concept_deadline(event: Event, shift: DayOffShift = DEFAULT_SHIFT) -> date:
    """¶24's own deadline, E − 30 cd (before any ¶27 periods)."""
    return on_workday(add_calendar_days(event.first_day, -CONCEPT_CD), shift)


@dataclass(frozen=True, slots=True)
class ThesisDocument:
    """A draft of the Head of State's theses from one body (¶23): pages, and pages initialled."""

    body: str
    pages: int
    initialled_pages: frozenset[int]

    def missing(self) -> tuple[int, ...]:
        """Pages without the initials of the head or the supervising deputy."""
        return tuple(n for n in range(1, self.pages + 1) if n not in self.initialled_pages)

    def initialled_on_every_page(self) -> bool:
        """¶23: «әр параққа … қол қойылады» — every page initialled."""
        return self.pages > 0 and not self.missing()


def _check(event: Event, steps: EventSteps) -> None:
    for name in ("request_received", "answered", "returned", "reworked"):
        unknown = sorted(set(getattr(steps, name)) - set(event.interested))
        if unknown:
            raise EventError(f"{name}: {unknown[0]} is not an interested party")
    for body in steps.answered:
        if body not in steps.request_received:
            raise EventError(f"answered: {body} never received the request")
    for body in steps.returned:
        if body not in steps.answered:
            raise EventError(f"returned: {body} has given no input to return")
    for body in steps.reworked:
        if body not in steps.returned:
            raise EventError(f"reworked: {body}'s input was not returned")
    unknown_periods = sorted(set(steps.pa_periods) - set(PA_SET_KEYS))
    if unknown_periods:
        raise EventError(f"pa_periods: ¶27 sets no period for {unknown_periods[0]!r}")
    if steps.pa_periods and not special_periods(event):
        raise EventError("pa_periods: ¶27 applies only to a date fixed late (see its reading)")
    if steps.agreements_to_mfa is not None and not event.mfa_absent:
        raise EventError("agreements_to_mfa: ¶29 applies only where MFA was absent")
    if steps.refined is not None and not event.refined_package:
        raise EventError("refined: MFA did not plan a refined package (¶26 part 2)")
    after = (steps.agreements_to_mfa, steps.records, steps.aftermath)
    if any(day is not None and day < event.last_day for day in after):
        raise EventError("events: a step after the event precedes its last day")


def event_duties(
    event: Event, steps: EventSteps | None = None, shift: DayOffShift = DEFAULT_SHIFT
) -> tuple[Duty, ...]:
    """Every duty of the event's chain, dated where the steps make the date known."""
    steps = steps or EventSteps()
    _check(event, steps)
    first, last = event.first_day, event.last_day
    special = special_periods(event, shift)

    def before(key: str, own: date) -> date | None:
        # ¶27: PA's period replaces the Rules' own; undated until PA sets it.
        return steps.pa_periods.get(key) if special else own

    concept_due = before("concept", concept_deadline(event, shift))
    package_due = before("package", add_workdays(first, -PACKAGE_WD))
    concept_anchor = steps.concept or concept_due
    package_anchor = steps.package or package_due
    duties = [
        Duty(
            key="request",
            by=p.MFA,
            to=event.interested,
            rule="¶22",
            what=N_("request documents, materials and proposals for the event"),
            due=on_workday(add_months(first, -REQUEST_MONTHS), shift),
            done=steps.request_sent,
        )
    ]
    for body in event.interested:
        received = steps.request_received.get(body)
        own = (
            None if received is None else on_workday(add_calendar_days(received, ANSWER_CD), shift)
        )
        duties.append(
            Duty(
                key=f"answer:{body}",
                by=body,
                to=(p.MFA,),
                rule="¶23",
                what=N_("materials and proposals; theses initialled on every page"),
                due=steps.answers_due_by_pa or own,
                done=steps.answered.get(body),
            )
        )
    duties += [
        Duty(
            key=f"rework:{body}",
            by=body,
            to=(p.MFA,),
            rule="¶23",
            what=N_("rework the input MFA returned as poor-quality"),
            due=add_workdays(returned, REWORK_WD),
            done=steps.reworked.get(body),
        )
        for body, returned in steps.returned.items()
    ]
    duties += [
        Duty(
            key="meeting-1",
            by=p.GO,
            to=(p.MFA, p.PA),
            rule="¶25",
            what=N_("Government meeting on the concept and theses"),
            due=None if concept_anchor is None else add_workdays(concept_anchor, -MEETING_1_WD),
            done=steps.meeting_1,
        ),
        Duty(
            key="concept",
            by=p.MFA,
            to=(p.PA,),
            rule="¶27" if special else "¶24",
            what=N_("the concept, signed by the Minister, to the President"),
            due=concept_due,
            done=steps.concept,
        ),
        Duty(
            key="meeting-2",
            by=p.GO,
            to=(p.MFA, p.PA),
            rule="¶25",
            what=N_("Government meeting on the package; approves the delegation list"),
            due=None if package_anchor is None else add_workdays(package_anchor, -MEETING_2_WD),
            done=steps.meeting_2,
        ),
        Duty(
            key="package",
            by=p.MFA,
            to=(p.PA,),
            rule="¶27" if special else "¶26",
            what=N_("the package of materials (¶21)"),
            due=package_due,
            done=steps.package,
        ),
    ]
    if event.refined_package:
        duties.append(
            Duty(
                key="refined",
                by=p.MFA,
                to=(p.PA,),
                rule="¶27" if special else "¶26",
                what=N_("the refined package"),
                due=before("refined", add_workdays(first, -REFINED_WD)),
                done=steps.refined,
            )
        )
    if event.mfa_absent:
        duties.append(
            Duty(
                key="agreements-to-mfa",
                by=p.PA_AIDE_INTL,
                to=(p.MFA,),
                rule="¶29",
                what=N_("the agreements reached, registered in MFA's absence"),
                due=add_workdays(last, AGREEMENTS_WD),
                done=steps.agreements_to_mfa,
            )
        )
    duties += [
        Duty(
            key="records",
            by=p.MFA,
            to=(p.PA,),
            rule="¶28",
            what=N_("the Head of State's conversation records"),
            due=add_workdays(last, RECORDS_WD),
            done=steps.records,
        ),
        Duty(
            key="aftermath",
            by=p.MFA,
            to=(p.PA,),
            rule="¶29-1",
            what=N_(
                "foreign media review, expert opinions, draft thank-you letter agreed with a DPM"
            ),
            due=add_workdays(last, AFTERMATH_WD),
            done=steps.aftermath,
        ),
    ]
    return tuple(duties)
