"""Kazakhstan's working days: is_workday, add_workdays, count_workdays, and dated deadlines.

A working day is a Monday-Friday that is not a public holiday, not a carried-over
holiday and not a transferred day off, or a weekend day the executive made a
working day (calendar_data.TRANSFERS). Deadlines of the Rules ("wd") are counted
in these days.

The whole span is computed once, on first use, into two arrays (a working-day
flag per day and a running count), so every operation is O(1): the planner
computes several deadlines per letter and must plan thousands of letters per
second.

Deadlines of the Rules that are not counted in working days — a fixed date
(«20 желтоқсаннан кешіктірмей»), calendar days, or months — may fall on a day
off, and the Rules never say which way they then move. ``on_workday`` applies
the reading chosen (``DayOffShift``; RULES.md proposes the previous working day,
``DEFAULT_SHIFT``), and the callers take it as a parameter so that a deployment
can choose the other one.
"""

from __future__ import annotations

import calendar as gregorian
from array import array
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Final

from routing.calendar_data import KURBAN_AIT, TRANSFERS

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2060
SPAN_START: Final = date(FIRST_YEAR, 1, 1)
SPAN_END: Final = date(LAST_YEAR, 12, 31)
_START: Final = SPAN_START.toordinal()


class CalendarError(ValueError):
    """A date, or a result, outside the span the calendar knows."""


#: The name ``holidays`` gives the first day of Kurban ait in en_US ("… (estimated)" too).
KURBAN_AIT_NAME: Final = "Eid al-Adha"


# ``holidays`` is imported where the table is built, not here: loading it costs ~0.1 s,
# which every importer of routing.envelope (python -m signing verify) would pay for nothing.


def package_transfers() -> dict[date, date]:
    """Transfers of days off the ``holidays`` package knows: {day_off: working_day}.

    The package marks the rested day as a holiday but keeps the worked weekend
    day only in this table, so the calendar reads both from here.
    """
    from holidays.countries.kazakhstan import KazakhstanStaticHolidays

    out: dict[date, date] = {}
    for year, entries in KazakhstanStaticHolidays.special_public_holidays.items():
        rows = entries if isinstance(entries[0], tuple) else (entries,)
        for row in rows:
            off_month, off_day, work_month, work_day, *work_year = row
            out[date(year, off_month, off_day)] = date(
                work_year[0] if work_year else year, work_month, work_day
            )
    return out


def _days_off(years: range) -> set[date]:
    """Public holidays with their carry-overs, and the rested days of transfers.

    Carry-over (a secular holiday on a weekend moves to the next working day) and
    its absence for the religious days (Orthodox Christmas, Kurban ait) come from
    ``holidays``; the first day of Kurban ait is replaced by the announced date
    where calendar_data.KURBAN_AIT has one.
    """
    import holidays

    observed = holidays.country_holidays("KZ", years=years, language="en_US")
    days = set(observed)
    for day in observed.get_named(KURBAN_AIT_NAME, lookup="startswith"):
        if day.year in KURBAN_AIT:
            days.discard(day)
    days.update(announced for announced, _source in KURBAN_AIT.values())
    return days


class _Table:
    """Flags and running counts over SPAN_START..SPAN_END, built once."""

    __slots__ = ("cumulative", "flags", "ordinals")

    def __init__(self) -> None:
        days_off = _days_off(range(FIRST_YEAR, LAST_YEAR + 1))
        transfers = package_transfers()
        transfers.update((t.day_off, t.working_day) for t in TRANSFERS)
        worked_weekend_days = set(transfers.values())
        days_off.update(transfers)
        days_off -= worked_weekend_days
        size = SPAN_END.toordinal() - _START + 1
        self.flags = bytearray(size)
        #: cumulative[i]: working days in SPAN_START..SPAN_START+i, inclusive.
        self.cumulative = array("q", bytes(8 * size))
        #: ordinals[k]: the (k+1)-th working day of the span.
        self.ordinals = array("q")
        running = 0
        day = SPAN_START
        for i in range(size):
            if day in worked_weekend_days or (day.weekday() < 5 and day not in days_off):
                self.flags[i] = 1
                running += 1
                self.ordinals.append(day.toordinal())
            self.cumulative[i] = running
            day += timedelta(days=1)


@cache
def _table() -> _Table:
    return _Table()


