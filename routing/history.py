"""When each paragraph the planner applies took effect, from the «Ескерту» notes of the text.

The seed text (``../shared/seed/decree-1037-rules.kk.txt``) holds the Rules as
amended up to 2025 and, under each paragraph, notes such as «Ескерту. 37-тармақ
жаңа редакцияда – ҚР Президентінің 27.02.2021 № 526 Жарлығымен» (new wording),
«…толықтырылды…» (added) or «…өзгеріс енгізілді…» (amended). It never holds an
earlier wording. So the wording the planner models is in force from the *last*
note that touched the paragraph; between the paragraph's addition and that note
it existed in a wording this service does not hold ("not modelled"), and before
its addition it did not exist.

Each decree's own date stands for the day it took effect. Decree No. 195 of
13.04.2023 says «алғашқы ресми жарияланған күнінен бастап қолданысқа
енгізіледі» (in force from its first official publication), a day the seed does
not give: docs/rules.md lists this among the readings a lawyer should confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Final

from routing.duties import Duty


@dataclass(frozen=True, slots=True)
class Amendment:
    """One «Ескерту» entry: what a decree did to the paragraph, and when."""

    day: date
    change: str  # "added", "new wording", "amended"
    decree: str

    def describe(self) -> str:
        """E.g. "18.05.2015: added (Decree No. 23)"."""
        return f"{self.day:%d.%m.%Y}: {self.change} ({self.decree})"


@dataclass(frozen=True, slots=True)
class ParagraphHistory:
    """A paragraph's notes, oldest first; the first one is its addition to the Rules."""

    ref: str
    amendments: tuple[Amendment, ...]

    @property
    def added(self) -> date:
        """The day the paragraph entered the Rules."""
        return self.amendments[0].day

    @property
    def modelled_from(self) -> date:
        """The day the wording in the seed (the one the planner applies) took effect."""
        return self.amendments[-1].day


class Status(Enum):
    """Where a paragraph stood on a given day."""

    IN_FORCE = "in force"
    NOT_MODELLED = "not modelled"  # in force, in a wording the seed does not hold
    NOT_YET = "not yet in the Rules"


ORIGINAL: Final = Amendment(date(2010, 8, 12), "original text", "Decree No. 1037")
#: Decree No. 50 of 03.07.2019 gave Chapter 4's consent by silence, the 7 wd and ¶32-1.
NO_50: Final = "Decree No. 50"
CH5_ADDED: Final = Amendment(date(2015, 5, 18), "added with Chapter 5", "Decree No. 23")
CH6_ADDED: Final = Amendment(date(2016, 1, 14), "added with Chapter 6", "Decree No. 175")
CH21_ADDED: Final = Amendment(date(2022, 1, 25), "added with Chapter 2-1", "Decree No. 786")
EEC_ADDED: Final = Amendment(date(2015, 5, 18), "added", "Decree No. 23")
NO_426: Final = "Decree No. 426"
NO_526: Final = "Decree No. 526"
NO_195: Final = "Decree No. 195, from its first official publication"


def _history(ref: str, *amendments: Amendment) -> ParagraphHistory:
    return ParagraphHistory(ref, amendments)


