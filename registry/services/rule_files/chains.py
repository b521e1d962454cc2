"""The chains a rule file can hold, read from and written to its stored rows.

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
from routing import high_level as hl
from routing import parties as p
from routing import reporting as rp
from routing import treaties as tr
from routing.duties import N_, Duty


class Kind(StrEnum):
    """What a rule file holds."""

    AGREEMENT = "agreement"  # an agreement reached (Chapter 4, ¶30-35)
    DECISION = "decision"  # a decision of an international organisation (Chapter 2, ¶10-14)
    REPORT = "report"  # a report a central state body owes MFA (Chapter 6, ¶46, ¶48-49)
    TREATY_CYCLE = "treaty-cycle"  # one reporting year of treaty returns (Chapter 1, ¶2-6)
    EVENT = "event"  # a high-level event and its chain (Chapter 3, ¶22-29-1)
    DRAFT = "draft"  # a draft decision of an international organisation (Chapter 2, ¶8-9)


PREFIX: Mapping[Kind, str] = {
    Kind.AGREEMENT: "AGR",
    Kind.DECISION: "DEC",
    Kind.REPORT: "REP",
    Kind.TREATY_CYCLE: "TRC",
    Kind.EVENT: "EVT",
    Kind.DRAFT: "DRF",
}
#: Chapter 6 reports: what each type needs besides ``body``.
REPORT_TYPES: Mapping[str, tuple[str, ...]] = {
    "annual": ("year",),  # ¶46(2)
    "event": ("event_ended", "requested", "subject"),  # ¶46(3)
    "consultation": ("departure", "special"),  # ¶48
    "meeting": ("meeting_day", "special"),  # ¶49, MFA absent
}
#: Recorded only by the job that applies ¶32's consent by silence, never by a person.
SILENCE = "silence"
#: Approvers of a draft who are not users of the registry: the body running the agreement
#: (¶9) records what they said, from their letters.
NOT_USERS = frozenset({p.BUDGET_COMMISSION})


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


def draft(facts: Mapping[str, Any]) -> tuple[dc.Draft, str]:
    """The engine's Draft and the body that runs its agreement (¶9), checked."""
    lead = facts.get("lead")
    if not isinstance(lead, str) or not p.is_central_state_body(lead):
        raise Invalid(f"lead: not a central state body: {lead!r}")
    _day(facts.get("received"), "received")
    try:
        found = dc.Draft(
            organisation=str(facts.get("organisation")),
            interested=_parties(facts.get("interested"), "interested"),
            needs_budget=_flag(facts, "needs_budget"),
            touches_business=_flag(facts, "touches_business"),
            interaction_procedure=_flag(facts, "interaction_procedure"),
        )
    except dc.DecisionError as exc:
        raise Invalid(str(exc)) from None
    if lead in found.interested:
        raise Invalid(f"interested: {lead} runs the agreement (¶9); list the other bodies")
    return found, lead


def cycle(facts: Mapping[str, Any]) -> tuple[int, tuple[str, ...]]:
    """A treaty cycle's reporting year and the bodies that owe returns, checked."""
    year = facts.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2059:
        raise Invalid(f"year: not a reporting year 2000-2059: {year!r}")
    bodies = _parties(facts.get("bodies"), "bodies")
    try:
        tr.cycle_duties(year, bodies)
    except tr.TreatyError as exc:
        raise Invalid(str(exc)) from None
    return year, bodies


