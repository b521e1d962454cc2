"""Kazakhstan's transfers of days off 2024–2027, with the source of every entry.

Why this table exists although the ``holidays`` package knows most of it: the
transfers are set each year by an act of the executive (Labour Code art. 85(3)),
and a package upgrade must never silently move an agency's deadline. The
calendar applies these entries on top of ``holidays`` (so an entry missing from
the package is harmless) and tests/unit/routing/test_routing_calendar.py
compares the two, failing on any disagreement.

Statutory holidays, the carry-over of a secular holiday that falls on a weekend
to the next working day (Law No. 267-II "On holidays in the Republic of
Kazakhstan", art. 5; Labour Code art. 85(2)) and the religious days off without
carry-over (Orthodox Christmas, the first day of Kurban ait) come from
``holidays`` itself; only the announced Kurban ait date is pinned here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final


@dataclass(frozen=True)
class Transfer:
    """A day off moved by the executive: ``day_off`` is rested, ``working_day`` is worked."""

    day_off: date
    working_day: date
    source: str


TRANSFERS: Final[tuple[Transfer, ...]] = (
    Transfer(
        date(2024, 5, 8),
        date(2024, 5, 4),
        "transfer of the day off for 2024, adilet.zan.kz/kaz/docs/G24G0000109 "
        "(archived web.archive.org/web/20250108222408/https://adilet.zan.kz/kaz/docs/G24G0000109): "
        "Saturday 4 May 2024 worked, Wednesday 8 May 2024 rested",
    ),
    Transfer(
        date(2025, 1, 3),
        date(2025, 1, 5),
        "transfer of the day off for 2025, adilet.zan.kz/kaz/docs/G24G0000436 "
        "(archived web.archive.org/web/20250428203311/https://adilet.zan.kz/kaz/docs/G24G0000436): "
        "Sunday 5 January 2025 worked, Friday 3 January 2025 rested",
    ),
)

#: What is known of each year's transfers, shown in docs/rules.md. A year whose
#: act appears later is added to TRANSFERS (and the test then demands that
#: ``holidays`` agree, or that the disagreement be recorded here).
TRANSFER_YEARS: Final[dict[int, str]] = {
    2024: "one transfer (above)",
    2025: "one transfer (above)",
    2026: (
        "no transfer: the egov.kz holiday calendar for 2026 lists only carry-overs "
        "(8 Mar -> 9 Mar; 21-22 Mar -> 24-25 Mar; 9 May -> 11 May; 25 Oct -> 26 Oct), "
        "and holidays 0.109 has none"
    ),
    2027: "no transfer act published as of November 2026; statutory holidays and carry-overs only",
}

#: First day of Kurban ait as officially announced, where ``holidays`` only
#: estimates it (its confirmed years end in 2025). 2027 stays the package's
#: estimate (16 May 2027, a Sunday: no working day is lost if it holds).
KURBAN_AIT: Final[dict[int, tuple[date, str]]] = {
    2026: (date(2026, 5, 27), "egov.kz holiday calendar for 2026"),
}

# Known doubt, kept visible rather than guessed: a calendar published in January
# 2026 showed Constitution Day 30 Aug 2026 (Sunday) carried over to Monday 31
# Aug 2026. The constitutional reform of 2026 moved Constitution Day to 15 March
# from 2027 and, per ``holidays`` 0.109 (from the history of Law No. 267-II on
# adilet.zan.kz, Z010000267_), left 2026 without it. We follow the package
# (31 Aug 2026 is a working day); the calendar tests pin that choice.
