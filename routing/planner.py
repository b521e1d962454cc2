"""plan(envelope) -> Plan: the route, channel, copies, obligations and deadlines of a letter.

The planner holds no law of its own: it looks the envelope's situation up in
rules.RULES, applies the direct-send exceptions of ¶37, ¶44 and ¶50, and turns
the rule's step templates into dated steps where the envelope's dates make the
date known.

Step semantics (what the registry instantiates as deadlines):

* ``within_wd`` + ``from: "receipt"``: ``by`` acts within that many working days
  of the day *it* received the item. When ``by`` is the envelope's sender, that
  day is ``date`` (the sender holds the item on the letter's date; for incoming
  kinds ``date`` is the receipt), so ``due = add_workdays(date, n)``; for other
  parties the registry starts the clock when they receive it.
* ``within_wd`` + ``from: "send"``: counted from the day the letter is sent;
  ``due = add_workdays(planned_send_date, n)`` when that date is given.
* ``before_send_wd``: no later than n working days before the letter is sent;
  ``due = add_workdays(planned_send_date, -n)`` (for n = 0, the last working
  day on or before the planned send date).
* ``due`` alone: a fixed date (¶14-8: the communication's deadline, moved back
  to a working day if it falls on a Kazakh day off).

A computed ``due`` is always a working day.

Point in time: the plan applies the Rules in force on the envelope's ``date``
(rules.rule_for). Where no modelled rule governed the letter that day — a 2014
court reply, before Chapter 5 existed — the plan is allowed, sends the letter as
addressed, cites no ¶ and owes nothing, and its ``note`` (an addition to the
contract, docs/route-plan-additions.md) says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from routing import parties as p
from routing.calendar import (
    CalendarError,
    add_workdays,
    count_calendar_days,
    latest_workday_on_or_before,
)
from routing.envelope import Envelope
from routing.history import HISTORY, explain, in_force
from routing.rules import (
    RECIPIENT,
    SENDER,
    URGENT_DAYS,
    DirectPolicy,
    RouteRule,
    StepRule,
    domestic_party,
    paragraph_order,
    rule_for,
    sender_class,
    versions_for,
)

Channel = Literal["diplomatic", "direct"]


@dataclass(frozen=True, slots=True)
class Step:
    """One deadline; see the module docstring for what each form means."""

    by: str
    to: tuple[str, ...]
    rule: str
    within_wd: int | None = None
    origin: Literal["receipt", "send"] | None = None
    before_send_wd: int | None = None
    due: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's step object."""
        out: dict[str, Any] = {"by": self.by, "to": list(self.to)}
        if self.within_wd is not None:
            out["within_wd"] = self.within_wd
            out["from"] = self.origin
        if self.before_send_wd is not None:
            out["before_send_wd"] = self.before_send_wd
        if self.due is not None:
            out["due"] = self.due.isoformat()
        out["rule"] = self.rule
        return out


@dataclass(frozen=True, slots=True)
class AfterSend:
    """An obligation that arises once the letter has gone (¶44: notify MFA; no deadline)."""

    party: str
    action: str
    rule: str

    def to_dict(self) -> dict[str, str]:
        """The contract's after_send object."""
        return {"party": self.party, "action": self.action, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the Rules forbid what the envelope asks."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The planner's answer; ``to_dict()`` is the contract's JSON plan."""

    allowed: bool
    route: tuple[str, ...]
    channel: Channel
    copies: tuple[str, ...]
    after_send: tuple[AfterSend, ...]
    steps: tuple[Step, ...]
    rules: tuple[str, ...]
    refusal: Refusal | None
    #: What the plan says beside its route: a rule not modelled on the letter's date, or a
    #: matter the Rules give no deadline for. Only present in the JSON when set.
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's plan object (contracts/route-plan.md), ``note`` added when set."""
        out: dict[str, Any] = {
            "allowed": self.allowed,
            "route": list(self.route),
            "channel": self.channel,
            "copies": list(self.copies),
            "after_send": [a.to_dict() for a in self.after_send],
            "steps": [s.to_dict() for s in self.steps],
            "rules": list(self.rules),
            "refusal": None
            if self.refusal is None
            else {"rule": self.refusal.rule, "reason": self.refusal.reason},
        }
        if self.note is not None:
            out["note"] = self.note
        return out


NOTIFY_MFA: Final = AfterSend(p.MFA, "notify", "¶44")


def _channel(route: tuple[str, ...]) -> Channel:
    """Diplomatic when MFA hands the letter to the foreign side or takes it from them."""
    outgoing = route[-2] == p.MFA and route[-1] in p.FOREIGN
    incoming = route[0] in p.FOREIGN and route[1] == p.MFA
    return "diplomatic" if outgoing or incoming else "direct"


def _ordered(refs: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(refs), key=paragraph_order))


