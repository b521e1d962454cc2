"""Rule files on a real database: an agreement reached (Ch.4) and a decision file (Ch.2),
each chain end to end, with every deadline counted by hand from the Kazakh text.

The 2026 calendar: 23-25 March are Nauryz days off (21-22 March fall on the weekend
and are carried over), 1 May, 7 May, 11 May (Victory Day carried from Saturday 9
May) and 27 May (Kurban ait) are days off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.permissions import Principal
from registry.services import rule_files
from registry.services.custody import letter_entries
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound
from registry.services.unit_of_work import act
from routing.duties import DutyState

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
ECON = "AGENCY:MINECON"


def _due(view: rule_files.FileView) -> dict[str, date | None]:
    return {d.key: d.due for d in view.duties}


def _people(principal: Callable[[str], Principal]) -> tuple[Principal, Principal, Principal]:
    """MFA's clerk and the officers of MINHEALTH and MINECON."""
    return principal("clerk.mfa"), principal("officer.minhealth"), principal("officer.minecon")


def _actions(session: Session, number: str) -> list[str]:
    """The custody log's actions for the file, decoded from the stored leaves."""
    return [decode_leaf(leaf).action for _index, leaf in letter_entries(session, number)]


def test_agreement_chain_with_consent_by_silence(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health, econ = _people(principal)
    file = act(
        rule_files.open_file,
        service_session,
        mfa,
        "agreement",
        "Joint statement of the state visit",
        {"source": "joint-statement", "event_ended": "2026-03-20", "interested": [HEALTH, ECON]},
    )
    number = file.number
    assert number.startswith("AGR-2026-")
    view = rule_files.get_file(service_session, health, number)
    # ¶31 «екі жұмыс күні ішінде» from Friday 20 March: 26, 27 March (23-25 off).
    assert _due(view)[f"proposals:{HEALTH}"] == D("2026-03-27")
    # ¶32 «жеті жұмыс күні ішінде»: 26, 27, 30, 31 March, 1, 2, 3 April.
    assert _due(view)["submit-to-pa"] == D("2026-04-03")

    act(
        rule_files.record_event,
        service_session,
        health,
        number,
        f"proposals:{HEALTH}",
        D("2026-03-26"),
    )
    act(
        rule_files.record_event, service_session, econ, number, f"proposals:{ECON}", D("2026-03-27")
    )
    for body in (HEALTH, ECON):
        act(rule_files.record_event, service_session, mfa, number, f"draft:{body}", D("2026-03-26"))
    view = act(
        rule_files.record_event, service_session, econ, number, f"consent:{ECON}", D("2026-03-27")
    )
    # Draft received Thursday 26 March: 27 (1), 30 (2) March.
    assert _due(view)[f"consent:{HEALTH}"] == D("2026-03-30")

    # The job on the last day of the window records nothing; the next day, HEALTH's silence.
    assert act(rule_files.record_silences, service_session, D("2026-03-30")) == []
    assert act(rule_files.record_silences, service_session, D("2026-03-31")) == [
        (number, HEALTH, D("2026-03-30"))
    ]
    assert act(rule_files.record_silences, service_session, D("2026-04-01")) == []
    view = rule_files.get_file(service_session, mfa, number)
    consent = next(d for d in view.duties if d.key == f"consent:{HEALTH}")
    assert consent.done == D("2026-03-30")
    assert view.events[f"silence:{HEALTH}"] == D("2026-03-30")
    with pytest.raises(Invalid, match="answered in writing"):
        act(
            rule_files.record_event,
            service_session,
            health,
            number,
            f"consent:{HEALTH}",
            D("2026-03-31"),
        )

    view = act(
        rule_files.record_event, service_session, mfa, number, "submit-to-pa", D("2026-04-02")
    )
    # ¶32-1 «үш жұмыс күні ішінде» from Thursday 2 April: 3, 6, 7 April.
    assert _due(view)["approval-sheet"] == D("2026-04-07")
    view = act(
        rule_files.record_event, service_session, mfa, number, "approval-sheet", D("2026-04-07")
    )
    assert all(d.state(D("2026-04-08")) is DutyState.DONE for d in view.duties)
    assert _actions(service_session, number) == [
        "file:opened",
        *["file:event-recorded"] * 5,
        "file:deemed-agreed",
        "file:event-recorded-refused",
        "file:event-recorded",
        "file:event-recorded",
    ]


def test_agreement_refusals(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    with pytest.raises(Forbidden):
        act(
            rule_files.open_file,
            service_session,
            health,
            "agreement",
            "x",
            {"source": "joint-statement", "event_ended": "2026-03-20", "interested": [HEALTH]},
        )
    with pytest.raises(Invalid, match="source: not one of"):
        act(rule_files.open_file, service_session, mfa, "agreement", "x", {"source": "rumour"})
    with pytest.raises(Invalid, match="event_ended: not a date"):
        act(
            rule_files.open_file,
            service_session,
            mfa,
            "agreement",
            "x",
            {"source": "registered", "event_ended": "20.03.2026", "interested": [HEALTH]},
        )
    number = act(
        rule_files.open_file,
        service_session,
        mfa,
        "agreement",
        "Memorandum",
        {"source": "results-document", "event_ended": "2026-03-20", "interested": [HEALTH]},
    ).number
    with pytest.raises(Forbidden, match="only MFA records"):
        act(
            rule_files.record_event,
            service_session,
            health,
            number,
            "submit-to-pa",
            D("2026-03-26"),
        )
    with pytest.raises(Forbidden, match="registry itself"):
        act(
            rule_files.record_event,
            service_session,
            mfa,
            number,
            f"silence:{HEALTH}",
            D("2026-03-30"),
        )
    with pytest.raises(Invalid, match="no step 'extension'"):
        act(rule_files.record_event, service_session, mfa, number, "extension", D("2026-03-26"))
    with pytest.raises(NotFound):
        rule_files.get_file(service_session, principal("officer.minecon"), number)
    act(rule_files.record_event, service_session, mfa, number, "submit-to-pa", D("2026-03-27"))
    with pytest.raises(Conflict, match="already recorded"):
        act(rule_files.record_event, service_session, mfa, number, "submit-to-pa", D("2026-03-30"))


def test_decision_chain_end_to_end(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    (mfa, health, econ), moj = _people(principal), principal("officer.moj")
    number = act(
        rule_files.open_file,
        service_session,
        mfa,
        "decision",
        "WHO resolution WHA79.1",
        {
            "organisation": "INTL_ORG",
            "received": "2026-03-18",
            "competent": [HEALTH, ECON],
            "needs_budget": True,
            "requires_president": True,
        },
    ).number
    assert number.startswith("DEC-2026-")
    # ¶10 «бес жұмыс күні ішінде» from Wednesday 18 March: 19, 20, 26, 27, 30 March.
    assert _due(rule_files.get_file(service_session, econ, number))[f"forward:{HEALTH}"] == D(
        "2026-03-30"
    )
    act(rule_files.record_event, service_session, mfa, number, f"forward:{HEALTH}", D("2026-03-20"))
    view = act(
        rule_files.record_event, service_session, mfa, number, f"forward:{ECON}", D("2026-03-19")
    )
    # ¶11 15 wd from Friday 20 March: 26, 27, 30, 31 Mar, 1-3, 6-10, 13-15 April.
    assert _due(view)[f"proposals:{HEALTH}"] == D("2026-04-15")
    assert _due(view)[f"proposals:{ECON}"] == D("2026-04-14")
    with pytest.raises(Invalid, match="not agreed with MOJ"):
        act(
            rule_files.record_event,
            service_session,
            health,
            number,
            f"proposals:{HEALTH}",
            D("2026-04-10"),
        )
    for who, body in ((health, HEALTH), (econ, ECON)):
        act(
            rule_files.record_event,
            service_session,
            moj,
            number,
            f"agreed:{body}:MOJ",
            D("2026-04-08"),
        )
        act(
            rule_files.record_event,
            service_session,
            who,
            number,
            f"agreed:{body}:BUDGET_AUTHORITY",
            D("2026-04-09"),
        )
    act(
        rule_files.record_event, service_session, econ, number, f"proposals:{ECON}", D("2026-04-10")
    )
    view = act(
        rule_files.record_event,
        service_session,
        health,
        number,
        f"proposals:{HEALTH}",
        D("2026-04-14"),
    )
    # ¶12 10 wd from the last proposals (Tuesday 14 April): 15-17, 20-24, 27, 28 April.
    assert _due(view)["to-go"] == D("2026-04-28")
    view = act(rule_files.record_event, service_session, mfa, number, "to-go", D("2026-04-28"))
    # ¶13 10 wd from 28 April: 29, 30 April, 4-6, 8, 12-15 May (1, 7, 11 May off).
    assert _due(view)["to-pm"] == D("2026-05-15")
    assert _due(view)["to-pa"] == D("2026-05-15")
    act(rule_files.record_event, service_session, mfa, number, "to-pm", D("2026-05-14"))
    view = act(rule_files.record_event, service_session, mfa, number, "to-pa", D("2026-05-14"))
    # ¶14 10 wd from 14 May: 15, 18-22, 25, 26, 28, 29 May (27 May Kurban ait).
    assert _due(view)["pa-consider"] == D("2026-05-29")
    late = [d.key for d in view.duties if d.state(D("2026-06-01")) is DutyState.LATE]
    assert late == ["pa-consider"]


def test_eec_decision_under_the_interaction_procedure_has_no_deadlines(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa = principal("clerk.mfa")
    file = act(
        rule_files.open_file,
        service_session,
        mfa,
        "decision",
        "EEC Council decision",
        {
            "organisation": "EEC",
            "received": "2026-03-18",
            "competent": [ECON],
            "interaction_procedure": True,
        },
    )
    assert rule_files.get_file(service_session, mfa, file.number).duties == ()


def test_reports_to_mfa_and_the_overview(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health, econ = _people(principal)
    # ¶46(2) «20 желтоқсаннан кешіктірмей»: Sunday 20 December 2026 → Friday 18 December.
    annual = act(
        rule_files.open_file,
        service_session,
        health,
        "report",
        "Annual report 2026",
        {"type": "annual", "body": HEALTH, "year": 2026},
    )
    assert _due(rule_files.get_file(service_session, mfa, annual.number)) == {
        "annual:2026": D("2026-12-18")
    }
    # ¶46(3), MFA's request: 7 wd from Friday 20 March: 26, 27, 30, 31 March, 1-3 April.
    event = act(
        rule_files.open_file,
        service_session,
        mfa,
        "report",
        "Event report",
        {"type": "event", "body": ECON, "event_ended": "2026-03-20", "requested": "2026-03-23"},
    )
    assert _due(rule_files.get_file(service_session, econ, event.number)) == {
        "event-report:2026-03-20": D("2026-04-03")
    }
    # ¶49: 5 wd after Wednesday 6 May: 8, 12, 13, 14, 15 May.
    meeting = act(
        rule_files.open_file,
        service_session,
        health,
        "report",
        "Meeting with a visiting delegation",
        {"type": "meeting", "body": HEALTH, "meeting_day": "2026-05-06"},
    )
    assert _due(rule_files.get_file(service_session, mfa, meeting.number)) == {
        "meeting-report:2026-05-06": D("2026-05-15")
    }
    # ¶50: investment is exempt from ¶46 — kept with its reason, never dropped.
    exempt = act(
        rule_files.open_file,
        service_session,
        mfa,
        "report",
        "Investment forum",
        {
            "type": "event",
            "body": ECON,
            "event_ended": "2026-03-20",
            "requested": "2026-03-23",
            "subject": "investment",
        },
    )
    view = rule_files.get_file(service_session, mfa, exempt.number)
    assert view.duties == ()
    assert view.exemption is not None
    assert view.exemption.rule == "¶50 part 2"
    with pytest.raises(NotFound):  # another agency's report is out of its scope
        act(
            rule_files.record_event,
            service_session,
            health,
            event.number,
            "event-report:2026-03-20",
            D("2026-04-02"),
        )
    with pytest.raises(Forbidden, match="only AGENCY:MINECON records"):
        act(
            rule_files.record_event,
            service_session,
            mfa,
            event.number,
            "event-report:2026-03-20",
            D("2026-04-02"),
        )
    act(
        rule_files.record_event,
        service_session,
        econ,
        event.number,
        "event-report:2026-03-20",
        D("2026-04-06"),
    )
    with pytest.raises(Forbidden, match="opened by MFA or by the body"):
        act(
            rule_files.open_file,
            service_session,
            econ,
            "report",
            "x",
            {"type": "annual", "body": HEALTH, "year": 2026},
        )
    with pytest.raises(Invalid, match="not a central state body"):
        act(
            rule_files.open_file,
            service_session,
            mfa,
            "report",
            "x",
            {"type": "annual", "body": "NCE", "year": 2026},
        )
    standing, exemptions = rule_files.reports_overview(service_session, mfa, D("2026-05-18"))
    assert standing[HEALTH].late == 1  # the meeting report
    assert standing[HEALTH].due == 1  # the annual report
    assert standing[ECON].received_late == 1
    assert [e.reason for e in exemptions] == ["¶46 does not apply to the subject investment"]
    own, _ = rule_files.reports_overview(service_session, econ, D("2026-05-18"))
    assert set(own) == {ECON}
