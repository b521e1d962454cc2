"""Chapter 1 (¶1–6): the reporting year 2026's cycle, every date counted by hand.

Days off the counts cross: Friday 1 January 2027 (New Year), Monday 4 January
(2 January, a Saturday, carried over), Thursday 7 January (Orthodox Christmas),
Monday 8 March (Women's Day), Monday 15 March (Constitution Day from 2027),
Monday 22 – Wednesday 24 March (Nauryz; 21 March, a Sunday, carried to the 24th).
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.calendar import DayOffShift
from routing.duties import DutyState
from routing.treaties import (
    CycleEvents,
    TreatyError,
    TreatyKind,
    TreatyStatus,
    consolidating_body,
    cycle_duties,
    form_for,
    returns_due,
)

D = date.fromisoformat
HEALTH, ENERGY = "AGENCY:MINHEALTH", "AGENCY:MINENERGY"


def test_every_date_of_the_2026_cycle() -> None:
    events = CycleEvents(returns={HEALTH: D("2027-01-08")}, to_pa=D("2027-02-25"))
    due = {d.key: d.due for d in cycle_duties(2026, (HEALTH, ENERGY, p.MOJ), events)}
    # ¶2 «жыл сайын 10 қаңтардан кешіктірмей»: Sunday 10 January 2027 → Friday 8 January.
    assert due[f"returns:{HEALTH}"] == due[f"returns:{ENERGY}"] == D("2027-01-08")
    # ¶4 «10 ақпаннан кешіктірмей»: Wednesday 10 February 2027, a working day.
    assert due["to-go"] == D("2027-02-10")
    # ¶5 «25 ақпаннан кешіктірмей»: Thursday 25 February 2027.
    assert due["to-pa"] == D("2027-02-25")
    # ¶6 «алған күнінен бастап он бес жұмыс күні ішінде» from 25 February: 26 Feb (1),
    # 1-5 Mar (2-6), 9-12 Mar (7-10; 8 Mar off), 16-19 Mar (11-14; 15 Mar off),
    # 25 Mar (15; 22-24 Mar off).
    assert due["to-president"] == D("2027-03-25")


def test_next_working_day_reading_and_undated_pa() -> None:
    # Sunday 10 January 2027 → Monday 11 January.
    assert returns_due(2026, DayOffShift.NEXT) == D("2027-01-11")
    due = {d.key: d.due for d in cycle_duties(2026, (HEALTH,))}
    assert due["to-president"] is None  # GO's information has not reached PA


def test_late_returns() -> None:
    events = CycleEvents(returns={HEALTH: D("2027-01-11")})
    duties = {d.key: d for d in cycle_duties(2026, (HEALTH, ENERGY), events)}
    assert duties[f"returns:{HEALTH}"].state(D("2027-01-12")) is DutyState.DONE_LATE
    assert duties[f"returns:{ENERGY}"].state(D("2027-01-08")) is DutyState.DUE
    assert duties[f"returns:{ENERGY}"].state(D("2027-01-11")) is DutyState.LATE


def test_forms() -> None:
    assert form_for(TreatyKind.BILATERAL, TreatyStatus.IN_FORCE) == 1
    assert form_for(TreatyKind.MULTILATERAL, TreatyStatus.IN_FORCE) == 2
    assert form_for(TreatyKind.LOAN, TreatyStatus.IN_FORCE) == 3
    assert form_for(TreatyKind.BILATERAL, TreatyStatus.SIGNED) == 4
    assert form_for(TreatyKind.MULTILATERAL, TreatyStatus.SIGNED) == 5


def test_consolidating_body() -> None:
    assert consolidating_body((HEALTH,), None) == HEALTH
    assert consolidating_body((HEALTH, ENERGY), ENERGY) == ENERGY
    with pytest.raises(TreatyError, match="consolidating"):
        consolidating_body((HEALTH, ENERGY), None)
    with pytest.raises(TreatyError, match="central state body"):
        consolidating_body((p.SUPREME_COURT,), None)


def test_bad_events() -> None:
    with pytest.raises(TreatyError, match="owes no return"):
        cycle_duties(2026, (HEALTH,), CycleEvents(returns={ENERGY: D("2027-01-05")}))
    with pytest.raises(TreatyError, match="precedes"):
        cycle_duties(2026, (HEALTH,), CycleEvents(to_go=D("2026-12-05")))
    with pytest.raises(TreatyError, match="PA has not received"):
        cycle_duties(2026, (HEALTH,), CycleEvents(to_president=D("2027-03-01")))
