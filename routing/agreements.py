"""Agreements reached and the President's instructions on them (Chapter 4, ¶30–35).

    a high-level event ends (or a visit abroad)                        — ``event_ended``
      → ¶31: each interested body or organisation gives MFA concrete proposals
        for the draft instructions within 2 wd
      → ¶32: MFA sends the draft for agreement; each recipient answers within 2 wd
        of receipt, and without a written answer the draft «ескертулерсіз
        келісілді деп саналады» (is deemed agreed without comments)
      → ¶32: MFA submits the draft to PA within 7 wd of the event's end,
        «ұзартуға жол берілмейді» (no extension)
      → ¶32-1: PA's unit agrees it electronically within 3 wd (start not given:
        read as PA's receipt), then PA_HEAD visas it and the President signs; the
        paper draft carries the paper copy of the electronic approval sheet
        stamped «Электрондық құжаттың көшірмесі дұрыс»
      → ¶33: progress reports to MFA by the dates of GO's control assignment (inputs)
      → ¶34: MFA's consolidated report to GO by the date GO's control assignment
        sets for it (an input MFA records, as ¶33's)
      → ¶35: GO's summary to PA, no later than 15 June and 15 December

¶33 part 2 (MFA's quarterly report on investment agreements, by the 5th of the
month after the quarter) and ¶35 are calendar deadlines, not tied to one agreement:
``investment_report_due`` and ``go_summary_due`` give them, ``period_due`` the due
date of one period of either, ``periods_due`` the periods from a day to the next one
due; the registry stores which were sent.

Each duty follows the Rules in force on the day the event ended (routing.history):
¶31-32 took their modelled wording on 03.07.2019, ¶32-1 on 06.01.2025, ¶33-35
on 13.04.2023; a duty under an earlier wording keeps no date and says why, and
no silence counts as consent before ¶32's wording that says so.

Consent by silence is modelled explicitly: ``silent_consents`` names the recipients
whose 2 wd ran out without a written answer, and the service records each one as
an event of its own («deemed agreed», with the day the window closed), so the
chain shows who agreed in writing and who by silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from routing import parties as p
from routing.calendar import DEFAULT_SHIFT, DayOffShift, add_workdays, on_workday
from routing.duties import N_, Duty
from routing.history import as_of, explain, in_force

#: The stamp on the paper copy of PA's electronic approval sheet (¶32-1).
APPROVAL_SHEET_STAMP: Final = "Электрондық құжаттың көшірмесі дұрыс"
PROPOSALS_WD: Final = 2  # ¶31
CONSENT_WD: Final = 2  # ¶32 part 2
SUBMISSION_WD: Final = 7  # ¶32 part 3
APPROVAL_SHEET_WD: Final = 3  # ¶32-1


class AgreementError(ValueError):
    """An agreement or its events that cannot be (names what is wrong)."""


class Source(StrEnum):
    """Where an agreement reached is found (¶30); recorded in the register."""

    REGISTERED = "registered"  # registered under ¶28-29 after a high-level event
    JOINT_STATEMENT = "joint-statement"  # ¶30(1) joint statements, declarations, communiqués
    JOINT_DOCUMENT = "joint-document"  # ¶30(2) joint documents on the President's instruction
    RESULTS_DOCUMENT = "results-document"  # ¶30(3) protocols, memoranda, notes, letters on results
    PRESIDENT_MESSAGE = "president-message"  # ¶30(4) the President's messages and letters


class InvestmentDeadline(StrEnum):
    """Reading of ¶33's «айдың 5-күніне дейін» ("by/before the 5th of the month")."""

    INCLUSIVE = "inclusive"  # the 5th itself is the last day (default)
    EXCLUSIVE = "exclusive"  # the 4th is the last day


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreement reached, as entered in the register (¶30)."""

    source: Source
    #: The last day of the event, or of the visit abroad (multi-day events count from the last day).
    event_ended: date
    #: Interested state bodies and organisations (¶31-32), MFA excluded.
    interested: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.interested:
            raise AgreementError("interested: at least one interested body or organisation")
        for body in self.interested:
            if body == p.MFA or not p.is_body_or_organisation(body):
                raise AgreementError(
                    f"interested: {body!r} is not a state body or ORG:<ID> other than MFA"
                )


@dataclass(frozen=True, slots=True)
class AgreementEvents:
    """What has happened, each a date (absent: not yet)."""

    #: Body -> the day its ¶31 proposals reached MFA.
    proposals: Mapping[str, date] = field(default_factory=dict)
    #: Body -> the day it received MFA's draft for agreement (¶32 part 2).
    draft_received: Mapping[str, date] = field(default_factory=dict)
    #: Body -> the day its written answer reached MFA.
    answered: Mapping[str, date] = field(default_factory=dict)
    #: Body -> the day its silence was recorded as consent (the last day of its window).
    deemed_agreed: Mapping[str, date] = field(default_factory=dict)
    #: MFA submitted the draft to PA (paper and electronic).
    submitted_to_pa: date | None = None
    #: PA's electronic approval sheet completed (¶32-1).
    approval_sheet: date | None = None
    #: Body -> the date GO's control assignment sets for its progress report (¶33).
    control_dates: Mapping[str, date] = field(default_factory=dict)
    #: Body -> the day its progress report reached MFA.
    progress_reported: Mapping[str, date] = field(default_factory=dict)
    #: The date GO's control assignment sets for MFA's consolidated report (¶34).
    consolidated_control: date | None = None
    #: The day MFA's consolidated report reached GO (¶34).
    consolidated: date | None = None


def consent_due(received: date) -> date:
    """The last day of a recipient's 2 wd to answer the draft (¶32 part 2)."""
    return add_workdays(received, CONSENT_WD)


