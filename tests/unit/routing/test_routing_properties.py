"""Hypothesis properties of the planner and the calendar (issue 2, "Tests")."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing import parties as p
from routing.__main__ import main
from routing.calendar import add_workdays, count_workdays, is_workday
from routing.envelope import (
    INVITATION_SOURCES,
    LEGAL_BASIS_KINDS,
    EnvelopeError,
    parse_envelope,
)
from routing.kinds import KINDS
from routing.planner import Plan, plan
from routing.rules import ACTS_44, BASES_37

DAYS = st.dates(date(2023, 4, 13), date(2028, 12, 31))  # every modelled rule in force
#: From before Chapter 5 (2015) to well after the last amendment (2023).
ANY_DAY = st.dates(date(2008, 1, 1), date(2030, 12, 31))
PARTIES = [*sorted(p.DOMESTIC | p.FOREIGN), "AGENCY:MINHEALTH", "AGENCY:MINFIN", "AGENCY:X_1"]
LANGUAGES = st.sampled_from(["en", "fr", "kk", "ru"])


def _anyone(code: str) -> bool:
    return True


@st.composite
def envelopes(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = tuple(sorted(KINDS)),
    sender: Callable[[str], bool] = _anyone,
    recipient: Callable[[str], bool] = _anyone,
    days: st.SearchStrategy[date] = DAYS,
) -> dict[str, Any]:
    """Envelopes of ``kinds`` with parties the kind admits and the filters pass."""
    day = draw(days)
    spec = KINDS[draw(st.sampled_from(kinds))]
    senders = [c for c in PARTIES if spec.senders.accepts(c) and sender(c)]
    recipients = [c for c in PARTIES if spec.recipients.accepts(c) and recipient(c)]
    assume(senders and recipients)
    data: dict[str, Any] = {
        "kind": spec.name,
        "sender": draw(st.sampled_from(senders)),
        "recipient": draw(st.sampled_from(recipients)),
        "date": day.isoformat(),
    }
    later = st.integers(0, 40).map(lambda n: date.fromordinal(day.toordinal() + n).isoformat())
    optional = {
        "send": st.just("direct"),
        "urgent_needed_by": later,
        "legal_basis": st.builds(
            lambda kind: {"kind": kind, "ref": "act No. 1"},
            st.sampled_from(sorted(LEGAL_BASIS_KINDS)),
        ),
        "planned_send_date": later,
        "reply_deadline": later,
        "language": LANGUAGES,
        "communication_language": LANGUAGES,
        "signed_by_first_head": st.booleans(),
        "invitation_source": st.sampled_from(INVITATION_SOURCES),
    }
    for field, strategy in optional.items():
        if draw(st.booleans()):
            data[field] = draw(strategy)
    return data


def planned(data: dict[str, Any]) -> tuple[Any, Plan]:
    try:
        envelope = parse_envelope(data)
    except EnvelopeError:
        assume(False)
        raise
    return envelope, plan(envelope)


ABROAD_KINDS = ("foreign-letter", "court-reply", "court-practice-reply", "court-application")


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(
    envelopes(
        ABROAD_KINDS,
        sender=p.is_central_state_body,
        recipient=lambda code: code in p.FOREIGN and code != p.WTO,
    )
)
def test_central_bodies_write_abroad_through_mfa_unless_an_exception_is_cited(
    data: dict[str, Any],
) -> None:
    """¶44, ¶37: every allowed letter of a central state body to a foreign body other
    than the WTO passes MFA, unless the plan rests on the five-day exception (MFA is
    then owed a notice) or on a legal basis the ¶ accepts."""
    envelope, result = planned(data)
    assume(result.allowed)
    if p.MFA in result.route:
        return
    basis = envelope.legal_basis
    urgent = any(a.party == p.MFA and a.rule == "¶44" for a in result.after_send)
    accepted = basis is not None and basis.kind in (
        BASES_37 if envelope.recipient in p.COURTS else ACTS_44
    )
    assert urgent or accepted, result.to_dict()
    assert ("¶37" if envelope.recipient in p.COURTS else "¶44") in result.rules


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(envelopes(ABROAD_KINDS, recipient=p.COURTS.__contains__))
def test_nothing_goes_directly_to_a_court_without_an_accepted_legal_basis(
    data: dict[str, Any],
) -> None:
    """¶37: no allowed plan of a state body sends directly to an international court
    without a ratified treaty or an instruction of the President, PA, PM or a Deputy PM.
    (The NCE is not a state body; ¶41 has it apply itself.)"""
    envelope, result = planned(data)
    assume(result.allowed)
    if result.route[-2] != p.MFA:
        assert envelope.legal_basis is not None
        assert envelope.legal_basis.kind in BASES_37
        assert "¶37" in result.rules
    assert not result.after_send  # the five-day exception never reaches a court


@given(envelopes())
def test_no_computed_deadline_falls_on_a_day_off(data: dict[str, Any]) -> None:
    _, result = planned(data)
    for step in result.steps:
        if step.due is not None:
            assert is_workday(step.due), step


@given(envelopes())
def test_plan_json_keeps_the_contract(data: dict[str, Any]) -> None:
    """Sorted copies and addressees, route from sender to recipient, refusal iff refused."""
    envelope, result = planned(data)
    out = result.to_dict()
    assert out["route"][0] == envelope.sender
    assert out["route"][-1] == envelope.recipient
    via_mfa_abroad = out["route"][-2] == p.MFA and envelope.recipient in p.FOREIGN
    via_mfa_home = out["route"][1] == p.MFA and envelope.sender in p.FOREIGN
    assert out["channel"] == ("diplomatic" if via_mfa_abroad or via_mfa_home else "direct")
    assert out["copies"] == sorted(set(out["copies"]))
    for step in out["steps"]:
        assert step["to"] == sorted(set(step["to"]))
        assert step["by"] not in step["to"]
        assert sum(key in step for key in ("within_wd", "before_send_wd")) <= 1
    assert (out["refusal"] is None) == out["allowed"]
    if out["refusal"] is not None:
        assert out["refusal"]["rule"] in out["rules"]


@given(DAYS, st.integers(0, 400))
def test_add_then_count_round_trips(day: date, n: int) -> None:
    assert count_workdays(day, add_workdays(day, n)) == n


@given(DAYS, st.integers(-400, 400))
def test_add_is_undone_from_a_working_day(day: date, n: int) -> None:
    assume(is_workday(day))
    there = add_workdays(day, n)
    assert add_workdays(there, -n) == day
    assert count_workdays(day, there) == n


@given(DAYS, st.integers(-400, 400).filter(bool))
def test_add_lands_on_a_working_day_in_the_right_direction(day: date, n: int) -> None:
    there = add_workdays(day, n)
    assert is_workday(there)
    assert (there > day) == (n > 0)


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) == 0
    return out.getvalue().strip()


@given(DAYS, st.integers(-60, 60))
def test_cli_workdays_add_then_count_round_trips(day: date, n: int) -> None:
    """contracts/route-plan.md: `workdays add DATE N` then `workdays count DATE RESULT` gives N
    (from a working day; from a day off, for N >= 0)."""
    assume(n >= 0 or is_workday(day))
    there = _cli("workdays", "add", day.isoformat(), str(n))
    assert _cli("workdays", "count", day.isoformat(), there) == str(n)
