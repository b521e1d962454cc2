"""Chapter 2 (¶7-14-4): a decision file's chain, drafts' approvers, the ¶14-1 exclusion.

Dates counted by hand on the 2026 calendar: 23-25 March (Nauryz, with the weekend's
21-22 March carried over), 1 May, 7 May, 11 May (Victory Day carried over from
Saturday 9 May) and 27 May (Kurban ait, announced) are days off.
"""

from __future__ import annotations

from datetime import date

import pytest

from routing import parties as p
from routing.decisions import (
    Decision,
    DecisionError,
    DecisionEvents,
    Draft,
    DraftEvents,
    decision_duties,
    draft_agreed,
    draft_approvers,
    draft_duties,
)
from routing.duties import DutyState

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
EDU = "AGENCY:MINEDU"
DECISION = Decision(
    p.INTL_ORG, D("2026-03-18"), (HEALTH, EDU), needs_budget=True, requires_president=True
)
AGREED = {b: {p.MOJ: D("2026-04-09"), p.BUDGET_AUTHORITY: D("2026-04-09")} for b in (HEALTH, EDU)}


def _due(events: DecisionEvents | None = None) -> dict[str, date | None]:
    return {d.key: d.due for d in decision_duties(DECISION, events)}


def test_the_chain_end_to_end() -> None:
    due = _due()
    # ¶10 «бес жұмыс күні ішінде» from Wednesday 18 March: 19, 20, 26, 27, 30 March.
    assert due[f"forward:{HEALTH}"] == D("2026-03-30")
    assert due[f"proposals:{HEALTH}"] is None
    forwarded = {HEALTH: D("2026-03-20"), EDU: D("2026-03-19")}
    due = _due(DecisionEvents(forwarded=forwarded))
    # ¶11 15 wd from Friday 20 March: 26, 27, 30, 31 Mar, 1-3, 6-10, 13-15 Apr.
    assert due[f"proposals:{HEALTH}"] == D("2026-04-15")
    assert due[f"proposals:{EDU}"] == D("2026-04-14")
    assert due["to-go"] is None  # waits for every competent body
    proposals = {HEALTH: D("2026-04-14"), EDU: D("2026-04-10")}
    events = DecisionEvents(forwarded=forwarded, agreed=AGREED, proposals=proposals)
    # ¶12 10 wd from the last proposals (Tuesday 14 April): 15-17, 20-24, 27, 28 April.
    assert _due(events)["to-go"] == D("2026-04-28")
    events = DecisionEvents(
        forwarded=forwarded, agreed=AGREED, proposals=proposals, to_go=D("2026-04-28")
    )
    # ¶13 10 wd from 28 April: 29, 30 Apr, 4, 5, 6, 8, 12, 13, 14, 15 May (1, 7, 11 May off).
    assert _due(events)["to-pm"] == D("2026-05-15")
    assert _due(events)["to-pa"] == D("2026-05-15")
    events = DecisionEvents(
        forwarded=forwarded,
        agreed=AGREED,
        proposals=proposals,
        to_go=D("2026-04-28"),
        to_pm=D("2026-05-14"),
        to_pa=D("2026-05-14"),
    )
    # ¶14 10 wd from 14 May: 15, 18-22, 25, 26, 28, 29 May (27 May Kurban ait).
    duties = {d.key: d for d in decision_duties(DECISION, events)}
    assert duties["pa-consider"].due == D("2026-05-29")
    assert duties["pa-consider"].state(D("2026-06-01")) is DutyState.LATE
    assert duties["to-president"].due is None
    assert duties["to-president"].by == p.PA_HEAD


def test_no_pa_leg_unless_the_president_must_consider_it() -> None:
    decision = Decision(p.WTO, D("2026-03-18"), (HEALTH,))
    keys = [d.key for d in decision_duties(decision)]
    assert keys == [f"forward:{HEALTH}", f"proposals:{HEALTH}", "to-go", "to-pm"]
    assert "MOJ" in decision_duties(decision)[1].what
    assert "BUDGET_AUTHORITY" not in decision_duties(decision)[1].what
    with pytest.raises(DecisionError, match="to_pa"):
        decision_duties(decision, DecisionEvents(to_pa=D("2026-04-01")))


