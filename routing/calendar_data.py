"""Kazakhstan's transfers of days off, with the source of every entry.

Why this table exists although the ``holidays`` package knows most of it: the
transfers are set each year by an act of the executive (Labour Code art. 85(3);
since 2024 an order of the Minister of Labour and Social Protection, earlier a
Government resolution), and a package upgrade must never silently move an
agency's deadline. The calendar applies these entries on top of ``holidays``
(so a missing package entry is harmless) and tests/unit/routing compares the
two, failing on any disagreement.

Statutory holidays, the carry-over of a secular holiday that falls on a weekend
to the next working day (Law No. 267-II "On holidays", art. 5; Labour Code
art. 85(2)) and the religious days off without carry-over (Orthodox Christmas,
the first day of Kurban ait) come from ``holidays`` itself.
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
        "Order of the Minister of Labour and Social Protection of 17.04.2024 "
        "'On the transfer of a day of rest in 2024' (adilet.zan.kz G24G0000109): "
        "Saturday 4 May 2024 -> Wednesday 8 May 2024",
    ),
    Transfer(
        date(2025, 1, 3),
        date(2025, 1, 5),
        "Order of the Minister of Labour and Social Protection, 2024 "
        "(adilet.zan.kz G24G0000436): Sunday 5 January 2025 -> Friday 3 January 2025",
    ),
)

#: Years whose transfers were checked against an official calendar.
#: 2026: no transfer (egov.kz holiday calendar for 2026, reported by Kazinform
#: on 02.01.2026: only carry-overs of 8 Mar, 21-22 Mar, 9 May, 25 Oct).
VERIFIED_YEARS: Final = frozenset({2024, 2025, 2026})

#: Years for which no transfer act was found by 25.11.2026: the calendar has
#: statutory holidays and carry-overs only. Add the act here when it is published.
UNVERIFIED_YEARS: Final = frozenset({2027})

#: First day of Kurban ait as officially announced; ``holidays`` marks 2026
#: "estimated" and the test checks it agrees. 2027 is still the package's
#: estimate (16 May 2027, a Sunday: no working day is lost if it holds).
KURBAN_AIT: Final[dict[int, tuple[date, str]]] = {
    2024: (date(2024, 6, 16), "egov.kz holiday calendar 2024"),
    2025: (date(2025, 6, 6), "egov.kz holiday calendar 2025"),
    2026: (date(2026, 5, 27), "egov.kz holiday calendar 2026 (Kazinform, 02.01.2026)"),
}

# Known doubt, kept visible rather than guessed: egov.kz's calendar published
# in January 2026 showed Constitution Day 30 Aug 2026 (Sunday) carried over to
# Monday 31 Aug 2026. The constitutional reform of 2026 moved Constitution Day
# to 15 March from 2027 and, per ``holidays`` (vacanza/holidays PR #3690, from
# the history of Law No. 267-II on adilet.zan.kz), left 2026 without it. We
# follow the package (31 Aug 2026 is a working day); tests pin that choice.
