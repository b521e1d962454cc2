"""Treaty-implementation reports, one cycle per reporting year (Chapter 1, ¶1–6).

    each central state body → MFA, «жыл сайын 10 қаңтардан кешіктірмей»      — ¶2
      its returns on the past year: in force on Appendices 1–3 (bilateral,
      multilateral, loan), signed and not in force on Appendices 4–5
    → MFA → GO, «жылына бір рет, 10 ақпаннан кешіктірмей»                      — ¶4
      the summary in the structure of Appendix 6, with its foreign-policy assessment
    → GO → PA, «жыл сайын, 25 ақпаннан кешіктірмей»                             — ¶5
    → PA → PRESIDENT, «алған күнінен бастап он бес жұмыс күні ішінде»           — ¶6
      (15 wd from PA's receipt of GO's information)

The reporting year is the year reported on («өткен жыл ішінде»): the returns on
2026 are due on 10 January 2027. A fixed date on a day off moves by ``shift``
(routing.calendar.on_workday; the previous working day by default).

Readings (docs/rules.md):
- ¶2 «one form per treaty or one table for all»: one return per treaty, on the
  form its kind and status give (``form_for``); a body's returns are due together.
- The return on a treaty with several responsible bodies is made by the one
  marked consolidating (Appendices 1–5, row "responsible body … жинақтаушыны
  белгілеп"): it alone owes MFA the return; the others feed it.
- A loan treaty signed and not in force has no form of its own: ¶2(2) names
  Appendix 4 (bilateral) and 5 (multilateral); a loan treaty has one lender, so
  it is reported on Appendix 4.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from routing import parties as p
from routing.calendar import DEFAULT_SHIFT, DayOffShift, add_workdays, on_workday
from routing.duties import N_, Duty

RETURNS_DUE: Final = (1, 10)  # ¶2: 10 January
CONSOLIDATION_DUE: Final = (2, 10)  # ¶4: 10 February
GO_DUE: Final = (2, 25)  # ¶5: 25 February
PA_WD: Final = 15  # ¶6


class TreatyError(ValueError):
    """A treaty or a cycle's events that cannot be (names what is wrong)."""


class TreatyKind(StrEnum):
    BILATERAL = "bilateral"
    MULTILATERAL = "multilateral"
    LOAN = "loan"


class TreatyStatus(StrEnum):
    IN_FORCE = "in-force"  # «күшіне енген»
    SIGNED = "signed"  # «қол қойылған және күшіне енбеген» (signed, not in force)


#: ¶2: the Appendix (1–5) a treaty's return is made on.
FORMS: Final[Mapping[tuple[TreatyKind, TreatyStatus], int]] = {
    (TreatyKind.BILATERAL, TreatyStatus.IN_FORCE): 1,
    (TreatyKind.MULTILATERAL, TreatyStatus.IN_FORCE): 2,
    (TreatyKind.LOAN, TreatyStatus.IN_FORCE): 3,
    (TreatyKind.BILATERAL, TreatyStatus.SIGNED): 4,
    (TreatyKind.MULTILATERAL, TreatyStatus.SIGNED): 5,
    (TreatyKind.LOAN, TreatyStatus.SIGNED): 4,  # reading: one lender, see the module docstring
}


def form_for(kind: TreatyKind, status: TreatyStatus) -> int:
    """The Appendix number of a treaty's return (¶2)."""
    return FORMS[(kind, status)]


def consolidating_body(responsible: Iterable[str], consolidating: str | None) -> str:
    """The body that owes MFA the treaty's return: the only one, or the one marked."""
    bodies = tuple(dict.fromkeys(responsible))
    if not bodies:
        raise TreatyError("responsible: at least one central state body")
    for body in bodies:
        if not p.is_central_state_body(body):
            raise TreatyError(f"responsible: {body!r} is not a central state body (¶1)")
    if consolidating is None and len(bodies) == 1:
        return bodies[0]
    if consolidating not in bodies:
        raise TreatyError(
            "consolidating: with several responsible bodies exactly one of them is marked"
        )
    return consolidating


@dataclass(frozen=True, slots=True)
class CycleEvents:
    """What has happened in a reporting year's cycle, each a date (absent: not yet)."""

    #: Body -> the day its returns reached MFA (¶2).
    returns: Mapping[str, date] = field(default_factory=dict)
    #: MFA's Appendix 6 summary reached GO (¶4).
    to_go: date | None = None
    #: GO's information reached PA (¶5); ¶6's 15 wd run from this day.
    to_pa: date | None = None
    #: PA's analysis submitted to the President (¶6).
    to_president: date | None = None


def returns_due(year: int, shift: DayOffShift = DEFAULT_SHIFT) -> date:
    """¶2: the returns on ``year`` are due 10 January of the next year."""
    return on_workday(date(year + 1, *RETURNS_DUE), shift)


def cycle_duties(
    year: int,
    bodies: Iterable[str],
    events: CycleEvents | None = None,
    shift: DayOffShift = DEFAULT_SHIFT,
) -> tuple[Duty, ...]:
    """Every duty of the reporting year ``year``'s cycle; ``bodies`` owe returns (¶2)."""
    events = events or CycleEvents()
    owing = tuple(dict.fromkeys(bodies))
    for body in owing:
        if not p.is_central_state_body(body):
            raise TreatyError(f"bodies: {body!r} is not a central state body (¶1)")
    unknown = sorted(set(events.returns) - set(owing))
    if unknown:
        raise TreatyError(f"returns: {unknown[0]} owes no return for {year}")
    # A return may come early (late December); MFA's summary and what follows it may not.
    start = date(year + 1, 1, 1)
    if any(day is not None and day < start for day in (events.to_go, events.to_pa)):
        raise TreatyError(f"events: a step after the returns on {year} precedes the year's end")
    if events.to_president is not None and events.to_pa is None:
        raise TreatyError("to_president: PA has not received GO's information yet")
    next_year = year + 1
    duties = [
        Duty(
            key=f"returns:{body}",
            by=body,
            to=(p.MFA,),
            rule="¶2",
            what=N_("returns on the treaties it implements (Appendices 1–5)"),
            due=returns_due(year, shift),
            done=events.returns.get(body),
        )
        for body in owing
    ]
    duties += [
        Duty(
            key="to-go",
            by=p.MFA,
            to=(p.GO,),
            rule="¶4",
            what=N_("the summary with the foreign-policy assessment (Appendix 6)"),
            due=on_workday(date(next_year, *CONSOLIDATION_DUE), shift),
            done=events.to_go,
        ),
        Duty(
            key="to-pa",
            by=p.GO,
            to=(p.PA,),
            rule="¶5",
            what=N_("MFA's information with GO's proposals on Government-level treaties"),
            due=on_workday(date(next_year, *GO_DUE), shift),
            done=events.to_pa,
        ),
        Duty(
            key="to-president",
            by=p.PA,
            to=(p.PRESIDENT,),
            rule="¶6",
            what=N_("PA's analysis of the treaties' implementation"),
            due=None if events.to_pa is None else add_workdays(events.to_pa, PA_WD),
            done=events.to_president,
        ),
    ]
    return tuple(duties)
