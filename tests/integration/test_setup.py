"""What ``bootstrap`` creates, in process: idempotent set-up, and demo data worth opening."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services import letters, periodic_reports, rule_files
from registry.services.deadlines import today_kz
from registry.services.lifecycle import State
from registry.services.setup import (
    ensure_demo_files,
    ensure_demo_keys,
    ensure_demo_letters,
    ensure_demo_treaties,
    ensure_registry,
)
from routing.agreements import Periodic
from routing.duties import DutyState

from .conftest import KEK

Who = Callable[[str], Principal]


def test_a_second_set_up_creates_nothing(service_session: Session) -> None:
    report = ensure_registry(service_session, kek=KEK, admin_password="another-admin-password")
    assert (report.created, report.admin_password) == ([], None)
    assert ensure_demo_keys(service_session, kek=KEK) == []


def test_the_demo_gives_every_working_role_something_to_do(
    service_session: Session, principal: Who
) -> None:
    made = ensure_demo_letters(service_session)
    assert len(made) == 11
    assert ensure_demo_letters(service_session) == []  # once only
    everything = letters.list_letters(service_session, principal("auditor"), letters.LetterFilter())
    assert {letter.registry_number for letter in everything} == set(made)
    assert {State(letter.state) for letter in everything} == set(State)
    for username in (
        "officer.minhealth",
        "head.minhealth",
        "officer.minecon",
        "officer.court",
        "clerk.mfa",
        "officer.moj",
    ):
        inbox = letters.inbox(service_session, principal(username))
        assert inbox, f"{username} has nothing to do in the demo"
    # The five-day urgent send shows its outstanding ¶44 notice to its sender.
    urgent = [
        item
        for item in letters.inbox(service_session, principal("officer.minhealth"))
        if item.letter.notice_required and item.letter.notice_filed_at is None
    ]
    assert [item.next_action for item in urgent] == [letters.Transition.FILE_NOTICE]
    # The Supreme Court sees its late ¶36 forwarding first, flagged overdue.
    first = letters.inbox(service_session, principal("officer.court"))[0]
    assert (first.rule, first.overdue) == ("¶36", True)


def test_the_demo_files_stand_part_way_through_their_chains(
    service_session: Session, principal: Who
) -> None:
    made = ensure_demo_files(service_session)
    assert [n.split("-")[0] for n in made] == ["AGR", "DEC", "DRF", "REP", "REP"]
    assert ensure_demo_files(service_session) == []  # once only
    today = today_kz()
    agreement = rule_files.get_file(service_session, principal("clerk.mfa"), made[0])
    assert "silence:AGENCY:MINHEALTH" in agreement.events  # consent by silence (¶32)
    states = {d.key: d.state(today) for d in agreement.duties}
    assert states["submit-to-pa"] is DutyState.DUE
    assert states["consolidated"] is DutyState.DUE  # ¶34, by GO's control-assignment date
    decision = rule_files.get_file(service_session, principal("officer.minhealth"), made[1])
    states = {d.key: d.state(today) for d in decision.duties}
    assert states["proposals:AGENCY:MINHEALTH"] is DutyState.DUE
    # MINHEALTH's proposals carry their signed record, verified when filed.
    (proposals,) = [e for e in agreement.file.events if e.key == "proposals:AGENCY:MINHEALTH"]
    assert proposals.verification is not None
    assert proposals.verification["indication"] == "TOTAL_PASSED"
    # MFA sees, per agency, a report due (MINHEALTH's annual) and one received (MINECON's ¶49).
    standing, _ = rule_files.reports_overview(service_session, principal("clerk.mfa"), today)
    assert standing["AGENCY:MINHEALTH"].due == 1
    assert standing["AGENCY:MINECON"].received == 1
    # A draft EEC decision: MFA agreed, MINECON objected (signed), MTI, MOJ, NCE to answer.
    draft = rule_files.get_file(service_session, principal("officer.minhealth"), made[2])
    assert draft.agreed is False
    assert {d.by for d in draft.duties if d.done is None} == {
        "AGENCY:MINECON",
        "MTI",
        "MOJ",
        "NCE",
    }
    (objection,) = [e for e in draft.file.events if e.key == "objection:AGENCY:MINECON"]
    assert objection.verification is not None
    assert objection.verification["indication"] == "TOTAL_PASSED"
    # ¶33 part 2: MFA's last quarterly report is recorded as sent; GO owes its summaries.
    found = periodic_reports.history(service_session, principal("auditor"), today)
    assert any(x.sent_on is not None for x in found[Periodic.INVESTMENT])
    assert all(x.sent_on is None for x in found[Periodic.GO_SUMMARY])


def test_the_demo_treaty_year_and_event(service_session: Session, principal: Who) -> None:
    made = ensure_demo_treaties(service_session)
    assert [n.split("-")[0] for n in made] == ["TRT", "TRT", "TRT", "TRT", "TRC", "EVT"]
    assert ensure_demo_treaties(service_session) == []  # once only
    today = today_kz()
    cycle = rule_files.get_file(service_session, principal("auditor"), made[4])
    states = {d.key: d.state(today) for d in cycle.duties}
    assert states["returns:AGENCY:MINHEALTH"] is DutyState.DONE
    assert states["returns:AGENCY:MINECON"] is DutyState.DONE
    assert states["returns:MOJ"] is DutyState.LATE
    event = rule_files.get_file(service_session, principal("officer.minhealth"), made[5])
    assert "received:AGENCY:MINHEALTH" in event.events