def _check(agreement: Agreement, events: AgreementEvents) -> None:
    for name in (
        "proposals",
        "draft_received",
        "answered",
        "deemed_agreed",
        "control_dates",
        "progress_reported",
    ):
        unknown = sorted(set(getattr(events, name)) - set(agreement.interested))
        if unknown:
            raise AgreementError(f"{name}: {unknown[0]} is not an interested party")
    for body in set(events.answered) | set(events.deemed_agreed):
        if body not in events.draft_received:
            raise AgreementError(f"answered: {body} never received the draft")
    both = sorted(set(events.answered) & set(events.deemed_agreed))
    if both:
        raise AgreementError(f"deemed_agreed: {both[0]} answered in writing")
    for body, day in events.deemed_agreed.items():
        if day != consent_due(events.draft_received[body]):
            raise AgreementError(
                f"deemed_agreed: {body}'s silence counts only from the end of its 2 wd "
                f"({consent_due(events.draft_received[body]).isoformat()})"
            )
    if events.consolidated is not None and events.consolidated_control is None:
        raise AgreementError(
            "consolidated: ¶34's report is due by the date of GO's control assignment; "
            "record that date first"
        )
    dated = [*events.proposals.values(), *events.draft_received.values()]
    dated += [*events.answered.values(), events.submitted_to_pa, events.approval_sheet]
    dated += [events.consolidated]
    if any(day is not None and day < agreement.event_ended for day in dated):
        raise AgreementError("events: an event precedes the end of the event it follows")


def silent_consents(agreement: Agreement, events: AgreementEvents, today: date) -> dict[str, date]:
    """Recipients whose 2 wd ended before ``today`` with no written answer, not yet recorded.

    Each maps to the day its window closed: the day its consent counts from. A
    written answer that arrives later does not undo it (the draft «келісілді
    деп саналады» at the end of the term).
    """
    _check(agreement, events)
    if not in_force("¶32", agreement.event_ended):
        return {}
    out = {}
    for body, received in events.draft_received.items():
        if body in events.answered or body in events.deemed_agreed:
            continue
        due = consent_due(received)
        if due < today:
            out[body] = due
    return out


def refuse_extension() -> None:
    """¶32: «көрсетілген мерзімді ұзартуға жол берілмейді» — the 7 wd are never extended."""
    raise AgreementError(
        "¶32: the 7 working days for submitting the draft instructions to PA cannot be extended"
    )