def test_proposals_must_be_agreed_with_moj_and_the_budget_authority() -> None:
    events = DecisionEvents(
        agreed={HEALTH: {p.MOJ: D("2026-04-01")}}, proposals={HEALTH: D("2026-04-02")}
    )
    with pytest.raises(DecisionError, match="not agreed with BUDGET_AUTHORITY"):
        decision_duties(DECISION, events)


def test_eec_decision_under_the_interaction_procedure_has_no_chain() -> None:
    governed = Decision(p.EEC, D("2026-03-18"), (p.MTI,), interaction_procedure=True)
    assert governed.excluded
    assert decision_duties(governed) == ()
    other = Decision(p.EEC, D("2026-03-18"), (p.MTI,))
    assert decision_duties(other)[0].rule == "¶10"


def test_draft_approvers() -> None:
    plain = Draft(p.INTL_ORG, (HEALTH,))
    assert draft_approvers(plain) == {HEALTH: "¶8", p.MFA: "¶8 (foreign-policy expediency)"}
    eec = Draft(p.EEC, (HEALTH,), needs_budget=True, touches_business=True)
    assert set(draft_approvers(eec)) == {
        HEALTH,
        p.MFA,
        p.MTI,
        p.MOJ,
        p.NCE,
        p.BUDGET_COMMISSION,
    }
    assert draft_approvers(eec)[p.NCE] == "¶8-2"
    assert p.NCE not in draft_approvers(Draft(p.EEC, (HEALTH,)))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: Decision("EAEU_COURT", D("2026-03-18"), (HEALTH,)), "'EAEU_COURT'"),
        (lambda: Decision(p.INTL_ORG, D("2026-03-18"), ()), "at least one"),
        (lambda: Decision(p.INTL_ORG, D("2026-03-18"), (p.MFA,)), "other than MFA"),
        (lambda: Decision(p.INTL_ORG, D("2026-03-18"), (p.PA,)), "'PA'"),
        (
            lambda: Decision(p.WTO, D("2026-03-18"), (HEALTH,), interaction_procedure=True),
            "EEC decisions only",
        ),
        (lambda: Draft(p.WTO, (HEALTH,), touches_business=True), "EEC drafts only"),
        (
            lambda: decision_duties(
                DECISION, DecisionEvents(forwarded={"AGENCY:X": D("2026-03-20")})
            ),
            "AGENCY:X is not a competent body",
        ),
        (
            lambda: decision_duties(DECISION, DecisionEvents(to_go=D("2026-03-17"))),
            "precedes",
        ),
    ],
)
def test_bad_input_is_named(bad, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        bad()


def test_a_draft_is_agreed_when_every_approver_agreed() -> None:
    eec = Draft(p.EEC, (EDU,), touches_business=True, interaction_procedure=True)
    duties = draft_duties(eec, lead=HEALTH)
    assert {d.key: d.rule for d in duties} == {
        f"agree:{EDU}": "¶8",
        "agree:MFA": "¶8 (foreign-policy expediency)",
        "agree:MTI": "¶8 part 2",
        "agree:MOJ": "¶8 part 2",
        "agree:NCE": "¶8-2",
    }
    # No deadline in the Rules (¶8): open, never late, however long it waits.
    assert {d.state(D("2030-01-01")) for d in duties} == {DutyState.OPEN}
    assert {d.to for d in duties} == {(HEALTH,)}
    all_but_nce = {b: D("2026-03-20") for b in (EDU, p.MFA, p.MTI, p.MOJ)}
    assert not draft_agreed(eec, DraftEvents(agreed=all_but_nce))
    # Objections, then agreement on the revised draft.
    events = DraftEvents(
        agreed={**all_but_nce, p.NCE: D("2026-03-27")}, objected={p.NCE: D("2026-03-19")}
    )
    assert draft_agreed(eec, events)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (DraftEvents(agreed={p.NCE: D("2026-03-20")}), "NCE is not an approver"),
        (
            DraftEvents(agreed={p.MFA: D("2026-03-20")}, objected={p.MFA: D("2026-03-23")}),
            "objections cannot follow",
        ),
    ],
)
def test_draft_events_that_cannot_be(events: DraftEvents, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        draft_duties(Draft(p.INTL_ORG, (HEALTH,)), events)


def test_interaction_procedure_is_for_eec_drafts_only() -> None:
    with pytest.raises(DecisionError, match="¶14-1 concerns EEC"):
        Draft(p.WTO, (HEALTH,), interaction_procedure=True)
