"""Chapter 3 (¶15–29-1): one high-level event's chain, every date counted by hand.

The event: a state visit on Wednesday 1 – Friday 3 July 2026 (E = 1 July, the
first day, for "before"; L = 3 July, the last day, for "after").
Days off on the 2026 calendar that the counts cross: Friday 1 May (Unity Day),
Thursday 7 May (Defender's Day), Monday 11 May (Victory Day, Saturday 9 May
carried over), Wednesday 27 May (Kurban ait, announced), Monday 6 July (Capital Day).
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.calendar import DayOffShift
from routing.duties import DutyState
from routing.high_level import (
    Event,
    EventError,
    EventSteps,
    Level,
    ThesisDocument,
    event_duties,
    special_periods,
)

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
RAIL = "ORG:KTZ"
VISIT = Event(
    Level.HIGH,
    first_day=D("2026-07-01"),
    last_day=D("2026-07-03"),
    fixed_on=D("2026-03-02"),
    interested=(HEALTH, RAIL),
    mfa_absent=True,
    refined_package=True,
)


def _due(event: Event = VISIT, steps: EventSteps | None = None) -> dict[str, date | None]:
    return {d.key: d.due for d in event_duties(event, steps)}


def test_every_date_of_the_chain() -> None:
    steps = EventSteps(
        request_received={HEALTH: D("2026-05-04")},
        answered={HEALTH: D("2026-05-05")},
        returned={HEALTH: D("2026-05-06")},
    )
    due = _due(steps=steps)
    # ¶22 «кемінде екі ай бұрын»: 1 July − 2 months = Friday 1 May, a holiday → the previous
    # working day, Thursday 30 April.
    assert due["request"] == D("2026-04-30")
    # ¶23 «келіп түскен кезден бастап күнтізбелік жиырма күн ішінде»: received Monday 4 May
    # + 20 cd = Sunday 24 May → Friday 22 May. RAIL has not received it yet: undated.
    assert due[f"answer:{HEALTH}"] == D("2026-05-22")
    assert due[f"answer:{RAIL}"] is None
    # ¶23 rework «үш жұмыс күні ішінде» from the return's receipt, Wednesday 6 May:
    # 8 May (1; 7 May off), 12 May (2; 11 May off), 13 May (3).
    assert due[f"rework:{HEALTH}"] == D("2026-05-13")
    # ¶24 «кемінде күнтізбелік отыз күн бұрын»: 1 July − 30 cd = Monday 1 June, a working day.
    assert due["concept"] == D("2026-06-01")
    # ¶25 meeting 1 «бір жұмыс күні бұрын» the concept (not yet sent: its deadline):
    # Friday 29 May.
    assert due["meeting-1"] == D("2026-05-29")
    # ¶26 «кемінде он бес жұмыс күні бұрын», counted back from 1 July: 30, 29, 26, 25, 24,
    # 23, 22, 19, 18, 17, 16, 15, 12, 11, 10 June (15th) → Wednesday 10 June.
    assert due["package"] == D("2026-06-10")
    # ¶25 meeting 2 «екі жұмыс күні бұрын» the package: 9 June (1), 8 June (2).
    assert due["meeting-2"] == D("2026-06-08")
    # ¶26 part 2 «кемінде жеті жұмыс күні бұрын»: 30, 29, 26, 25, 24, 23, 22 June.
    assert due["refined"] == D("2026-06-22")
    # ¶29 «екі жұмыс күні ішінде» after L = Friday 3 July: 7 July (1; 6 July off), 8 July (2).
    assert due["agreements-to-mfa"] == D("2026-07-08")
    # ¶28 «үш жұмыс күні ішінде»: 7, 8, 9 July.
    assert due["records"] == D("2026-07-09")
    # ¶29-1 «бес жұмыс күні ішінде»: 7, 8, 9, 10, 13 July.
    assert due["aftermath"] == D("2026-07-13")


def test_meetings_follow_the_actual_submissions() -> None:
    # The concept went on Thursday 28 May: meeting 1 by Tuesday 26 May (27 May is Kurban ait).
    # The package went on Friday 5 June: meeting 2 by 4 June (1), 3 June (2).
    due = _due(steps=EventSteps(concept=D("2026-05-28"), package=D("2026-06-05")))
    assert due["meeting-1"] == D("2026-05-26")
    assert due["meeting-2"] == D("2026-06-03")


def test_next_working_day_reading() -> None:
    due = {d.key: d.due for d in event_duties(VISIT, None, DayOffShift.NEXT)}
    # 1 May 2026 (a holiday) → Monday 4 May (2–3 May are the weekend).
    assert due["request"] == D("2026-05-04")


def test_pa_set_answer_period_overrides_the_20_days() -> None:
    steps = EventSteps(
        request_received={HEALTH: D("2026-05-04")}, answers_due_by_pa=D("2026-05-15")
    )
    assert _due(steps=steps)[f"answer:{HEALTH}"] == D("2026-05-15")


def _fixed(day: str) -> Event:
    return Event(Level.HIGH, D("2026-07-01"), D("2026-07-01"), D(day), (HEALTH,))


def test_paragraph_27_reading_b() -> None:
    # ¶24's deadline is 1 June; 10 wd before it: 29, 28, 26, 25, 22, 21, 20, 19, 18, 15 May
    # (27 May off). A date fixed on 15 May is not late; fixed on 18 May it is (reading b).
    assert not special_periods(_fixed("2026-05-15"))
    late_fixed = _fixed("2026-05-18")
    assert special_periods(late_fixed)
    due = {d.key: d for d in event_duties(late_fixed)}
    # ¶24-26 are undated until PA sets their periods; ¶22-23 and after the event are not touched.
    assert due["concept"].due is None
    assert due["concept"].rule == "¶27"
    assert due["package"].due is None
    assert due["request"].due == D("2026-04-30")
    steps = EventSteps(pa_periods={"concept": D("2026-06-15"), "package": D("2026-06-22")})
    due = {d.key: d for d in event_duties(late_fixed, steps)}
    assert due["concept"].due == D("2026-06-15")
    assert due["meeting-1"].due == D("2026-06-12")
    assert due["package"].due == D("2026-06-22")
    # 19 June (1), 18 June (2).
    assert due["meeting-2"].due == D("2026-06-18")


def test_paragraph_27_periods_refused_for_an_event_fixed_in_time() -> None:
    with pytest.raises(EventError, match="¶27"):
        event_duties(VISIT, EventSteps(pa_periods={"concept": D("2026-06-15")}))


def test_only_high_level_events_are_governed() -> None:
    with pytest.raises(EventError, match="¶19"):
        Event(Level.INTERGOVERNMENTAL, D("2026-07-01"), D("2026-07-01"), D("2026-03-01"), (HEALTH,))


def test_agreements_to_mfa_only_when_mfa_was_absent() -> None:
    present = _fixed("2026-03-02")
    assert "agreements-to-mfa" not in _due(present)
    with pytest.raises(EventError, match="¶29"):
        event_duties(present, EventSteps(agreements_to_mfa=D("2026-07-02")))


def test_steps_out_of_order_are_refused() -> None:
    with pytest.raises(EventError, match="never received"):
        event_duties(VISIT, EventSteps(answered={HEALTH: D("2026-05-05")}))
    with pytest.raises(EventError, match="not an interested party"):
        event_duties(VISIT, EventSteps(request_received={p.MOJ: D("2026-05-05")}))
    with pytest.raises(EventError, match="precedes its last day"):
        event_duties(VISIT, EventSteps(records=D("2026-07-02")))


def test_late_and_done_states() -> None:
    duties = {d.key: d for d in event_duties(VISIT, EventSteps(request_sent=D("2026-05-05")))}
    assert duties["request"].state(D("2026-05-05")) is DutyState.DONE_LATE
    assert duties["concept"].state(D("2026-06-02")) is DutyState.LATE
    assert duties["concept"].state(D("2026-06-01")) is DutyState.DUE


def test_theses_initialled_on_every_page() -> None:
    assert ThesisDocument(HEALTH, 3, frozenset({1, 2, 3})).initialled_on_every_page()
    partial = ThesisDocument(HEALTH, 3, frozenset({1, 3}))
    assert not partial.initialled_on_every_page()
    assert partial.missing() == (2,)
    assert not ThesisDocument(HEALTH, 0, frozenset()).initialled_on_every_page()
