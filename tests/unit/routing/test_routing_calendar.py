"""Kazakhstan's working-day calendar: weekends, holidays, carry-overs, transfers, arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from routing.calendar import (
    DEFAULT_SHIFT,
    SPAN_END,
    SPAN_START,
    CalendarError,
    DayOffShift,
    add_calendar_days,
    add_months,
    add_workdays,
    count_calendar_days,
    count_workdays,
    is_workday,
    next_annual_date,
    on_workday,
    package_transfers,
)
from routing.calendar_data import KURBAN_AIT, TRANSFER_YEARS, TRANSFERS

D = date.fromisoformat

# (day, working?, why)
DAYS: list[tuple[str, bool, str]] = [
    ("2026-03-19", True, "an ordinary Thursday"),
    ("2026-03-21", False, "Saturday (and Nauryz)"),
    ("2026-03-22", False, "Sunday (and Nauryz)"),
    ("2026-03-23", False, "Nauryz"),
    ("2026-03-24", False, "Nauryz 21 Mar carried over from Saturday"),
    ("2026-03-25", False, "Nauryz 22 Mar carried over from Sunday"),
    ("2026-03-09", False, "Women's Day 8 Mar (Sunday) carried over"),
    ("2026-05-11", False, "Victory Day 9 May (Saturday) carried over"),
    ("2026-10-26", False, "Republic Day 25 Oct (Sunday) carried over"),
    ("2025-09-01", False, "Constitution Day 30 Aug 2025 (Saturday) carried over"),
    ("2027-01-04", False, "New Year 2 Jan 2027 (Saturday) carried over"),
    ("2027-03-15", False, "Constitution Day from 2027"),
    ("2024-01-08", True, "Orthodox Christmas 7 Jan 2024 is a Sunday: no carry-over"),
    ("2024-06-17", True, "Kurban ait 16 Jun 2024 is a Sunday: no carry-over"),
    ("2025-06-06", False, "Kurban ait 2025"),
    ("2026-05-27", False, "Kurban ait 2026"),
    ("2026-01-07", False, "Orthodox Christmas"),
    ("2024-05-04", True, "Saturday worked: day off moved to 8 May 2024"),
    ("2024-05-08", False, "transferred day off"),
    ("2025-01-05", True, "Sunday worked: day off moved to 3 Jan 2025"),
    ("2025-01-03", False, "transferred day off"),
    ("2026-08-31", True, "no Constitution Day in 2026 (see calendar_data)"),
]


@pytest.mark.parametrize(
    ("day", "working"), [row[:2] for row in DAYS], ids=[row[2] for row in DAYS]
)
def test_is_workday(day: str, working: bool) -> None:
    assert is_workday(D(day)) is working


# (from, n, expected)
ADDITIONS: list[tuple[str, int, str]] = [
    ("2026-03-19", 0, "2026-03-19"),
    ("2026-03-21", 0, "2026-03-21"),  # add DATE 0 is DATE, even on a day off
    ("2026-03-19", 1, "2026-03-20"),
    ("2026-03-20", 1, "2026-03-26"),  # over Nauryz
    ("2026-03-19", 5, "2026-03-31"),
    ("2026-03-21", 1, "2026-03-26"),  # from a day off
    ("2026-03-26", -1, "2026-03-20"),
    ("2026-03-21", -1, "2026-03-20"),
    ("2026-05-04", -10, "2026-04-17"),
    ("2024-05-03", 1, "2024-05-04"),  # the worked Saturday counts
    ("2024-05-07", -1, "2024-05-06"),
    ("2024-12-31", 1, "2025-01-05"),  # 1, 2, 3 Jan off; worked Sunday 5 Jan
    ("2024-12-31", 2, "2025-01-06"),
    ("2026-12-31", 1, "2027-01-05"),
]


@pytest.mark.parametrize(("start", "n", "expected"), ADDITIONS)
def test_add_workdays(start: str, n: int, expected: str) -> None:
    assert add_workdays(D(start), n) == D(expected)


@pytest.mark.parametrize(("start", "n", "expected"), [row for row in ADDITIONS if row[1] > 0])
def test_count_inverts_add(start: str, n: int, expected: str) -> None:
    assert count_workdays(D(start), D(expected)) == n
    assert count_workdays(D(expected), D(start)) == -n


def test_count_is_half_open() -> None:
    assert count_workdays(D("2026-03-20"), D("2026-03-20")) == 0
    assert count_workdays(D("2026-03-20"), D("2026-03-25")) == 0  # all off
    assert count_workdays(D("2026-03-19"), D("2026-03-20")) == 1
    assert count_workdays(D("2026-01-01"), D("2026-12-31")) == sum(
        is_workday(D("2026-01-01") + timedelta(days=i)) for i in range(1, 365)
    )


def test_outside_the_span_is_an_error() -> None:
    with pytest.raises(CalendarError):
        is_workday(SPAN_START - timedelta(days=1))
    with pytest.raises(CalendarError):
        add_workdays(SPAN_END, 1)
    with pytest.raises(CalendarError):
        count_workdays(SPAN_START, SPAN_END + timedelta(days=1))


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_transfer_table_agrees_with_holidays_package(year: int) -> None:
    """A `holidays` upgrade that adds, drops or moves a transfer fails here, not in deadlines."""
    ours = {t.day_off: t.working_day for t in TRANSFERS if t.day_off.year == year}
    theirs = {off: work for off, work in package_transfers().items() if off.year == year}
    assert ours == theirs


def test_every_transfer_has_a_source_and_moves_a_weekend_day() -> None:
    for transfer in TRANSFERS:
        assert transfer.source.strip()
        assert transfer.working_day.weekday() >= 5
        assert transfer.day_off.weekday() < 5


def test_transfer_years_cover_2024_to_2027() -> None:
    assert set(range(2024, 2028)) <= set(TRANSFER_YEARS)
    assert {t.day_off.year for t in TRANSFERS} <= set(TRANSFER_YEARS)


@pytest.mark.parametrize("year", sorted(KURBAN_AIT))
def test_announced_kurban_ait_agrees_with_holidays_package(year: int) -> None:
    package = holidays.country_holidays("KZ", years=year, language="en_US")
    assert package.get_named("Eid al-Adha", lookup="startswith") == [KURBAN_AIT[year][0]]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-03-19", 5, "2026-03-24"),
        ("2026-03-24", -5, "2026-03-19"),
        ("2026-02-27", 2, "2026-03-01"),
    ],
)
def test_calendar_day_arithmetic(start: str, n: int, expected: str) -> None:
    assert add_calendar_days(D(start), n) == D(expected)
    assert count_calendar_days(D(start), D(expected)) == n


# --- dated deadlines (fixed dates, months) and the day-off reading -----------------


@pytest.mark.parametrize(
    ("day", "shift", "expected", "why"),
    [
        ("2026-12-16", DayOffShift.PREVIOUS, "2026-12-15", "Independence Day → Tuesday 15 Dec"),
        ("2026-12-16", DayOffShift.NEXT, "2026-12-17", "Independence Day → Thursday 17 Dec"),
        ("2026-03-22", DayOffShift.PREVIOUS, "2026-03-20", "Nauryz Sunday → Friday 20 Mar"),
        ("2026-03-22", DayOffShift.NEXT, "2026-03-26", "Nauryz → Thursday 26 Mar (24-25 carried)"),
        ("2027-06-05", DayOffShift.PREVIOUS, "2027-06-04", "Saturday → Friday"),
        ("2026-12-18", DayOffShift.NEXT, "2026-12-18", "a working day stays"),
    ],
)
def test_on_workday_moves_a_day_off_the_chosen_way(
    day: str, shift: DayOffShift, expected: str, why: str
) -> None:
    assert on_workday(D(day), shift) == D(expected), why


def test_on_workday_default_is_the_previous_working_day() -> None:
    assert DEFAULT_SHIFT is DayOffShift.PREVIOUS
    assert on_workday(D("2026-12-16")) == D("2026-12-15")


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-04-30", -2, "2026-02-28"),  # "30 February": the earlier reading, end of February
        ("2028-04-30", -2, "2028-02-29"),  # leap year
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-11-15", 2, "2027-01-15"),  # across the year
        ("2026-03-10", -3, "2025-12-10"),
        ("2026-03-10", 0, "2026-03-10"),
    ],
)
def test_add_months_keeps_the_day_number_or_takes_the_months_last_day(
    day: str, n: int, expected: str
) -> None:
    assert add_months(D(day), n) == D(expected)


def test_add_months_outside_the_span_is_named() -> None:
    with pytest.raises(CalendarError, match="outside"):
        add_months(SPAN_END, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-01", "2026-12-20"),
        ("2026-12-20", "2026-12-20"),
        ("2026-12-21", "2027-12-20"),
    ],
)
def test_next_annual_date(day: str, expected: str) -> None:
    assert next_annual_date(D(day), 12, 20) == D(expected)