def _as_addressed(
    envelope: Envelope, rules: tuple[str, ...], refusal: Refusal | None, note: str | None = None
) -> Plan:
    """The route the envelope asked for, owing nothing: a refusal, or a letter no rule governed."""
    route = (envelope.sender, envelope.recipient)
    return Plan(
        allowed=refusal is None,
        route=route,
        channel=_channel(route),
        copies=(),
        after_send=(),
        steps=(),
        rules=rules,
        refusal=refusal,
        note=note,
    )


def _refused(envelope: Envelope, rule: RouteRule, cited: str, reason: str) -> Plan:
    """A refusal shows the route the envelope asked for and owes nothing."""
    return _as_addressed(envelope, _ordered((*rule.rules, cited)), Refusal(cited, reason))


def _prescribed_route(envelope: Envelope, rule: RouteRule) -> tuple[str, ...]:
    """Sender, the rule's intermediaries, recipient; nobody hands a letter to itself.

    MOJ replying to the EAEU Court starts at MOJ (MOJ, MFA, EAEU_COURT). MFA's own
    reply or application to the EAEU Court still goes to MOJ first (¶37 part 2,
    ¶40 part 2: «Әділет министрлігіне жіберіледі», whoever prepared it):
    (MFA, MOJ, MFA, EAEU_COURT). Incoming mail for MFA ends there.
    """
    via = rule.via
    if via and via[0] == envelope.sender:
        via = via[1:]
    if via and via[-1] == envelope.recipient:
        via = via[:-1]
    return (envelope.sender, *via, envelope.recipient)


def _direct_refusal(envelope: Envelope, policy: DirectPolicy) -> str | None:
    """None if the direct send is allowed under ``policy``, else the plain reason."""
    if policy.unconditional:
        return None
    basis = envelope.legal_basis
    if basis is not None and basis.kind in policy.legal_bases:
        return None
    urgent = envelope.urgent_needed_by
    if (
        policy.urgent
        and urgent is not None
        and count_calendar_days(envelope.date, urgent) <= URGENT_DAYS
    ):
        return None
    details = []
    if basis is not None:
        details.append(f"the recorded {basis.kind} ({basis.ref}) is not such a basis")
    if urgent is not None:
        days = count_calendar_days(envelope.date, urgent)
        details.append(
            f"the matter is needed by {urgent.isoformat()}"
            + (
                ""
                if not policy.urgent
                else f", {days} days after the letter's date, not within five"
            )
        )
    return policy.forbidden + ("; " + "; ".join(details) if details else "")


def _is_urgent_send(envelope: Envelope, policy: DirectPolicy) -> bool:
    """True when only the ¶44 five-day exception carries the direct send (MFA is owed notice)."""
    basis = envelope.legal_basis
    return policy.urgent and not (basis is not None and basis.kind in policy.legal_bases)


def _resolve(party: str, envelope: Envelope) -> str:
    if party == SENDER:
        return envelope.sender
    if party == RECIPIENT:
        return envelope.recipient
    return party


def _due(template: StepRule, by: str, envelope: Envelope) -> date | None:
    """The step's date where the envelope makes it known and the calendar reaches it."""
    try:
        return _known_due(template, by, envelope)
    except CalendarError:  # past the last year the calendar holds: leave it undated
        return None