def agreement_duties(
    agreement: Agreement, events: AgreementEvents | None = None
) -> tuple[Duty, ...]:
    """Every duty of the chain, dated where the events make the date known."""
    events = events or AgreementEvents()
    _check(agreement, events)
    ended = agreement.event_ended
    duties = [
        Duty(
            key=f"proposals:{body}",
            by=body,
            to=(p.MFA,),
            rule="¶31",
            what=N_("give MFA concrete proposals for the draft instructions"),
            due=add_workdays(ended, PROPOSALS_WD),
            done=events.proposals.get(body),
        )
        for body in agreement.interested
    ]
    for body in agreement.interested:
        received = events.draft_received.get(body)
        duties.append(
            Duty(
                key=f"consent:{body}",
                by=body,
                to=(p.MFA,),
                rule="¶32",
                what=N_("agree the draft instructions (silence counts as consent)"),
                due=None if received is None else consent_due(received),
                done=events.answered.get(body) or events.deemed_agreed.get(body),
            )
        )
    duties.append(
        Duty(
            key="submit-to-pa",
            by=p.MFA,
            to=(p.PA,),
            rule="¶32",
            what=N_(
                "submit the draft instructions to PA, on paper and electronically (no extension)"
            ),
            due=add_workdays(ended, SUBMISSION_WD),
            done=events.submitted_to_pa,
        )
    )
    sent = events.submitted_to_pa
    duties.append(
        Duty(
            key="approval-sheet",
            by=p.PA,
            to=(p.PA_HEAD,),
            rule="¶32-1",
            what=N_("agree the draft electronically (the approval sheet)"),
            due=None if sent is None else add_workdays(sent, APPROVAL_SHEET_WD),
            done=events.approval_sheet,
        )
    )
    duties += [
        Duty(
            key=f"progress:{body}",
            by=body,
            to=(p.MFA,),
            rule="¶33",
            what=N_("report progress on the instructions (date of GO's control assignment)"),
            due=day,
            done=events.progress_reported.get(body),
        )
        for body, day in sorted(events.control_dates.items())
    ]
    if events.consolidated_control is not None:
        duties.append(
            Duty(
                key="consolidated",
                by=p.MFA,
                to=(p.GO,),
                rule="¶34",
                what=N_(
                    "consolidated report on the instructions' progress (date of GO's control "
                    "assignment)"
                ),
                due=events.consolidated_control,
                done=events.consolidated,
            )
        )
    return tuple(as_of(duty, ended) for duty in duties)


def investment_report_due(
    year: int,
    quarter: int,
    reading: InvestmentDeadline = InvestmentDeadline.INCLUSIVE,
    shift: DayOffShift = DEFAULT_SHIFT,
) -> date:
    """MFA's quarterly report to GO on investment agreements (¶33 part 2).

    «есепті тоқсаннан кейінгі айдың 5-күніне дейін»: the 5th (or, read as
    "before the 5th", the 4th) of the month after the quarter, moved off a day off.
    """
    if quarter not in (1, 2, 3, 4):
        raise AgreementError(f"quarter: {quarter} is not 1-4")
    month = quarter * 3 + 1
    day = 5 if reading is InvestmentDeadline.INCLUSIVE else 4
    due = date(year + 1, 1, day) if month == 13 else date(year, month, day)
    _modelled("¶33", due)
    return on_workday(due, shift)


def go_summary_due(year: int, shift: DayOffShift = DEFAULT_SHIFT) -> tuple[date, date]:
    """GO's half-yearly summary to PA (¶35): «15 маусымнан және 15 желтоқсаннан кешіктірмей»."""
    _modelled("¶35", date(year, 6, 15))
    return on_workday(date(year, 6, 15), shift), on_workday(date(year, 12, 15), shift)


