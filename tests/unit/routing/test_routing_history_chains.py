"""Point-in-time Rules for the chains of ¶10-14, ¶30-35 and ¶46-49 (routing.history).

The Kazakh text holds only the wording in force today; its «Ескерту» notes say when
each paragraph took it. A chain keeps the Rules in force on the day it started: under
an earlier wording a duty keeps no date (open, never late) and its note says why.
Each case is shown a day before and a day after the amendment, every date counted by
hand on the Kazakhstan calendar:

- 2016: Monday 18 January is a working day; 16-17 December (Independence Day, Friday
  and Saturday) carry Saturday's day off to Monday 19 December.
- 2019: Capital Day (Saturday 6 July) is carried to Monday 8 July.
- 2023: Unity Day Monday 1 May; Defender's Day (Sunday 7 May) carried to Monday 8 May;
  Victory Day Tuesday 9 May; nothing else in April or May.
- 2025: no day off between Orthodox Christmas (7 January) and 8 March.
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.agreements import (
    Agreement,
    AgreementError,
    AgreementEvents,
    Source,
    agreement_duties,
    go_summary_due,
    investment_report_due,
    next_calendar_duties,
    silent_consents,
)
from routing.decisions import Decision, DecisionEvents, decision_duties
from routing.duties import Duty, DutyState
from routing.history import HISTORY, as_of, paragraph
from routing.reporting import annual_report, consultation, event_report, meeting_report

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"


def _by_key(duties: tuple[Duty, ...]) -> dict[str, Duty]:
    return {d.key: d for d in duties}


def test_the_notes_of_chapters_2_4_and_6() -> None:
    """«12-тармақ жаңа редакцияда – … 13.04.2023 № 195»; «32-тармақ жаңа редакцияда – …
    03.07.2019 № 50»; ¶32-1 «…12.02.2025 … (06.01.2025 бастап қолданысқа енгізіледі)»;
    «Қағидалар 6-бөліммен толықтырылды - … 14.01.2016 № 175»."""
    assert HISTORY["¶10"].modelled_from == D("2010-08-12")
    assert HISTORY["¶11"].modelled_from == D("2013-04-17")
    assert {HISTORY[f"¶{n}"].modelled_from for n in (12, 13, 14, 33, 34, 35)} == {D("2023-04-13")}
    assert HISTORY["¶31"].modelled_from == HISTORY["¶32"].modelled_from == D("2019-07-03")
    assert HISTORY["¶32-1"].added == D("2019-07-03")
    assert HISTORY["¶32-1"].modelled_from == D("2025-01-06")  # before the decree's own date
    assert {HISTORY[f"¶{n}"].added for n in (46, 47, 48, 49)} == {D("2016-01-14")}
    assert paragraph("¶13(1)") == "¶13"
    assert paragraph("¶50 part 2") == "¶50"


def test_a_duty_under_an_earlier_wording_keeps_no_date_and_says_why() -> None:
    duty = Duty("to-go", p.MFA, (p.GO,), "¶12", "submit", due=D("2023-04-20"))
    kept = as_of(duty, D("2023-04-12"))
    assert kept.due is None
    assert kept.state(D("2030-01-01")) is DutyState.OPEN
    assert "13.04.2023" in kept.note
    assert "not modelled" in kept.note
    assert as_of(duty, D("2023-04-13")) == duty


# --- Chapter 2: ¶12-14 took their wording on 13.04.2023 ---

DECIDED = DecisionEvents(
    forwarded={HEALTH: D("2023-04-18")},
    agreed={HEALTH: {p.MOJ: D("2023-04-25")}},
    proposals={HEALTH: D("2023-04-26")},
    to_go=D("2023-05-02"),
    to_pa=D("2023-05-03"),
)


def _decision(received: str) -> dict[str, Duty]:
    decision = Decision(p.INTL_ORG, D(received), (HEALTH,), requires_president=True)
    return _by_key(decision_duties(decision, DECIDED))


def test_decision_received_before_13_april_2023_has_no_dates_for_12_to_14() -> None:
    """Received Wednesday 12 April 2023: ¶10-11 apply (in force since 2010 and 2013)."""
    duties = _decision("2023-04-12")
    # ¶10: 5 wd from Wed 12 April: 13, 14, 17, 18, 19 April.
    assert duties[f"forward:{HEALTH}"].due == D("2023-04-19")
    # ¶11: 15 wd from Tue 18 April: 19-21, 24-28 April, 2-5 May, 10, 11, 12 May (1, 8, 9 off).
    assert duties[f"proposals:{HEALTH}"].due == D("2023-05-12")
    for key in ("to-go", "to-pm", "to-pa", "pa-consider"):
        assert duties[key].due is None, key
        assert "13.04.2023" in duties[key].note, key


def test_decision_received_on_13_april_2023_runs_under_the_new_wording() -> None:
    duties = _decision("2023-04-13")
    # ¶10: 5 wd from Thu 13 April: 14, 17, 18, 19, 20 April.
    assert duties[f"forward:{HEALTH}"].due == D("2023-04-20")
    # ¶12: 10 wd from Wed 26 April: 27, 28 April, 2, 3, 4, 5, 10, 11, 12, 15 May.
    assert duties["to-go"].due == D("2023-05-15")
    # ¶13: 10 wd from Tue 2 May: 3, 4, 5, 10, 11, 12, 15, 16, 17, 18 May.
    assert duties["to-pm"].due == duties["to-pa"].due == D("2023-05-18")
    # ¶14: 10 wd from Wed 3 May: 4, 5, 10, 11, 12, 15, 16, 17, 18, 19 May.
    assert duties["pa-consider"].due == D("2023-05-19")
    assert all(d.note == "" for d in duties.values())


# --- Chapter 4: ¶31-32 from 03.07.2019, ¶32-1 from 06.01.2025, ¶33-35 from 13.04.2023 ---


def test_agreement_before_3_july_2019_has_no_silence_and_no_dates() -> None:
    agreement = Agreement(Source.REGISTERED, D("2019-07-02"), (HEALTH,))
    events = AgreementEvents(draft_received={HEALTH: D("2019-07-03")})
    duties = _by_key(agreement_duties(agreement, events))
    assert {
        duties[k].due for k in (f"proposals:{HEALTH}", f"consent:{HEALTH}", "submit-to-pa")
    } == {None}
    assert "03.07.2019" in duties["submit-to-pa"].note
    # ¶32-1 was not yet in the Rules on 2 July 2019.
    assert "entered the Rules on 03.07.2019" in duties["approval-sheet"].note
    assert silent_consents(agreement, events, D("2019-08-01")) == {}


def test_agreement_after_3_july_2019_counts_around_capital_day() -> None:
    """Event ended Wednesday 3 July 2019: Monday 8 July is Capital Day's carried day off."""
    agreement = Agreement(Source.REGISTERED, D("2019-07-03"), (HEALTH,))
    events = AgreementEvents(draft_received={HEALTH: D("2019-07-05")})
    duties = _by_key(agreement_duties(agreement, events))
    # ¶31: 2 wd: Thu 4, Fri 5 July.
    assert duties[f"proposals:{HEALTH}"].due == D("2019-07-05")
    # ¶32 consent: 2 wd from Fri 5 July: 9, 10 July (8 July off).
    assert duties[f"consent:{HEALTH}"].due == D("2019-07-10")
    # ¶32 submission: 7 wd: 4, 5, 9, 10, 11, 12, 15 July.
    assert duties["submit-to-pa"].due == D("2019-07-15")
    assert silent_consents(agreement, events, D("2019-07-11")) == {HEALTH: D("2019-07-10")}
    # ¶32-1 stood in the 2019 wording, not held in the text.
    assert duties["approval-sheet"].due is None
    assert "06.01.2025" in duties["approval-sheet"].note


