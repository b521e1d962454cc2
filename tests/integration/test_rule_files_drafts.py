"""Draft decisions (¶8, ¶8-2, ¶14-1), MFA's consolidated report (¶34) and the fixed-date
reports tracked per period (¶33 part 2, ¶35), on a real database, end to end.

Drafts have no deadline in the Rules (¶8 «No deadlines»; ¶8-1 leaves EEC drafts to
the Government's interaction procedure): every approver's duty stays undated.

The 2025-2026 calendar used by the hand counts: 1-2 January 2026 (Thursday, Friday) are
New Year days off; 6 July is Capital Day; 16 December Independence Day. No transfer
of days off in 2026 (routing.calendar_data). A date on a day off moves to the previous
working day (RULES.md's proposed default).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import User
from registry.permissions import Principal, Role
from registry.services import periodic_reports, pki, rule_files
from registry.services.custody import letter_entries
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.setup import ensure_user
from registry.services.unit_of_work import act
from routing.agreements import Periodic
from routing.duties import DutyState
from signing.records import RecordKind, build_record
from signing.sign import sign_record

from .conftest import PASSWORD, SIGNING_PASSPHRASE

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
ECON = "AGENCY:MINECON"


def _officer(session: Session, agency: str) -> Principal:
    """An officer of a body the demo has nobody for (MTI, the NCE)."""
    user, _new = ensure_user(
        session,
        username=f"officer.{agency.lower()}",
        full_name=f"Officer of {agency}",
        role=Role.AGENCY_OFFICER,
        password=PASSWORD,
        agency_code=agency,
    )
    return Principal.of(user)


def _actions(session: Session, number: str) -> list[str]:
    return [decode_leaf(leaf).action for _index, leaf in letter_entries(session, number)]


def _econ_signs(session: Session, xml: bytes) -> bytes:
    user = session.scalar(select(User).where(User.username == "officer.minecon"))
    assert user is not None
    unlocked = pki.unlock_signing_key(user, SIGNING_PASSPHRASE)
    return sign_record(xml, unlocked.key, unlocked.certificate)


def test_eec_draft_agreed_only_when_every_approver_agreed(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    health, econ, mfa, moj = (
        principal("officer.minhealth"),
        principal("officer.minecon"),
        principal("clerk.mfa"),
        principal("officer.moj"),
    )
    mti, nce = _officer(s, "MTI"), _officer(s, "NCE")
    file = act(
        rule_files.open_file,
        s,
        health,
        "draft",
        "Draft EEC decision on the labelling of medicines",
        {
            "organisation": "EEC",
            "received": "2026-03-18",
            "interested": [ECON],
            "needs_budget": True,
            "touches_business": True,
            "interaction_procedure": True,
        },
    )
    number = file.number
    assert number.startswith("DRF-2026-")
    assert file.facts["lead"] == HEALTH  # ¶9: the opener's body runs the agreement
    view = rule_files.get_file(s, econ, number)
    # Whose agreement, with the ¶ requiring it; none dated (the Rules set no deadline).
    assert {d.by: d.rule for d in view.duties} == {
        ECON: "¶8",
        "MFA": "¶8 (foreign-policy expediency)",
        "MTI": "¶8 part 2",
        "MOJ": "¶8 part 2",
        "NCE": "¶8-2",
        "BUDGET_COMMISSION": "¶8",
    }
    assert all(d.due is None and d.state(D("2030-01-01")) is DutyState.OPEN for d in view.duties)
    assert view.agreed is False

    # Each approver's pending agreement is in its inbox, undated; the Budget Commission's
    # is the lead's to record (it is not a user of the registry).
    owed = rule_files.owed(s, econ, D("2026-03-20"), 2)
    assert [(o.file.number, o.duty.key, o.overdue) for o in owed] == [
        (number, f"agree:{ECON}", False)
    ]
    assert [o.duty.key for o in rule_files.owed(s, health, D("2026-03-20"), 2)] == [
        "agree:BUDGET_COMMISSION"
    ]

    # MINECON objects with a signed record, then agrees the revised draft.
    record = build_record(
        RecordKind.DRAFT,
        file_number=number,
        key=f"objection:{ECON}",
        rule="¶8",
        day=D("2026-03-20"),
        by=ECON,
        body="Ұлттық экономика министрлігінің ескертулері.",
    )
    signed = _econ_signs(s, record)
    view = act(
        rule_files.record_event, s, econ, number, f"objection:{ECON}", D("2026-03-20"), signed
    )
    assert view.file.events[-1].sha256 is not None
    assert view.agreed is False
    with pytest.raises(Forbidden, match="only AGENCY:MINECON"):
        act(rule_files.record_event, s, health, number, f"agree:{ECON}", D("2026-03-26"))
    for who, key, day in (
        (econ, f"agree:{ECON}", "2026-03-27"),
        (mfa, "agree:MFA", "2026-03-27"),
        (mti, "agree:MTI", "2026-03-30"),
        (moj, "agree:MOJ", "2026-03-30"),
        (health, "agree:BUDGET_COMMISSION", "2026-04-01"),
    ):
        view = act(rule_files.record_event, s, who, number, key, D(day))
        assert view.agreed is False
    # An objection after one's agreement cannot be.
    with pytest.raises(Invalid, match="objections cannot follow"):
        act(rule_files.record_event, s, mfa, number, "objection:MFA", D("2026-03-31"))
    view = act(rule_files.record_event, s, nce, number, "agree:NCE", D("2026-04-02"))
    assert view.agreed is True
    assert rule_files.owed(s, nce, D("2026-04-03"), 2) == []
    assert _actions(s, number) == [
        "file:opened",
        "file:event-recorded",
        "file:event-recorded-refused",
        *["file:event-recorded"] * 5,
        "file:event-recorded-refused",
        "file:event-recorded",
    ]


def test_draft_refusals(service_session: Session, principal: Callable[[str], Principal]) -> None:
    s, health = service_session, principal("officer.minhealth")
    facts = {"organisation": "INTL_ORG", "received": "2026-03-18", "interested": [ECON]}
    with pytest.raises(Invalid, match="touches_business: ¶8-2 concerns EEC drafts only"):
        act(rule_files.open_file, s, health, "draft", "x", {**facts, "touches_business": True})
    with pytest.raises(Invalid, match="runs the agreement"):
        act(rule_files.open_file, s, health, "draft", "x", {**facts, "interested": [HEALTH]})
    with pytest.raises(Forbidden):
        act(rule_files.open_file, s, principal("auditor"), "draft", "x", facts)
    number = act(rule_files.open_file, s, health, "draft", "WTO-free draft", facts).number
    view = rule_files.get_file(s, health, number)
    # A draft of any other organisation: the interested bodies and MFA only (¶8).
    assert {d.by for d in view.duties} == {ECON, "MFA"}
    with pytest.raises(Invalid, match="no step 'agree:MTI'"):
        act(rule_files.record_event, s, health, number, "agree:MTI", D("2026-03-20"))
    act(
        rule_files.record_event,
        s,
        principal("officer.minecon"),
        number,
        f"agree:{ECON}",
        D("2026-03-20"),
    )
    with pytest.raises(Conflict, match="already recorded"):
        act(
            rule_files.record_event,
            s,
            principal("officer.minecon"),
            number,
            f"agree:{ECON}",
            D("2026-03-26"),
        )


def test_consolidated_report_by_the_control_assignment_date(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s, mfa, health = service_session, principal("clerk.mfa"), principal("officer.minhealth")
    number = act(
        rule_files.open_file,
        s,
        mfa,
        "agreement",
        "Memorandum on health cooperation",
        {"source": "results-document", "event_ended": "2026-03-20", "interested": [HEALTH]},
    ).number
    with pytest.raises(Invalid, match="record that date first"):
        act(rule_files.record_event, s, mfa, number, "consolidated", D("2026-06-10"))
    # GO's control assignment sets 15 June 2026 (a Monday) for MFA's consolidated report:
    # an input, kept as it is (¶34 «бақылауды бекітуінде белгіленген мерзімдерде»).
    view = act(rule_files.record_event, s, mfa, number, "control-consolidated", D("2026-06-15"))
    duty = next(d for d in view.duties if d.key == "consolidated")
    assert (duty.by, duty.to, duty.rule, duty.due) == ("MFA", ("GO",), "¶34", D("2026-06-15"))
    assert duty.state(D("2026-06-16")) is DutyState.LATE
    # In MFA's inbox after its own late ¶32 step (due 3 April 2026, never recorded here).
    owed = [(o.duty.key, o.overdue) for o in rule_files.owed(s, mfa, D("2026-06-12"), 2)]
    assert owed == [("submit-to-pa", True), ("consolidated", False)]
    with pytest.raises(Forbidden, match="only MFA records"):
        act(rule_files.record_event, s, health, number, "consolidated", D("2026-06-12"))
    view = act(rule_files.record_event, s, mfa, number, "consolidated", D("2026-06-12"))
    duty = next(d for d in view.duties if d.key == "consolidated")
    assert duty.state(D("2026-06-16")) is DutyState.DONE


def test_periodic_reports_due_late_and_done(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s, mfa, go = service_session, principal("clerk.mfa"), principal("officer.go")
    today = D("2026-07-10")
    found = periodic_reports.history(s, principal("auditor"), today)
    # ¶33 part 2 «есепті тоқсаннан кейінгі айдың 5-күніне дейін» (the 5th inclusive), looked
    # back one year (from 9 July 2025) up to the next one due:
    #   Q3 2025: 5 Oct 2025 is a Sunday      → Friday 3 October 2025
    #   Q4 2025: 5 Jan 2026, a Monday (1-2 January are the days off) → 5 January 2026
    #   Q1 2026: 5 Apr 2026 is a Sunday      → Friday 3 April 2026
    #   Q2 2026: 5 Jul 2026 is a Sunday      → Friday 3 July 2026 (6 July is Capital Day)
    #   Q3 2026: 5 Oct 2026, a Monday        → 5 October 2026 (the next one)
    # (Q2 2025: 5 Jul 2025 a Saturday → 4 July 2025, before the look-back: not listed.)
    assert [(x.label, x.due) for x in found[Periodic.INVESTMENT]] == [
        ("2026-Q3", D("2026-10-05")),
        ("2026-Q2", D("2026-07-03")),
        ("2026-Q1", D("2026-04-03")),
        ("2025-Q4", D("2026-01-05")),
        ("2025-Q3", D("2025-10-03")),
    ]
    # ¶35 «15 маусымнан және 15 желтоқсаннан кешіктірмей»: 15 Dec 2025 a Monday, 15 Jun 2026
    # a Monday, 15 Dec 2026 a Tuesday (16 December is the holiday, not the 15th).
    assert [(x.label, x.due) for x in found[Periodic.GO_SUMMARY]] == [
        ("2026-H2", D("2026-12-15")),
        ("2026-H1", D("2026-06-15")),
        ("2025-H2", D("2025-12-15")),
    ]

    act(periodic_reports.record_sent, s, mfa, "investment", 2026, 1, D("2026-04-02"))
    act(periodic_reports.record_sent, s, mfa, "investment", 2026, 2, D("2026-07-07"))
    act(periodic_reports.record_sent, s, go, "go-summary", 2026, 1, D("2026-06-12"))
    with pytest.raises(Forbidden, match="only MFA"):
        act(periodic_reports.record_sent, s, go, "investment", 2025, 4, D("2026-01-05"))
    with pytest.raises(Forbidden, match="only GO"):
        act(periodic_reports.record_sent, s, mfa, "go-summary", 2025, 2, D("2025-12-15"))
    with pytest.raises(Conflict, match="already recorded"):
        act(periodic_reports.record_sent, s, mfa, "investment", 2026, 1, D("2026-04-03"))
    with pytest.raises(Invalid, match="quarter: 5"):
        act(periodic_reports.record_sent, s, mfa, "investment", 2026, 5, D("2026-04-03"))
    assert periodic_reports.history(s, principal("officer.minhealth"), today) == {}

    states = {
        x.label: x.state(today) for x in periodic_reports.history(s, go, today)[Periodic.INVESTMENT]
    }
    assert states == {
        "2026-Q3": DutyState.DUE,
        "2026-Q2": DutyState.DONE_LATE,  # sent Tuesday 7 July, due Friday 3 July
        "2026-Q1": DutyState.DONE,
        "2025-Q4": DutyState.LATE,
        "2025-Q3": DutyState.LATE,
    }
    # MFA's inbox: its unsent quarters, late first; GO's: its unsent halves.
    assert [(o.period.label, o.overdue) for o in periodic_reports.owed(s, mfa, today, 2)] == [
        ("2025-Q3", True),
        ("2025-Q4", True),
        ("2026-Q3", False),
    ]
    assert [(o.period.label, o.overdue) for o in periodic_reports.owed(s, go, today, 2)] == [
        ("2025-H2", True),
        ("2026-H2", False),
    ]
    # An auditor's inbox: every late period, of both reports.
    late = [o.period.number for o in periodic_reports.owed(s, principal("auditor"), today, 2)]
    assert sorted(late) == ["GOS-2025-H2", "INV-2025-Q3", "INV-2025-Q4"]
    assert _actions(s, "INV-2026-Q1") == ["file:event-recorded", "file:event-recorded-refused"]
    assert _actions(s, "GOS-2026-H1") == ["file:event-recorded"]
