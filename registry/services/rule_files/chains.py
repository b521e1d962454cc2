"""The two chains a rule file can hold, read from and written to its stored rows.

A file stores the facts that open its chain as JSON and one dated row per event
key; this module turns them into the engine's objects (``routing.agreements``,
``routing.decisions``), whose duties are the file's deadlines. It also says who
may record each key: the party that owes the step, or MFA's clerk for the steps
of GO, PA and the PM, who are not users of the registry (MFA records them from
the documents it receives, e.g. PA's signed approval sheet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import Any

from registry.services.errors import Invalid
from routing import agreements as ag
from routing import decisions as dc
from routing import parties as p
from routing import reporting as rp
from routing.duties import Duty


class Kind(StrEnum):
    """What a rule file holds."""

    AGREEMENT = "agreement"  # an agreement reached (Chapter 4, ¶30-35)
    DECISION = "decision"  # a decision of an international organisation (Chapter 2, ¶10-14)
    REPORT = "report"  # a report a central state body owes MFA (Chapter 6, ¶46, ¶48-49)


PREFIX: Mapping[Kind, str] = {Kind.AGREEMENT: "AGR", Kind.DECISION: "DEC", Kind.REPORT: "REP"}
#: Chapter 6 reports: what each type needs besides ``body``.
REPORT_TYPES: Mapping[str, tuple[str, ...]] = {
    "annual": ("year",),  # ¶46(2)
    "event": ("event_ended", "requested", "subject"),  # ¶46(3)
    "consultation": ("departure", "special"),  # ¶48
    "meeting": ("meeting_day", "special"),  # ¶49, MFA absent
}
#: Recorded only by the job that applies ¶32's consent by silence, never by a person.
SILENCE = "silence"


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field}: not a date (YYYY-MM-DD): {value!r}") from None


def _parties(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"{field}: not a list of party codes")
    return tuple(dict.fromkeys(value))


def _flag(facts: Mapping[str, Any], field: str) -> bool:
    value = facts.get(field, False)
    if not isinstance(value, bool):
        raise Invalid(f"{field}: not true or false")
    return value


def agreement(facts: Mapping[str, Any]) -> ag.Agreement:
    """The engine's Agreement from a file's facts (or a request's), checked."""
    try:
        source = ag.Source(facts.get("source"))
    except ValueError:
        allowed = ", ".join(s.value for s in ag.Source)
        raise Invalid(f"source: not one of {allowed}: {facts.get('source')!r}") from None
    try:
        return ag.Agreement(
            source,
            _day(facts.get("event_ended"), "event_ended"),
            _parties(facts.get("interested"), "interested"),
        )
    except ag.AgreementError as exc:
        raise Invalid(str(exc)) from None


def decision(facts: Mapping[str, Any]) -> dc.Decision:
    """The engine's Decision from a file's facts (or a request's), checked."""
    try:
        return dc.Decision(
            organisation=str(facts.get("organisation")),
            received=_day(facts.get("received"), "received"),
            competent=_parties(facts.get("competent"), "competent"),
            needs_budget=_flag(facts, "needs_budget"),
            requires_president=_flag(facts, "requires_president"),
            interaction_procedure=_flag(facts, "interaction_procedure"),
        )
    except dc.DecisionError as exc:
        raise Invalid(str(exc)) from None


def report(facts: Mapping[str, Any]) -> Duty | rp.Exemption:
    """The engine's duty (or its ¶50 exemption) from a report file's facts, checked."""
    kind, body = facts.get("type"), facts.get("body")
    if kind not in REPORT_TYPES:
        raise Invalid(f"type: not one of {', '.join(REPORT_TYPES)}: {kind!r}")
    if not isinstance(body, str):
        raise Invalid("body: the reporting central state body's code is required")
    special = _flag(facts, "special")
    try:
        if kind == "annual":
            year = facts.get("year")
            if not isinstance(year, int) or not 2000 <= year <= 2060:
                raise Invalid(f"year: not a year 2000-2060: {year!r}")
            return rp.annual_report(body, year)
        if kind == "event":
            try:
                subject = rp.Subject(facts.get("subject", rp.Subject.GENERAL.value))
            except ValueError:
                allowed = ", ".join(s.value for s in rp.Subject)
                raise Invalid(f"subject: not one of {allowed}") from None
            ended = _day(facts.get("event_ended"), "event_ended")
            requested = _day(facts.get("requested"), "requested")
            if requested < ended:
                raise Invalid("requested: MFA's request precedes the event's end")
            return rp.event_report(body, ended, requested, subject)
        if kind == "consultation":
            return rp.consultation(body, _day(facts.get("departure"), "departure"), special)
        met = rp.meeting_report(body, _day(facts.get("meeting_day"), "meeting_day"), False, special)
        assert met is not None
        return met
    except rp.ReportingError as exc:
        raise Invalid(str(exc)) from None


def exemption(kind: Kind, facts: Mapping[str, Any]) -> rp.Exemption | None:
    """A report file's ¶50 exemption (the duty it does not carry, and why), if any."""
    if kind is not Kind.REPORT:
        return None
    found = report(facts)
    return found if isinstance(found, rp.Exemption) else None


def normalised_facts(kind: Kind, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts as stored: checked by the engine, dates as ISO strings."""
    if kind is Kind.REPORT:
        report(facts)
        wanted = ("type", "body", *REPORT_TYPES[str(facts["type"])])
        return {name: facts[name] for name in wanted if name in facts}
    if kind is Kind.AGREEMENT:
        a = agreement(facts)
        return {
            "source": a.source.value,
            "event_ended": a.event_ended.isoformat(),
            "interested": list(a.interested),
        }
    d = decision(facts)
    return {
        "organisation": d.organisation,
        "received": d.received.isoformat(),
        "competent": list(d.competent),
        "needs_budget": d.needs_budget,
        "requires_president": d.requires_president,
        "interaction_procedure": d.interaction_procedure,
    }


def parties(kind: Kind, facts: Mapping[str, Any]) -> list[str]:
    """Every registry party of the chain: who sees the file."""
    if kind is Kind.REPORT:
        return [p.MFA, str(facts["body"])]
    if kind is Kind.AGREEMENT:
        return [p.MFA, *agreement(facts).interested]
    d = decision(facts)
    return [p.MFA, p.MOJ, *d.competent]


def _by_party(events: Mapping[str, date], prefix: str) -> dict[str, date]:
    return {k.removeprefix(prefix): v for k, v in events.items() if k.startswith(prefix)}


def agreement_events(events: Mapping[str, date]) -> ag.AgreementEvents:
    return ag.AgreementEvents(
        proposals=_by_party(events, "proposals:"),
        draft_received=_by_party(events, "draft:"),
        answered=_by_party(events, "consent:"),
        deemed_agreed=_by_party(events, f"{SILENCE}:"),
        submitted_to_pa=events.get("submit-to-pa"),
        approval_sheet=events.get("approval-sheet"),
        control_dates=_by_party(events, "control:"),
        progress_reported=_by_party(events, "progress:"),
    )


def decision_events(events: Mapping[str, date]) -> dc.DecisionEvents:
    agreed: dict[str, dict[str, date]] = {}
    for key, day in _by_party(events, "agreed:").items():
        body, _, with_whom = key.rpartition(":")
        agreed.setdefault(body, {})[with_whom] = day
    return dc.DecisionEvents(
        forwarded=_by_party(events, "forward:"),
        agreed=agreed,
        proposals=_by_party(events, "proposals:"),
        to_go=events.get("to-go"),
        to_pm=events.get("to-pm"),
        to_pa=events.get("to-pa"),
        pa_considered=events.get("pa-consider"),
        to_president=events.get("to-president"),
    )


def duties(kind: Kind, facts: Mapping[str, Any], events: Mapping[str, date]) -> tuple[Duty, ...]:
    """The chain's duties; Invalid if the events cannot be (the engine names why)."""
    if kind is Kind.REPORT:
        found = report(facts)
        if isinstance(found, rp.Exemption):
            return ()
        unknown = sorted(set(events) - {found.key})
        if unknown:
            raise Invalid(f"{unknown[0]}: this report has no such step")
        return (replace(found, done=events.get(found.key)),)
    try:
        if kind is Kind.AGREEMENT:
            return ag.agreement_duties(agreement(facts), agreement_events(events))
        return dc.decision_duties(decision(facts), decision_events(events))
    except (ag.AgreementError, dc.DecisionError) as exc:
        raise Invalid(str(exc)) from None


def recorder(kind: Kind, facts: Mapping[str, Any], key: str) -> str:
    """The party whose people may record ``key``; Invalid for a key the chain does not have."""
    registry_parties = set(parties(kind, facts))
    if kind is Kind.REPORT:
        keys = {d.key: d.by for d in duties(kind, facts, {})}
    elif kind is Kind.AGREEMENT:
        keys = {"submit-to-pa": p.MFA, "approval-sheet": p.MFA}
        for body in agreement(facts).interested:
            keys |= {
                f"proposals:{body}": body,
                f"draft:{body}": p.MFA,
                f"consent:{body}": body,
                f"control:{body}": p.MFA,
                f"progress:{body}": body,
            }
    else:
        d = decision(facts)
        keys = dict.fromkeys(("to-go", "to-pm", "to-pa", "pa-consider", "to-president"), p.MFA)
        for body in d.competent:
            keys |= {f"forward:{body}": p.MFA, f"proposals:{body}": body}
            keys[f"agreed:{body}:{p.MOJ}"] = p.MOJ
            if d.needs_budget:
                # The budget authority is not a user of the registry: the body records it.
                keys[f"agreed:{body}:{p.BUDGET_AUTHORITY}"] = body
    if key not in keys:
        raise Invalid(f"key: this {kind} has no step {key!r}")
    party = keys[key]
    # An ORG:<ID> is not a registry agency: MFA records its steps from its letters.
    return party if party in registry_parties and not p.is_organisation(party) else p.MFA
