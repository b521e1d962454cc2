"""Chapter 4's fixed-date reports that no single agreement owns, tracked per period.

MFA's quarterly report to GO on investment agreements (¶33 part 2, by the 5th of
the month after the quarter) and GO's half-yearly summary to PA (¶35, by 15 June
and 15 December): the engine (``routing.agreements.period_due``) dates each
period; this service stores which were sent, and when, one custody event each.
MFA and GO see both reports' history and an auditor too; each body's inbox shows
the periods it owes, due or late.

The registry looks back ``LOOKBACK_DAYS`` for periods still unsent: a period due
earlier than that (or before the paragraph's modelled wording, 13.04.2023) is not
listed as late unless someone records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models import PeriodicReport
from registry.permissions import Action, Principal, check
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Forbidden, Invalid, ServiceError
from registry.services.letters.actions import custody_actor, refusal
from routing import parties as p
from routing.agreements import AgreementError, Periodic, period_due, periods_due
from routing.calendar import add_workdays
from routing.duties import N_, Duty, DutyState

#: How far back unsent periods are listed (one year: four quarters, two halves).
LOOKBACK_DAYS: Final = 366
#: Who may read the history: the two bodies that owe the reports (and an auditor).
READERS: Final = frozenset({p.MFA, p.GO})


@dataclass(frozen=True)
class Period:
    """One period of a report: its due date and, once recorded, the day it was sent."""

    report: Periodic
    year: int
    period: int
    due: date
    sent_on: date | None = None
    recorded_by: str | None = None

    @property
    def label(self) -> str:
        """ "2026-Q3" (¶33 part 2) or "2026-H2" (¶35)."""
        letter = "Q" if self.report is Periodic.INVESTMENT else "H"
        return f"{self.year}-{letter}{self.period}"

    @property
    def number(self) -> str:
        """What the custody log indexes the period's event by: "INV-2026-Q3", "GOS-2026-H2"."""
        prefix = "INV" if self.report is Periodic.INVESTMENT else "GOS"
        return f"{prefix}-{self.label}"

    @property
    def duty(self) -> Duty:
        return Duty(
            key=f"{self.report.value}:{self.label}",
            by=self.report.by,
            to=(self.report.to,),
            rule=self.report.rule,
            what=(
                N_("report on investment agreements for %(period)s")
                if self.report is Periodic.INVESTMENT
                else N_("the half-yearly summary on the President's instructions, %(period)s")
            ),
            params={"period": self.label},
            due=self.due,
            done=self.sent_on,
        )

    def state(self, today: date) -> DutyState:
        return self.duty.state(today)


def _report(value: str) -> Periodic:
    try:
        return Periodic(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Periodic)
        raise Invalid(f"report: not one of {allowed}: {value!r}") from None


def _due(report: Periodic, year: int, period: int) -> date:
    try:
        return period_due(report, year, period)
    except AgreementError as exc:
        raise Invalid(str(exc)) from None


def in_scope(principal: Principal) -> bool:
    """MFA, GO and an auditor (no agency) see the history; other bodies see none of it."""
    check(principal, Action.FILE_READ)
    return principal.agency_code is None or principal.agency_code in READERS


def history(session: Session, principal: Principal, today: date) -> dict[Periodic, list[Period]]:
    """Per report, newest first: every period recorded, and every period due in the
    look-back window up to the next one due (sent or not). Empty out of scope."""
    if not in_scope(principal):
        return {}
    since = today - timedelta(days=LOOKBACK_DAYS)
    rows = session.scalars(select(PeriodicReport)).all()
    recorded = {(r.report, r.year, r.period): r for r in rows}
    out: dict[Periodic, list[Period]] = {}
    for report in Periodic:
        keys = {(year, period) for year, period, _due in periods_due(report, since, today)}
        keys |= {(y, q) for (r, y, q) in recorded if r == report.value}
        periods = []
        for year, period in keys:
            row = recorded.get((report.value, year, period))
            periods.append(
                Period(
                    report,
                    year,
                    period,
                    _due(report, year, period),
                    row.sent_on if row else None,
                    row.recorded_by if row else None,
                )
            )
        out[report] = sorted(periods, key=lambda x: x.due, reverse=True)
    return out


@dataclass(frozen=True)
class OwedPeriod:
    period: Period
    overdue: bool
    due_soon: bool


def owed(
    session: Session, principal: Principal, today: date, due_soon_workdays: int
) -> list[OwedPeriod]:
    """The unsent periods the person's body owes (an auditor: the late ones), late first."""
    if not in_scope(principal):
        return []
    soon = add_workdays(today, due_soon_workdays)
    out = []
    for report, periods in history(session, principal, today).items():
        for period in periods:
            if period.sent_on is not None:
                continue
            overdue = period.state(today) is DutyState.LATE
            if report.by != principal.agency_code and not (
                principal.agency_code is None and overdue
            ):
                continue
            out.append(OwedPeriod(period, overdue, not overdue and period.due <= soon))
    return sorted(out, key=lambda o: (not o.overdue, o.period.due))


def record_sent(
    session: Session, principal: Principal, report: str, year: int, period: int, day: date
) -> Period:
    """Record that the report for ``period`` of ``year`` was sent on ``day`` — by the body
    that owes it (MFA for ¶33 part 2, GO for ¶35) — with one custody event."""
    kind = _report(report)
    due = _due(kind, year, period)
    found = Period(kind, year, period, due, day, principal.username)
    try:
        check(principal, Action.PERIODIC_RECORD)
        if principal.agency_code != kind.by:
            raise Forbidden(f"only {kind.by} records its {kind.rule} report")
        if day.year < year:
            raise Invalid(f"day: {day.isoformat()} precedes the year {year} reported on")
        existing = session.scalar(
            select(PeriodicReport).where(
                PeriodicReport.report == kind.value,
                PeriodicReport.year == year,
                PeriodicReport.period == period,
            )
        )
        if existing is not None:
            raise Conflict(f"{found.label} is already recorded (sent {existing.sent_on})")
        index = append_event(
            session,
            actor=custody_actor(principal),
            action=Tag.FILE_EVENT_RECORDED,
            registry_number=found.number,
            letter_sha256=None,
            state_before=None,
            state_after=f"sent@{day.isoformat()}",
        )
        session.add(
            PeriodicReport(
                report=kind.value,
                year=year,
                period=period,
                sent_on=day,
                recorded_by=principal.username,
                custody_index=index,
            )
        )
        session.flush()
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.FILE_EVENT_RECORDED, found.number, None, None))
        raise
    except IntegrityError:
        raise Conflict(f"{found.label} is already recorded") from None
    return found