class Periodic(StrEnum):
    """The fixed-date reports of Chapter 4 that are not tied to one agreement."""

    INVESTMENT = "investment"  # ¶33 part 2: MFA → GO, per quarter
    GO_SUMMARY = "go-summary"  # ¶35: GO → PA, per half-year

    @property
    def periods(self) -> int:
        """Periods per year: quarters or halves."""
        return 4 if self is Periodic.INVESTMENT else 2

    @property
    def rule(self) -> str:
        return "¶33 part 2" if self is Periodic.INVESTMENT else "¶35"

    @property
    def by(self) -> str:
        return p.MFA if self is Periodic.INVESTMENT else p.GO

    @property
    def to(self) -> str:
        return p.GO if self is Periodic.INVESTMENT else p.PA


def period_due(
    report: Periodic,
    year: int,
    period: int,
    reading: InvestmentDeadline = InvestmentDeadline.INCLUSIVE,
    shift: DayOffShift = DEFAULT_SHIFT,
) -> date:
    """The due date of one period: quarter 1-4 of ``year`` (¶33 part 2) or half 1-2 (¶35:
    the first half by 15 June, the second by 15 December). AgreementError for a period
    that does not exist or falls before the paragraph's modelled wording."""
    if report is Periodic.INVESTMENT:
        return investment_report_due(year, period, reading, shift)
    if period not in (1, 2):
        raise AgreementError(f"half: {period} is not 1 or 2")
    return go_summary_due(year, shift)[period - 1]


def periods_due(
    report: Periodic, since: date, today: date, shift: DayOffShift = DEFAULT_SHIFT
) -> list[tuple[int, int, date]]:
    """(year, period, due) of every period due on or after ``since`` up to the first one due
    on or after ``today`` (the next one), oldest first; none before the modelled wording."""
    out: list[tuple[int, int, date]] = []
    for year in range(since.year - 1, today.year + 2):
        for period in range(1, report.periods + 1):
            with suppress(AgreementError):
                due = period_due(report, year, period, shift=shift)
                if due >= since:
                    out.append((year, period, due))
    out.sort(key=lambda row: row[2])
    upcoming = [i for i, row in enumerate(out) if row[2] >= today]
    return out[: upcoming[0] + 1] if upcoming else out


def _modelled(ref: str, day: date) -> None:
    """A calendar deadline exists only where the modelled wording of ``ref`` applied."""
    if not in_force(ref, day):
        raise AgreementError(explain(ref, day))


def next_calendar_duties(today: date, shift: DayOffShift = DEFAULT_SHIFT) -> tuple[Duty, ...]:
    """The next fixed-date reports of Chapter 4 not tied to one agreement, due on or after
    ``today``: MFA's quarterly investment report to GO (¶33 part 2) and GO's half-yearly
    summary to PA (¶35): the dates the reports page shows beside what was sent
    (registry.services.periodic_reports tracks them per period). A deadline before its
    paragraph's modelled wording (13.04.2023) is not one."""
    investment: list[tuple[int, int, date]] = []
    summaries: list[date] = []
    for year in (today.year - 1, today.year, today.year + 1):
        for quarter in (1, 2, 3, 4):
            with suppress(AgreementError):
                investment.append(
                    (year, quarter, investment_report_due(year, quarter, shift=shift))
                )
        with suppress(AgreementError):
            summaries += go_summary_due(year, shift)
    investment = [row for row in investment if row[2] >= today]
    summaries = [day for day in summaries if day >= today]
    duties = []
    if investment:
        year, quarter, due = investment[0]
        duties.append(
            Duty(
                key=f"investment-report:{year}-Q{quarter}",
                by=p.MFA,
                to=(p.GO,),
                rule="¶33 part 2",
                what=N_("report on investment agreements for Q%(quarter)s %(year)s"),
                params={"quarter": str(quarter), "year": str(year)},
                due=due,
            )
        )
    if summaries:
        duties.append(
            Duty(
                key=f"go-summary:{summaries[0].isoformat()}",
                by=p.GO,
                to=(p.PA,),
                rule="¶35",
                what=N_("the half-yearly summary on the President's instructions"),
                due=summaries[0],
            )
        )
    return tuple(duties)
