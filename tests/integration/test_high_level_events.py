"""Chapter 3 on a real database: a high-level event's file, its chain, the ¶23 theses
check, and an agreement reached at it feeding the Chapter 4 register (a link).

The state visit of Wednesday 1 – Friday 3 July 2026; each date is counted by hand
in tests/unit/routing/test_routing_high_level.py (1 May, 7 May, 11 May, 27 May and
6 July 2026 are days off).
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
from registry.services.errors import Forbidden, Invalid
from registry.services.unit_of_work import act
from routing.duties import DutyState

D = date.fromisoformat
HEALTH, ECON = "AGENCY:MINHEALTH", "AGENCY:MINECON"
FACTS = {
    "level": "high",
    "first_day": "2026-07-01",
    "last_day": "2026-07-03",
    "fixed_on": "2026-03-02",
    "interested": [HEALTH, ECON],
    "mfa_absent": False,
    "refined_package": False,
}


def test_event_chain_theses_and_agreements(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    mfa, health, econ = (
        principal(u) for u in ("clerk.mfa", "officer.minhealth", "officer.minecon")
    )
    with pytest.raises(Forbidden):
        act(rule_files.open_file, s, health, "event", "State visit", FACTS)
    with pytest.raises(Invalid, match="¶19"):
        act(rule_files.open_file, s, mfa, "event", "Visit", {**FACTS, "level": "intergovernmental"})
    event = act(rule_files.open_file, s, mfa, "event", "State visit of 1-3 July 2026", FACTS)
    number = event.number
    assert number.startswith("EVT-2026-")
    act(rule_files.record_event, s, mfa, number, "request", D("2026-04-29"))
    act(rule_files.record_event, s, health, number, f"received:{HEALTH}", D("2026-05-04"))
    act(rule_files.record_event, s, health, number, f"answer:{HEALTH}", D("2026-05-05"))
    with pytest.raises(Forbidden):
        act(rule_files.record_event, s, health, number, f"returned:{HEALTH}", D("2026-05-06"))
    act(rule_files.record_event, s, mfa, number, f"returned:{HEALTH}", D("2026-05-06"))
    view = rule_files.get_file(s, econ, number)
    due = {d.key: d.due for d in view.duties}
    assert due["request"] == D("2026-04-30")
    assert due[f"answer:{HEALTH}"] == D("2026-05-22")
    assert due[f"answer:{ECON}"] is None
    assert due[f"rework:{HEALTH}"] == D("2026-05-13")
    assert due["meeting-1"] == D("2026-05-29")
    assert due["concept"] == D("2026-06-01")
    assert due["meeting-2"] == D("2026-06-08")
    assert due["package"] == D("2026-06-10")
    assert due["records"] == D("2026-07-09")
    assert due["aftermath"] == D("2026-07-13")
    assert "agreements-to-mfa" not in due  # MFA attended
    states = {d.key: d.state(D("2026-05-14")) for d in view.duties}
    assert states[f"rework:{HEALTH}"] is DutyState.LATE
    assert states["request"] is DutyState.DONE

    # ¶23: theses initialled on every page, checked per document.
    ok = act(rule_files.record_theses, s, mfa, number, body=HEALTH, pages=4,
             initialled=[1, 2, 3, 4], day=D("2026-05-05"))  # fmt: skip
    short = act(rule_files.record_theses, s, mfa, number, body=ECON, pages=3,
                initialled=[1, 3], day=D("2026-05-20"))  # fmt: skip
    assert ok.initialled_on_every_page
    assert not short.initialled_on_every_page
    with pytest.raises(Invalid, match="page numbers"):
        act(rule_files.record_theses, s, mfa, number, body=ECON, pages=3, initialled=[4],
            day=D("2026-05-20"))  # fmt: skip
    checks = rule_files.theses_of(s, health, number)
    assert [(c.body, c.initialled_on_every_page) for c in checks] == [(HEALTH, True), (ECON, False)]

    # An agreement registered at the event opens a Chapter 4 file linking it.
    agreement = act(rule_files.open_file, s, mfa, "agreement", "Agreements of the visit",
                    {"source": "registered", "event_ended": "2026-07-03", "interested": [HEALTH],
                     "event": number})  # fmt: skip
    assert [f.number for f in rule_files.agreements_of(s, mfa, number)] == [agreement.number]
    with pytest.raises(Invalid, match="ended on 2026-07-03"):
        act(rule_files.open_file, s, mfa, "agreement", "Wrong day",
            {"source": "registered", "event_ended": "2026-07-02", "interested": [HEALTH],
             "event": number})  # fmt: skip
    actions = [decode_leaf(leaf).action for _i, leaf in letter_entries(s, number)]
    assert actions.count("file:theses-checked") == 2
    assert "file:theses-checked-refused" in actions
