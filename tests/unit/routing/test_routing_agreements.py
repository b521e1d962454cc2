"""Chapter 4 (¶30-35): agreements reached, consent by silence, the 7 wd to PA, the approval sheet.

Every date is counted by hand on the 2026 calendar: 23-25 March are Nauryz days off
(21-22 March fall on the weekend and are carried over), 7 May is Defender's Day,
Victory Day (Saturday 9 May) is carried to Monday 11 May, 6 July is Capital Day.
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.agreements import (
    APPROVAL_SHEET_STAMP,
    Agreement,
    AgreementError,
    AgreementEvents,
    InvestmentDeadline,
    Periodic,
    Source,
    agreement_duties,
    go_summary_due,
    investment_report_due,
    period_due,
    periods_due,
    refuse_extension,
    silent_consents,
)
from routing.calendar import DayOffShift
from routing.duties import DutyState, late

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
RAIL = "ORG:KTZ"
# Friday 20 March 2026: the visit abroad ended (the last day of a multi-day event counts).
AGREEMENT = Agreement(Source.JOINT_STATEMENT, D("2026-03-20"), (HEALTH, RAIL))


def _due(events: AgreementEvents | None = None) -> dict[str, date | None]:
    return {d.key: d.due for d in agreement_duties(AGREEMENT, events)}


def test_proposals_in_2_wd_and_pa_in_7_wd_skip_nauryz() -> None:
    due = _due()
    # «екі жұмыс күні ішінде»: 26 (1), 27 (2) March; 23-25 March are days off.
    assert due[f"proposals:{HEALTH}"] == D("2026-03-27")
    assert due[f"proposals:{RAIL}"] == D("2026-03-27")
    # «жеті жұмыс күні ішінде»: 26, 27, 30, 31 March, 1, 2, 3 April.
    assert due["submit-to-pa"] == D("2026-04-03")
    assert due[f"consent:{HEALTH}"] is None  # the draft has not reached it yet
    assert due["approval-sheet"] is None


def test_proposals_over_defenders_day_and_victory_day() -> None:
    # Wednesday 6 May 2026 → Friday 8 May (1), Tuesday 12 May (2): 7 and 11 May are days off.
    agreement = Agreement(Source.REGISTERED, D("2026-05-06"), (HEALTH,))
    due = {d.key: d.due for d in agreement_duties(agreement)}
    assert due[f"proposals:{HEALTH}"] == D("2026-05-12")


def test_silence_counts_as_consent_after_the_second_working_day() -> None:
    events = AgreementEvents(
        draft_received={HEALTH: D("2026-03-26"), RAIL: D("2026-03-26")},
        answered={RAIL: D("2026-03-27")},
    )
    # Received Thursday 26 March: 27 (1), 30 (2) March.
    assert _due(events)[f"consent:{HEALTH}"] == D("2026-03-30")
    assert silent_consents(AGREEMENT, events, D("2026-03-30")) == {}
    assert silent_consents(AGREEMENT, events, D("2026-03-31")) == {HEALTH: D("2026-03-30")}
    recorded = AgreementEvents(
        draft_received=events.draft_received,
        answered=events.answered,
        deemed_agreed={HEALTH: D("2026-03-30")},
    )
    assert silent_consents(AGREEMENT, recorded, D("2026-04-10")) == {}
    duty = next(d for d in agreement_duties(AGREEMENT, recorded) if d.key == f"consent:{HEALTH}")
    assert duty.state(D("2026-04-10")) is DutyState.DONE


def test_silence_is_recorded_only_on_the_day_the_window_closed() -> None:
    events = AgreementEvents(
        draft_received={HEALTH: D("2026-03-26")}, deemed_agreed={HEALTH: D("2026-03-27")}
    )
    with pytest.raises(AgreementError, match="2026-03-30"):
        agreement_duties(AGREEMENT, events)


def test_a_written_answer_and_silence_cannot_both_be_recorded() -> None:
    events = AgreementEvents(
        draft_received={HEALTH: D("2026-03-26")},
        answered={HEALTH: D("2026-03-27")},
        deemed_agreed={HEALTH: D("2026-03-30")},
    )
    with pytest.raises(AgreementError, match="answered in writing"):
        agreement_duties(AGREEMENT, events)


def test_approval_sheet_in_3_wd_of_pa_receipt_and_late_after() -> None:
    events = AgreementEvents(submitted_to_pa=D("2026-04-02"))
    # Thursday 2 April: 3 (1), 6 (2), 7 (3) April.
    assert _due(events)["approval-sheet"] == D("2026-04-07")
    assert [d.key for d in late(agreement_duties(AGREEMENT, events), D("2026-04-08"))] == [
        f"proposals:{HEALTH}",
        f"proposals:{RAIL}",
        "approval-sheet",
    ]
    assert APPROVAL_SHEET_STAMP == "Электрондық құжаттың көшірмесі дұрыс"


def test_the_7_wd_are_never_extended() -> None:
    with pytest.raises(AgreementError, match="cannot be extended"):
        refuse_extension()


def test_progress_reports_by_the_control_assignments_dates() -> None:
    events = AgreementEvents(
        control_dates={HEALTH: D("2026-06-01")}, progress_reported={HEALTH: D("2026-06-02")}
    )
    duty = next(d for d in agreement_duties(AGREEMENT, events) if d.key == f"progress:{HEALTH}")
    assert duty.rule == "¶33"
    assert duty.state(D("2026-06-03")) is DutyState.DONE_LATE


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: Agreement(Source.REGISTERED, D("2026-03-20"), ()), "at least one"),
        (lambda: Agreement(Source.REGISTERED, D("2026-03-20"), (p.MFA,)), "other than MFA"),
        (lambda: Agreement(Source.REGISTERED, D("2026-03-20"), ("EEC",)), "'EEC'"),
        (
            lambda: agreement_duties(
                AGREEMENT, AgreementEvents(proposals={"AGENCY:OTHER": D("2026-03-23")})
            ),
            "AGENCY:OTHER is not an interested party",
        ),
        (
            lambda: agreement_duties(AGREEMENT, AgreementEvents(submitted_to_pa=D("2026-03-19"))),
            "precedes",
        ),
    ],
)
def test_bad_input_is_named(bad, message: str) -> None:
    with pytest.raises(AgreementError, match=message):
        bad()


@pytest.mark.parametrize(
    ("year", "quarter", "reading", "shift", "expected"),
    [
        # Sunday 5 April 2026 → Friday 3 April, or Monday 6 April.
        (2026, 1, InvestmentDeadline.INCLUSIVE, DayOffShift.PREVIOUS, "2026-04-03"),
        (2026, 1, InvestmentDeadline.INCLUSIVE, DayOffShift.NEXT, "2026-04-06"),
        # Sunday 5 July 2026 → Friday 3 July, or Tuesday 7 July (6 July is Capital Day).
        (2026, 2, InvestmentDeadline.INCLUSIVE, DayOffShift.PREVIOUS, "2026-07-03"),
        (2026, 2, InvestmentDeadline.INCLUSIVE, DayOffShift.NEXT, "2026-07-07"),
        # Q4 2026: Tuesday 5 January 2027 is a working day.
        (2026, 4, InvestmentDeadline.INCLUSIVE, DayOffShift.PREVIOUS, "2027-01-05"),
        # "before the 5th": Monday 4 January 2027 is New Year's 2 Jan carried over →
        # Thursday 31 December 2026 (1 January 2027 is a holiday).
        (2026, 4, InvestmentDeadline.EXCLUSIVE, DayOffShift.PREVIOUS, "2026-12-31"),
        (2026, 3, InvestmentDeadline.INCLUSIVE, DayOffShift.PREVIOUS, "2026-10-05"),
    ],
)
def test_quarterly_investment_report(
    year: int, quarter: int, reading: InvestmentDeadline, shift: DayOffShift, expected: str
) -> None:
    assert investment_report_due(year, quarter, reading, shift) == D(expected)


def test_quarter_out_of_range_is_named() -> None:
    with pytest.raises(AgreementError, match="quarter: 5"):
        investment_report_due(2026, 5)


def test_go_summary_by_15_june_and_15_december() -> None:
    assert go_summary_due(2026) == (D("2026-06-15"), D("2026-12-15"))
    # Sunday 15 June 2025 → Friday 13 June (default), Monday 16 June (next).
    assert go_summary_due(2025) == (D("2025-06-13"), D("2025-12-15"))
    assert go_summary_due(2025, DayOffShift.NEXT)[0] == D("2025-06-16")


def test_consolidated_report_by_the_date_of_gos_control_assignment() -> None:
    assert "consolidated" not in _due()  # no control date recorded: no duty yet
    events = AgreementEvents(consolidated_control=D("2026-06-15"))
    (duty,) = [d for d in agreement_duties(AGREEMENT, events) if d.key == "consolidated"]
    assert (duty.by, duty.to, duty.rule, duty.due) == (p.MFA, (p.GO,), "¶34", D("2026-06-15"))
    with pytest.raises(AgreementError, match="record that date first"):
        agreement_duties(AGREEMENT, AgreementEvents(consolidated=D("2026-06-10")))


def test_periods_of_the_fixed_date_reports() -> None:
    # Q4 2025: 5 January 2026, a Monday (1-2 January the days off); H1 2025: Sunday 15 June
    # → Friday 13 June 2025.
    assert period_due(Periodic.INVESTMENT, 2025, 4) == D("2026-01-05")
    assert period_due(Periodic.GO_SUMMARY, 2025, 1) == D("2025-06-13")
    with pytest.raises(AgreementError, match="half: 3"):
        period_due(Periodic.GO_SUMMARY, 2026, 3)
    # From 1 June 2026 to 20 June 2026: H1 2026 (15 June), then the next, H2 (15 December).
    assert periods_due(Periodic.GO_SUMMARY, D("2026-06-01"), D("2026-06-20")) == [
        (2026, 1, D("2026-06-15")),
        (2026, 2, D("2026-12-15")),
    ]