def _known_due(template: StepRule, by: str, envelope: Envelope) -> date | None:
    if template.within_wd is not None:
        if template.origin == "receipt":
            return (
                add_workdays(envelope.date, template.within_wd) if by == envelope.sender else None
            )
        sent = envelope.planned_send_date
        return None if sent is None else add_workdays(sent, template.within_wd)
    if template.before_send_wd is not None:
        sent = envelope.planned_send_date
        if sent is None:
            return None
        if template.before_send_wd == 0:
            return latest_workday_on_or_before(sent)
        return add_workdays(sent, -template.before_send_wd)
    fixed = getattr(envelope, template.due_field or "")
    return None if fixed is None else latest_workday_on_or_before(fixed)


def _steps(envelope: Envelope, rule: RouteRule, route: tuple[str, ...]) -> tuple[Step, ...]:
    steps = []
    for template in rule.steps:
        if template.due_field and getattr(envelope, template.due_field) is None:
            continue  # a date the envelope does not state (e.g. a forward without its deadline)
        to = {_resolve(t, envelope) for t in template.to}
        for by in dict.fromkeys(_resolve(b, envelope) for b in template.by):
            if template.route_only and (by not in route[:-1] or not to <= set(route)):
                continue  # e.g. MOJ's ¶40 hand-over when MOJ is not on the way
            addressees = tuple(sorted(to - {by}))
            if addressees:  # nobody owes a step to itself
                steps.append(
                    Step(
                        by=by,
                        to=addressees,
                        rule=template.rule,
                        within_wd=template.within_wd,
                        origin=template.origin,
                        before_send_wd=template.before_send_wd,
                        due=_due(template, by, envelope),
                    )
                )
    return tuple(steps)


def plan(envelope: Envelope) -> Plan:
    """Route ``envelope`` by the Rules; a forbidden request yields ``allowed=False`` and a refusal.

    Bad input never reaches here: parse_envelope rejects it with EnvelopeError.
    """
    rule = rule_for(envelope)
    if rule is None:
        return _unruled(envelope)
    for check in rule.checks:
        reason = check.failure(envelope)
        if reason is not None:
            return _refused(envelope, rule, check.rule, reason)
    route = _prescribed_route(envelope, rule)
    after_send: tuple[AfterSend, ...] = ()
    cited = rule.rules
    policy = rule.direct
    if envelope.direct and policy is not None and len(route) > 2:
        reason = _direct_refusal(envelope, policy)
        if reason is not None:
            return _refused(envelope, rule, policy.rule, reason)
        route = (envelope.sender, envelope.recipient)
        cited = _ordered((*cited, policy.rule))
        if _is_urgent_send(envelope, policy):
            after_send = (NOTIFY_MFA,)
    # The recipient holds the original and the sender wrote it: neither needs a copy.
    copies = tuple(sorted(set(rule.copies) - {envelope.sender, envelope.recipient}))
    steps = _steps(envelope, rule, route)
    extra = {step.rule for step in steps}.difference(cited)
    return Plan(
        allowed=True,
        route=route,
        channel=_channel(route),
        copies=copies,
        after_send=after_send,
        steps=steps,
        rules=_ordered((*cited, *extra)) if extra else cited,
        refusal=None,
        note=rule.note,
    )


def _unruled(envelope: Envelope) -> Plan:
    """No modelled rule governed the letter on its date: it goes as addressed, owing nothing."""
    return _as_addressed(envelope, (), None, _why_unruled(envelope))


def _why_unruled(envelope: Envelope) -> str:
    day = envelope.date
    versions = versions_for(envelope)
    if not versions:
        party = domestic_party(envelope)
        if sender_class(party) == "other" and in_force("¶44", day):
            return (
                f"¶44 binds only central state bodies (¶1); {party} is not one, and no other "
                "paragraph of the Rules routes this letter"
            )
        return f"no paragraph of the Rules governs {envelope.kind} for {party}"
    later = next((rule for rule in versions if day < rule.since), versions[-1])
    missing = sorted(
        (ref for ref in later.cited if ref in HISTORY and not in_force(ref, day)),
        key=paragraph_order,
    )
    reasons = "; ".join(explain(ref, day) for ref in missing)
    return f"no rule modelled for {envelope.kind} on {day.isoformat()}: {reasons}"