def event(facts: Mapping[str, Any]) -> hl.Event:
    """The engine's high-level Event from a file's facts (or a request's), checked."""
    try:
        level = hl.Level(facts.get("level", hl.Level.HIGH.value))
    except ValueError:
        raise Invalid(f"level: not one of {', '.join(lv.value for lv in hl.Level)}") from None
    try:
        return hl.Event(
            level,
            _day(facts.get("first_day"), "first_day"),
            _day(facts.get("last_day"), "last_day"),
            _day(facts.get("fixed_on"), "fixed_on"),
            _parties(facts.get("interested"), "interested"),
            mfa_absent=_flag(facts, "mfa_absent"),
            refined_package=_flag(facts, "refined_package"),
        )
    except hl.EventError as exc:
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
        stored: dict[str, Any] = {
            "source": a.source.value,
            "event_ended": a.event_ended.isoformat(),
            "interested": list(a.interested),
        }
        if facts.get("event"):
            # The high-level event it was reached at (Chapter 3): a link, checked by the service.
            stored["event"] = str(facts["event"])
        return stored
    if kind is Kind.TREATY_CYCLE:
        year, bodies = cycle(facts)
        return {"year": year, "bodies": list(bodies)}
    if kind is Kind.DRAFT:
        dr, lead = draft(facts)
        return {
            "organisation": dr.organisation,
            "lead": lead,
            "received": str(facts["received"]),
            "interested": list(dr.interested),
            "needs_budget": dr.needs_budget,
            "touches_business": dr.touches_business,
            "interaction_procedure": dr.interaction_procedure,
        }
    if kind is Kind.EVENT:
        e = event(facts)
        return {
            "level": e.level.value,
            "first_day": e.first_day.isoformat(),
            "last_day": e.last_day.isoformat(),
            "fixed_on": e.fixed_on.isoformat(),
            "interested": list(e.interested),
            "mfa_absent": e.mfa_absent,
            "refined_package": e.refined_package,
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
    if kind is Kind.TREATY_CYCLE:
        return [p.MFA, *cycle(facts)[1]]
    if kind is Kind.EVENT:
        return [p.MFA, *event(facts).interested]
    if kind is Kind.DRAFT:
        dr, lead = draft(facts)
        return [lead, *dc.draft_approvers(dr)]
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
        consolidated_control=events.get("control-consolidated"),
        consolidated=events.get("consolidated"),
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


def draft_events(events: Mapping[str, date]) -> dc.DraftEvents:
    return dc.DraftEvents(
        agreed=_by_party(events, "agree:"), objected=_by_party(events, "objection:")
    )


def draft_agreed(facts: Mapping[str, Any], events: Mapping[str, date]) -> bool:
    """Every approver ¶8 and ¶8-2 require has agreed the draft."""
    return dc.draft_agreed(draft(facts)[0], draft_events(events))


def step(kind: Kind, facts: Mapping[str, Any], key: str) -> Duty | None:
    """A step that is not a duty but has its ¶ and its party: a draft's objections."""
    if kind is Kind.DRAFT and key.startswith("objection:"):
        dr, lead = draft(facts)
        body = key.removeprefix("objection:")
        rule = dc.draft_approvers(dr).get(body)
        if rule is not None:
            return Duty(key, body, (lead,), rule, N_("objections to the draft decision"))
    return None


def cycle_events(events: Mapping[str, date]) -> tr.CycleEvents:
    return tr.CycleEvents(
        returns=_by_party(events, "returns:"),
        to_go=events.get("to-go"),
        to_pa=events.get("to-pa"),
        to_president=events.get("to-president"),
    )


def event_steps(events: Mapping[str, date]) -> hl.EventSteps:
    return hl.EventSteps(
        request_sent=events.get("request"),
        request_received=_by_party(events, "received:"),
        answered=_by_party(events, "answer:"),
        returned=_by_party(events, "returned:"),
        reworked=_by_party(events, "rework:"),
        answers_due_by_pa=events.get("pa-answers"),
        meeting_1=events.get("meeting-1"),
        concept=events.get("concept"),
        meeting_2=events.get("meeting-2"),
        package=events.get("package"),
        refined=events.get("refined"),
        pa_periods=_by_party(events, "pa-period:"),
        agreements_to_mfa=events.get("agreements-to-mfa"),
        records=events.get("records"),
        aftermath=events.get("aftermath"),
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
        if kind is Kind.TREATY_CYCLE:
            year, bodies = cycle(facts)
            return tr.cycle_duties(year, bodies, cycle_events(events))
        if kind is Kind.EVENT:
            return hl.event_duties(event(facts), event_steps(events))
        if kind is Kind.DRAFT:
            dr, lead = draft(facts)
            unknown = sorted(k for k in events if not k.startswith(("agree:", "objection:")))
            if unknown:
                raise Invalid(f"{unknown[0]}: a draft decision has no such step")
            return dc.draft_duties(dr, draft_events(events), lead)
        return dc.decision_duties(decision(facts), decision_events(events))
    except (ag.AgreementError, dc.DecisionError, tr.TreatyError, hl.EventError) as exc:
        raise Invalid(str(exc)) from None


def recorder(kind: Kind, facts: Mapping[str, Any], key: str) -> str:
    """The party whose people may record ``key``; Invalid for a key the chain does not have."""
    registry_parties = set(parties(kind, facts))
    if kind is Kind.REPORT:
        keys = {d.key: d.by for d in duties(kind, facts, {})}
    elif kind is Kind.AGREEMENT:
        keys = dict.fromkeys(
            ("submit-to-pa", "approval-sheet", "control-consolidated", "consolidated"), p.MFA
        )
        for body in agreement(facts).interested:
            keys |= {
                f"proposals:{body}": body,
                f"draft:{body}": p.MFA,
                f"consent:{body}": body,
                f"control:{body}": p.MFA,
                f"progress:{body}": body,
            }
    elif kind is Kind.TREATY_CYCLE:
        # GO's and PA's steps are recorded by MFA from the documents it receives.
        keys = dict.fromkeys(("to-go", "to-pa", "to-president"), p.MFA)
        keys |= {f"returns:{body}": body for body in cycle(facts)[1]}
    elif kind is Kind.EVENT:
        # The Government's meetings, PA's periods and the ¶29 information reach the
        # registry through MFA; each body records its own receipt, answer and rework.
        steps = ("request", "pa-answers", "meeting-1", "concept", "meeting-2", "package")
        steps += ("refined", "agreements-to-mfa", "records", "aftermath")
        keys = dict.fromkeys(steps, p.MFA)
        keys |= {f"pa-period:{k}": p.MFA for k in hl.PA_SET_KEYS}
        for body in event(facts).interested:
            keys |= {
                f"received:{body}": body,
                f"answer:{body}": body,
                f"returned:{body}": p.MFA,
                f"rework:{body}": body,
            }
    elif kind is Kind.DRAFT:
        dr, lead = draft(facts)
        keys = {}
        for body in dc.draft_approvers(dr):
            who = lead if body in NOT_USERS else body
            keys |= {f"agree:{body}": who, f"objection:{body}": who}
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