@pytest.mark.parametrize(
    ("ended", "sent", "due"),
    [
        # Friday 3 January 2025 ended: before ¶32-1's wording (in force from 6 January).
        ("2025-01-03", "2025-01-10", None),
        # Monday 6 January: 3 wd from Friday 10 January: 13, 14, 15 January.
        ("2025-01-06", "2025-01-10", D("2025-01-15")),
    ],
)
def test_approval_sheet_follows_the_wording_in_force_from_6_january_2025(
    ended: str, sent: str, due: date | None
) -> None:
    agreement = Agreement(Source.PRESIDENT_MESSAGE, D(ended), (HEALTH,))
    duties = _by_key(agreement_duties(agreement, AgreementEvents(submitted_to_pa=D(sent))))
    assert duties["approval-sheet"].due == due


def test_calendar_deadlines_of_33_and_35_exist_from_13_april_2023() -> None:
    with pytest.raises(AgreementError, match=r"13\.04\.2023"):
        investment_report_due(2023, 1)  # 5 April 2023
    assert investment_report_due(2023, 2) == D("2023-07-05")  # Wednesday
    with pytest.raises(AgreementError, match=r"13\.04\.2023"):
        go_summary_due(2022)
    # Thursday 15 June and Friday 15 December 2023.
    assert go_summary_due(2023) == (D("2023-06-15"), D("2023-12-15"))