HISTORY: Final[dict[str, ParagraphHistory]] = {
    h.ref: h
    for h in (
        _history("¶10", ORIGINAL),
        _history("¶11", ORIGINAL, Amendment(date(2013, 4, 17), "new wording", "Decree No. 550")),
        _history("¶12", ORIGINAL, Amendment(date(2023, 4, 13), "new wording", NO_195)),
        _history("¶13", ORIGINAL, Amendment(date(2023, 4, 13), "amended", NO_195)),
        _history("¶14", ORIGINAL, Amendment(date(2023, 4, 13), "amended", NO_195)),
        _history("¶14-2", EEC_ADDED, Amendment(date(2020, 10, 5), "amended", NO_426)),
        _history("¶14-3", EEC_ADDED, Amendment(date(2020, 10, 5), "new wording", NO_426)),
        _history("¶14-4", EEC_ADDED),
        *(
            _history(f"¶14-{n}", CH21_ADDED)
            for n in range(5, 12)  # ¶14-5 … ¶14-11
        ),
        _history("¶30", ORIGINAL),
        _history("¶31", ORIGINAL, Amendment(date(2019, 7, 3), "new wording", NO_50)),
        _history("¶32", ORIGINAL, Amendment(date(2019, 7, 3), "new wording", NO_50)),
        _history(
            "¶32-1",
            Amendment(date(2019, 7, 3), "added", NO_50),
            Amendment(
                date(2024, 1, 3), "new wording", "Decree No. 429, after its first publication"
            ),
            # Signed 12.02.2025, «06.01.2025 бастап қолданысқа енгізіледі»: in force earlier.
            Amendment(date(2025, 1, 6), "amended", "Decree No. 779 of 12.02.2025"),
        ),
        *(
            _history(f"¶{n}", ORIGINAL, Amendment(date(2023, 4, 13), "new wording", NO_195))
            for n in (33, 34, 35)
        ),
        _history("¶36", CH5_ADDED, Amendment(date(2020, 10, 5), "amended", NO_426)),
        _history("¶37", CH5_ADDED, Amendment(date(2021, 2, 27), "new wording", NO_526)),
        _history("¶38", CH5_ADDED, Amendment(date(2020, 10, 5), "new wording", NO_426)),
        _history("¶39", CH5_ADDED),
        _history(
            "¶40",
            CH5_ADDED,
            Amendment(date(2021, 2, 27), "new wording", NO_526),
            Amendment(date(2023, 4, 13), "amended", NO_195),
        ),
        _history("¶41", CH5_ADDED, Amendment(date(2020, 10, 5), "new wording", NO_426)),
        _history("¶42", CH6_ADDED),
        _history("¶43", CH6_ADDED),
        _history("¶44", CH6_ADDED, Amendment(date(2017, 11, 13), "new wording", "Decree No. 582")),
        *(_history(f"¶{n}", CH6_ADDED) for n in (46, 47, 48, 49)),
        _history(
            "¶50",
            CH6_ADDED,
            Amendment(date(2022, 1, 25), "amended", "Decree No. 786"),
            Amendment(date(2023, 4, 13), "amended", NO_195),
        ),
    )
}


def status(ref: str, day: date) -> Status:
    """Whether the modelled wording of ``ref`` applied on ``day``."""
    history = HISTORY[ref]
    if day < history.added:
        return Status.NOT_YET
    if day < history.modelled_from:
        return Status.NOT_MODELLED
    return Status.IN_FORCE


def in_force(ref: str, day: date) -> bool:
    """True when the wording the planner applies for ``ref`` was in force on ``day``."""
    return status(ref, day) is Status.IN_FORCE


def modelled_from(refs: tuple[str, ...] | frozenset[str]) -> date:
    """The first day on which every one of ``refs`` was in force in its modelled wording."""
    return max(HISTORY[ref].modelled_from for ref in refs)


def explain(ref: str, day: date) -> str:
    """Why ``ref`` did not apply on ``day`` (for a plan's note)."""
    history = HISTORY[ref]
    if status(ref, day) is Status.NOT_YET:
        first = history.amendments[0]
        return f"{ref} entered the Rules on {first.day:%d.%m.%Y} ({first.decree})"
    last = history.amendments[-1]
    return (
        f"{ref} then stood in a wording not held in the Kazakh text, which gives only the "
        f"wording in force from {last.day:%d.%m.%Y} ({last.decree}): not modelled"
    )


def paragraph(rule: str) -> str:
    """The paragraph a duty's rule cites: "¶13(1)" and "¶50 part 2" are ¶13 and ¶50."""
    return rule.split("(")[0].split(" ")[0]


def as_of(duty: Duty, started: date) -> Duty:
    """The duty of a chain that started on ``started``, under the Rules in force that day.

    A chain keeps the wording in force when it started (an agreement its event's
    end, a decision MFA's receipt, a report its trigger), as a letter keeps the
    Rules of its date: where the modelled wording of the duty's ¶ did not yet apply,
    the duty keeps no date (it is open, never late) and its note says why.
    """
    ref = paragraph(duty.rule)
    if ref not in HISTORY or in_force(ref, started):
        return duty
    return replace(duty, due=None, note=explain(ref, started))
