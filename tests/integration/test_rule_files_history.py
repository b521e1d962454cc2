"""Rule files keep the Rules in force when their chain started (routing.history), on a real
database and over the API; and the steps the other chain tests leave out (¶33, ¶48).

Dates counted by hand: 2019 — Capital Day (Saturday 6 July) carried to Monday 8 July;
2026 — 23-25 March Nauryz days off, 1 May Unity Day, 7 May Defender's Day, Victory Day
carried from Saturday 9 May to Monday 11 May.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services import rule_files
from registry.services.deadlines import today_kz
from registry.services.unit_of_work import act
from routing.agreements import next_calendar_duties
from routing.duties import DutyState

from .web_fixtures import api_token  # noqa: F401 -- fixture

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"


def _agreement(session: Session, mfa: Principal, ended: str) -> str:
    facts = {"source": "registered", "event_ended": ended, "interested": [HEALTH]}
    return act(rule_files.open_file, session, mfa, "agreement", "Visit", facts).number


def test_an_agreement_before_and_after_decree_no_50(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    """¶31-32 took their wording (proposals in 2 wd, silence as consent, 7 wd to PA) on
    03.07.2019: an event that ended on 2 July keeps the earlier, unmodelled wording."""
    mfa = principal("clerk.mfa")
    before = _agreement(service_session, mfa, "2019-07-02")
    after = _agreement(service_session, mfa, "2019-07-03")
    for number in (before, after):
        act(
            rule_files.record_event,
            service_session,
            mfa,
            number,
            f"draft:{HEALTH}",
            D("2019-07-05"),
        )
    # Only the chain under the new wording counts silence: 2 wd from Friday 5 July are 9, 10 July.
    assert act(rule_files.record_silences, service_session, D("2019-07-11")) == [
        (after, HEALTH, D("2019-07-10"))
    ]
    old = {d.key: d for d in rule_files.get_file(service_session, mfa, before).duties}
    new = {d.key: d for d in rule_files.get_file(service_session, mfa, after).duties}
    assert old["submit-to-pa"].due is None
    assert old["submit-to-pa"].state(D("2030-01-01")) is DutyState.OPEN
    assert "03.07.2019" in old["submit-to-pa"].note
    # ¶32: 7 wd from Wednesday 3 July: 4, 5, 9, 10, 11, 12, 15 July (8 July off).
    assert new["submit-to-pa"].due == D("2019-07-15")
    assert new["submit-to-pa"].note == ""
    # ¶32-1's wording in force from 06.01.2025: neither chain has its 3 wd.
    assert "06.01.2025" in new["approval-sheet"].note


def test_the_api_says_why_a_duty_has_no_date(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    client = app.test_client()
    mfa = api_token("clerk.mfa")
    opened = client.post(
        "/api/v1/files",
        headers=mfa,
        json={
            "kind": "decision",
            "title": "A recommendation received before Decree No. 195",
            "facts": {
                "organisation": "INTL_ORG",
                "received": "2023-04-12",
                "competent": [HEALTH],
            },
        },
    )
    assert opened.status_code == 201, opened.get_json()
    duties = {d["key"]: d for d in opened.get_json()["duties"]}
    # ¶10: 5 wd from Wednesday 12 April 2023: 13, 14, 17, 18, 19 April.
    assert duties[f"forward:{HEALTH}"]["due"] == "2023-04-19"
    assert duties[f"forward:{HEALTH}"]["note"] == ""
    assert duties["to-go"]["due"] is None
    assert "13.04.2023" in duties["to-go"]["note"]


def test_progress_reports_by_gos_control_dates_and_a_consultation(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    number = _agreement(service_session, mfa, "2026-03-20")
    # ¶33: GO's control assignment dates MINHEALTH's progress report Friday 15 May 2026.
    view = act(
        rule_files.record_event, service_session, mfa, number, f"control:{HEALTH}", D("2026-05-15")
    )
    progress = next(d for d in view.duties if d.key == f"progress:{HEALTH}")
    assert (progress.rule, progress.due) == ("¶33", D("2026-05-15"))
    view = act(
        rule_files.record_event,
        service_session,
        health,
        number,
        f"progress:{HEALTH}",
        D("2026-05-18"),
    )
    progress = next(d for d in view.duties if d.key == f"progress:{HEALTH}")
    assert progress.state(D("2026-05-18")) is DutyState.DONE_LATE

    # ¶48 «кеткенге дейін»: departing Thursday 26 March, the last working day before is
    # Friday 20 March (23-25 March are Nauryz days off).
    consultation = act(
        rule_files.open_file,
        service_session,
        health,
        "report",
        "Delegation to Geneva",
        {"type": "consultation", "body": HEALTH, "departure": "2026-03-26"},
    )
    view = rule_files.get_file(service_session, mfa, consultation.number)
    assert [(d.rule, d.due) for d in view.duties] == [("¶48", D("2026-03-20"))]


def test_the_reports_overview_shows_the_next_fixed_dates_of_chapter_4(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    login: Callable[[str], FlaskClient],
) -> None:
    today = today_kz()
    expected = [(d.rule, d.due.isoformat()) for d in next_calendar_duties(today) if d.due]
    overview = app.test_client().get("/api/v1/reports/overview", headers=api_token("clerk.mfa"))
    calendar = overview.get_json()["calendar"]
    assert [(d["rule"], d["due"]) for d in calendar] == expected
    assert [d["rule"] for d in calendar] == ["¶33 part 2", "¶35"]
    page = login("clerk.mfa").get("/reports").get_data(as_text=True)
    for _rule, due in expected:
        assert due in page
