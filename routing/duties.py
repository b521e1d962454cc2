"""Dated duties of a chain of letters, and what is due or late on a given day.

The chains (routing/court_case.py for Chapter 5, routing/special_procedure.py for
Chapter 2-1) turn what has happened — each a date — into ``Duty`` rows. A duty
whose start has not happened yet, or for which the Rules give no deadline, has
no ``due``; it is then "open" until done, never "late".

A duty's ``what`` is a fixed English wording marked with ``N_`` (pybabel extracts the
marked wordings into registry/translations, so the pages show them in the reader's
language); a wording with values (a quarter, a year) is a template whose ``params``
fill it in, and ``text`` is the English sentence the API and the CLI show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum


def N_(text: str) -> str:
    """Marks a wording as a message id for pybabel; translated where it is shown."""
    return text


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
    #: The values ``what`` names as ``%(name)s`` (empty for a wording without values).
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        """``what`` in English with its values filled in."""
        return self.what % self.params if self.params else self.what

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
