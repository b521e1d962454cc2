"""Dated duties of a chain of letters, and what is due or late on a given day.

The chains (routing/court_case.py for Chapter 5, routing/special_procedure.py for
Chapter 2-1) turn what has happened — each a date — into ``Duty`` rows. A duty
whose start has not happened yet, or for which the Rules give no deadline, has
no ``due``; it is then "open" until done, never "late".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum


class DutyState(Enum):
    """Where a duty stands on a given day."""

    DONE = "done"
    DONE_LATE = "done late"
    LATE = "late"
    DUE = "due"  # dated, not yet done, not yet late
    OPEN = "open"  # not done, and no date: the start is still to come or the Rules give none


@dataclass(frozen=True, slots=True)
class Duty:
    """One thing a party owes: ``by`` to ``to`` under ``rule``, by ``due``, done on ``done``."""

    key: str
    by: str
    to: tuple[str, ...]
    rule: str
    what: str
    due: date | None = None
    done: date | None = None
    #: Why the duty has no date though the Rules give one today (routing.history.as_of).
    note: str = ""

    def state(self, today: date) -> DutyState:
        """Done (on time or late), late, due, or open on ``today``."""
        if self.done is not None:
            late = self.due is not None and self.done > self.due
            return DutyState.DONE_LATE if late else DutyState.DONE
        if self.due is None:
            return DutyState.OPEN
        return DutyState.LATE if today > self.due else DutyState.DUE


def outstanding(duties: Iterable[Duty], today: date) -> list[Duty]:
    """The duties not yet done on ``today``, the late first, then by due date."""
    pending = [d for d in duties if d.done is None]
    return sorted(pending, key=lambda d: (d.state(today) is not DutyState.LATE, d.due or date.max))


def late(duties: Iterable[Duty], today: date) -> list[Duty]:
    """The duties past their date on ``today`` and not done."""
    return [d for d in duties if d.state(today) is DutyState.LATE]
