"""Chapter 6 reporting (¶46, ¶48-49, ¶50): dates counted by hand on the 2026 calendar.

Days off used: 23-25 March (Nauryz), 7 May (Defender's Day), 11 May (Victory Day
carried over from Saturday 9 May); 20 December 2026 is a Sunday.
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.calendar import DayOffShift
from routing.duties import Duty
from routing.reporting import (
    AgencyStanding,
    Exemption,
    ReportingError,
    Subject,
    annual_report,
    consultation,
    event_report,
    meeting_report,
    mfa_overview,
)

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
POLICE = "AGENCY:MVD"


def _duty(item: Duty | Exemption | None) -> Duty:
    assert isinstance(item, Duty), item
    return item


def test_annual_report_by_20_december() -> None:
    # «20 желтоқсаннан кешіктірмей»: Sunday 20 December 2026 → Friday 18 December.
    assert _duty(annual_report(HEALTH, 2026)).due == D("2026-12-18")
    assert _duty(annual_report(HEALTH, 2026, DayOffShift.NEXT)).due == D("2026-12-21")
    assert _duty(annual_report(HEALTH, 2027)).due == D("2027-12-20")  # a Monday


def test_event_report_in_7_wd_from_the_events_end() -> None:
    # Friday 20 March 2026: 26, 27, 30, 31 March, 1, 2, 3 April.
    on_time = _duty(event_report(HEALTH, D("2026-03-20"), requested=D("2026-03-25")))
    assert on_time.due == D("2026-04-03")
    # MFA asks on 6 April, after that day: 7 wd from the request (7-10, 13-15 April).
    late_request = _duty(event_report(HEALTH, D("2026-03-20"), requested=D("2026-04-06")))
    assert late_request.due == D("2026-04-15")


def test_consultation_before_departure() -> None:
    # Leaving Thursday 26 March 2026: the last working day before is Friday 20 March.
    assert _duty(consultation(HEALTH, D("2026-03-26"))).due == D("2026-03-20")


def test_meeting_report_only_when_mfa_was_absent() -> None:
    # Wednesday 6 May 2026: 8, 12, 13, 14, 15 May.
    assert _duty(meeting_report(HEALTH, D("2026-05-06"), mfa_present=False)).due == D("2026-05-15")
    assert meeting_report(HEALTH, D("2026-05-06"), mfa_present=True) is None


def test_exemptions_carry_their_reason() -> None:
    investment = event_report(
        HEALTH, D("2026-03-20"), requested=D("2026-03-25"), subject=Subject.INVESTMENT
    )
    assert investment == Exemption(
        "event-report:2026-03-20",
        HEALTH,
        "¶50 part 2",
        "¶46 does not apply to the subject investment",
    )
    go = annual_report(p.GO, 2026)
    assert isinstance(go, Exemption)
    assert go.rule == "¶50 part 1"
    special = consultation(POLICE, D("2026-03-26"), special=True)
    assert isinstance(special, Exemption)
    assert special.rule == "¶50 part 3"
    special_meeting = meeting_report(POLICE, D("2026-05-06"), mfa_present=False, special=True)
    assert isinstance(special_meeting, Exemption)
    # ¶50 part 3 does not reach ¶46: a special body still reports its events.
    assert isinstance(event_report(POLICE, D("2026-03-20"), D("2026-03-25")), Duty)


def test_not_a_central_state_body_is_named() -> None:
    with pytest.raises(ReportingError, match="'NCE' is not a central state body"):
        annual_report(p.NCE, 2026)


def test_mfa_overview_per_agency() -> None:
    duties = [
        _duty(annual_report(HEALTH, 2026)),
        _duty(event_report(HEALTH, D("2026-03-20"), D("2026-03-25"), done=D("2026-04-06"))),
        _duty(consultation(POLICE, D("2026-03-26"), done=D("2026-03-19"))),
        _duty(meeting_report(POLICE, D("2026-05-06"), mfa_present=False)),
    ]
    assert mfa_overview(duties, D("2026-05-18")) == {
        HEALTH: AgencyStanding(due=1, late=0, received=1, received_late=1),
        POLICE: AgencyStanding(due=0, late=1, received=1, received_late=0),
    }