# --- Chapter 6: ¶46-49 entered the Rules on 14.01.2016 ---


def test_chapter_6_duties_before_and_after_14_january_2016() -> None:
    before = meeting_report(HEALTH, D("2016-01-13"), mfa_present=False)
    assert isinstance(before, Duty)
    assert before.due is None
    assert "entered the Rules on 14.01.2016" in before.note
    # ¶49: 5 wd from Thursday 14 January: 15, 18, 19, 20, 21 January.
    after = meeting_report(HEALTH, D("2016-01-14"), mfa_present=False)
    assert isinstance(after, Duty)
    assert after.due == D("2016-01-21")
    # ¶48: the last working day before Friday 15 January 2016.
    assert consultation(HEALTH, D("2016-01-13")).due is None  # type: ignore[union-attr]
    assert consultation(HEALTH, D("2016-01-15")).due == D("2016-01-14")  # type: ignore[union-attr]
    # ¶46(3): 7 wd from Thursday 14 January: 15, 18, 19, 20, 21, 22, 25 January.
    report = event_report(HEALTH, D("2016-01-14"), D("2016-01-15"))
    assert isinstance(report, Duty)
    assert report.due == D("2016-01-25")
    assert event_report(HEALTH, D("2016-01-12"), D("2016-01-15")).due is None  # type: ignore[union-attr]
    # ¶46(2): 20 December 2015 came before Chapter 6; Tuesday 20 December 2016 after it.
    assert annual_report(HEALTH, 2015).due is None  # type: ignore[union-attr]
    assert annual_report(HEALTH, 2016).due == D("2016-12-20")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("today", "investment", "summary"),
    [
        # Sunday 5 April 2026 → Friday 3 April; 15 June 2026 is a Monday.
        ("2026-04-03", ("investment-report:2026-Q1", "2026-04-03"), "2026-06-15"),
        # The day after: Q2's report, Sunday 5 July → Friday 3 July (Monday 6 July is Capital
        # Day).
        ("2026-04-04", ("investment-report:2026-Q2", "2026-07-03"), "2026-06-15"),
        # 16 December 2026 (Independence Day): Q4 by Tuesday 5 January 2027; Tuesday 15 June 2027.
        ("2026-12-16", ("investment-report:2026-Q4", "2027-01-05"), "2027-06-15"),
        # Before 13.04.2023 neither existed in the modelled wording: Q1 2023 (5 April) is no
        # deadline, Q2's is Wednesday 5 July 2023; GO's first is Thursday 15 June 2023.
        ("2023-01-10", ("investment-report:2023-Q2", "2023-07-05"), "2023-06-15"),
    ],
)
def test_the_next_fixed_dates_of_chapter_4(
    today: str, investment: tuple[str, str], summary: str
) -> None:
    report, go = next_calendar_duties(D(today))
    assert (report.key, report.due) == (investment[0], D(investment[1]))
    assert (report.rule, report.by, report.to) == ("¶33 part 2", p.MFA, (p.GO,))
    assert (go.rule, go.due, go.to) == ("¶35", D(summary), (p.PA,))