def _index(day: date) -> int:
    i = day.toordinal() - _START
    if i < 0 or i >= len(_table().flags):
        raise CalendarError(
            f"{day.isoformat()} is outside the working-day calendar "
            f"({SPAN_START.isoformat()}..{SPAN_END.isoformat()})"
        )
    return i


def is_workday(day: date) -> bool:
    """True if ``day`` is a working day in the Republic of Kazakhstan."""
    return _table().flags[_index(day)] == 1


def add_workdays(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``n`` > 0) or before it (``n`` < 0).

    ``day`` itself never counts, so a request received on Friday with 3 wd is due
    on the third working day after it; ``add_workdays(day, 0)`` is ``day``
    (contract: ``add DATE 0`` is DATE). For every working day ``d`` and any
    ``n``, ``add_workdays(add_workdays(d, n), -n) == d``, and
    ``count_workdays(d, add_workdays(d, n)) == n``; the latter holds for every
    ``d`` when ``n >= 0``.
    """
    if n == 0:
        _index(day)
        return day
    table = _table()
    i = _index(day)
    # cumulative[i] working days up to and including day; the next one has that index.
    k = table.cumulative[i] + n - 1 if n > 0 else table.cumulative[i] - table.flags[i] + n
    if k < 0 or k >= len(table.ordinals):
        raise CalendarError(
            f"{n} working days from {day.isoformat()} leave the calendar "
            f"({SPAN_START.isoformat()}..{SPAN_END.isoformat()})"
        )
    return date.fromordinal(table.ordinals[k])


def count_workdays(start: date, end: date) -> int:
    """Working days in (``start``, ``end``].

    If ``end`` < ``start`` the result is minus the working days in (``end``, ``start``].
    """
    cumulative = _table().cumulative
    return cumulative[_index(end)] - cumulative[_index(start)]


def latest_workday_on_or_before(day: date) -> date:
    """``day`` if it is a working day, else the last working day before it.

    A deadline set by the foreign side (¶14-8) may fall on a Kazakh day off; the
    reply must then leave on the working day before.
    """
    return day if is_workday(day) else add_workdays(day, -1)


def add_calendar_days(day: date, n: int) -> date:
    """``day`` moved by ``n`` calendar days ("cd" of the Rules), either direction."""
    result = day + timedelta(days=n)
    _index(result)
    return result


def count_calendar_days(start: date, end: date) -> int:
    """Calendar days in (``start``, ``end``]; negative if ``end`` < ``start``.

    ¶44's five-day exception is "within the next five days" of the letter:
    ``count_calendar_days(letter_date, needed_by) <= 5``.
    """
    return end.toordinal() - start.toordinal()


class DayOffShift(StrEnum):
    """Which way a fixed-date, calendar-day or month deadline on a day off moves."""

    PREVIOUS = "previous"  # the last working day before it (RULES.md's proposed default)
    NEXT = "next"  # the first working day after it


DEFAULT_SHIFT: Final = DayOffShift.PREVIOUS


def on_workday(day: date, shift: DayOffShift = DEFAULT_SHIFT) -> date:
    """``day`` if it is a working day, else the working day ``shift`` says it moves to."""
    if is_workday(day):
        return day
    return add_workdays(day, -1 if shift is DayOffShift.PREVIOUS else 1)


def add_months(day: date, n: int) -> date:
    """The same day-number ``n`` months later (``n`` < 0: earlier).

    Where that month is shorter (30 April − 2 months → "30 February"), the
    result is the month's last day: of the two readings RULES.md names (end of
    February or 1 March) it takes the earlier, which never shortens the time an
    "at least N months before" duty leaves and never lengthens a "within N
    months" one beyond the month it names.
    """
    months = day.year * 12 + day.month - 1 + n
    year, month = divmod(months, 12)
    last = gregorian.monthrange(year, month + 1)[1] if 1 <= year <= 9999 else 31
    result = date(year, month + 1, min(day.day, last))
    _index(result)
    return result


def next_annual_date(day: date, month: int, day_of_month: int) -> date:
    """The first ``month``/``day_of_month`` on or after ``day`` (a yearly fixed deadline)."""
    this_year = date(day.year, month, day_of_month)
    result = this_year if this_year >= day else date(day.year + 1, month, day_of_month)
    _index(result)
    return result
