"""Decisions of international organisations and their drafts (Chapter 2, ¶7–14-4).

A decision file links one decision's chain, as a case file links a court's request:

    MFA receives the decision (¶7: a decision, resolution or recommendation)
      → ¶10: to the competent central state bodies within 5 wd of receipt
      → ¶11: each agrees its proposals with MOJ (and with BUDGET_AUTHORITY where
        money is needed) and submits them to MFA within 15 wd (start not given:
        read as its receipt of the ¶10 letter)
      → ¶12: MFA submits its own proposals to GO within 10 wd «келіп түскен
        күнінен бастап» (read: from the last competent body's proposals)
      → ¶13: GO within 10 wd (read: from its receipt) submits them to the PM with
        draft instructions and, where the President must consider them, also to PA
      → ¶14: PA considers them within 10 wd of receipt; PA_HEAD then submits them
        to the President (no deadline)

¶14-1: ¶10-14 do not apply to an EEC decision whose implementation the
Government's interaction procedure governs («…іске асырылу тәртібі өзара
іс-қимыл жасау тәртібінде айқындалатын Комиссияның шешімдеріне қолданылмайды»):
read literally, only those decisions, so the file records whether the procedure
governs it.

Each duty follows the Rules in force on the day MFA received the decision
(routing.history): ¶12 took its modelled wording, and ¶13-14 their amendments, on
13.04.2023; a duty under an earlier wording keeps no date and says why.

Drafts (¶8, ¶8-2) have no deadlines («¶8» sets none, and ¶8-1 leaves the procedure
for EEC drafts to the Government's interaction procedure, outside these Rules):
``draft_approvers`` says whose agreement a draft needs, ``draft_duties`` gives one
undated duty per approver and ``draft_agreed`` says whether every one has agreed.
An approver may first object and agree later (on a revised draft); an objection
after its agreement cannot be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from routing import parties as p
from routing.calendar import add_workdays
from routing.duties import N_, Duty
from routing.history import as_of

FORWARD_WD: Final = 5  # ¶10
PROPOSALS_WD: Final = 15  # ¶11
MFA_WD: Final = 10  # ¶12
GO_WD: Final = 10  # ¶13
PA_WD: Final = 10  # ¶14

#: The ¶11 proposals' wording, by whom they are agreed with (``agreeing_bodies``).
_PROPOSALS_AGREED_WITH: Final = {
    (p.MOJ,): N_("submit proposals agreed with MOJ"),
    (p.MOJ, p.BUDGET_AUTHORITY): N_("submit proposals agreed with MOJ and BUDGET_AUTHORITY"),
}


class DecisionError(ValueError):
    """A decision, a draft or their events that cannot be (names what is wrong)."""


def _check_competent(competent: tuple[str, ...]) -> None:
    if not competent:
        raise DecisionError("competent: at least one competent central state body")
    for body in competent:
        if body == p.MFA or not p.is_central_state_body(body):
            raise DecisionError(f"competent: {body!r} is not a central state body other than MFA")


def _check_organisation(organisation: str) -> None:
    if organisation not in (p.INTL_ORG, p.WTO, p.EEC):
        raise DecisionError(f"organisation: {organisation!r} is not INTL_ORG, WTO or EEC")


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft decision of an international organisation, to be agreed (¶8, ¶8-2)."""

    organisation: str  # INTL_ORG, WTO or EEC
    interested: tuple[str, ...]
    needs_budget: bool = False
    #: EEC drafts only: it touches the interests of private business (¶8-2).
    touches_business: bool = False
    #: EEC drafts only: the Government's interaction procedure will govern the adopted
    #: decision's implementation, so ¶10-14 will not apply to it (¶14-1).
    interaction_procedure: bool = False

    def __post_init__(self) -> None:
        _check_organisation(self.organisation)
        _check_competent(self.interested)
        if self.touches_business and self.organisation != p.EEC:
            raise DecisionError("touches_business: ¶8-2 concerns EEC drafts only")
        if self.interaction_procedure and self.organisation != p.EEC:
            raise DecisionError("interaction_procedure: ¶14-1 concerns EEC decisions only")


def draft_approvers(draft: Draft) -> dict[str, str]:
    """Whose agreement the draft needs, each with its ¶ (no deadline in the Rules).

    ¶8: the interested bodies, MFA «сыртқы саяси орындылығының мәніне» (on
    foreign-policy expediency only), the Budget Commission where money is needed;
    ¶8 part 2: EEC drafts also MTI and MOJ; ¶8-2: the NCE where an EEC draft
    touches private business.
    """
    out = dict.fromkeys(draft.interested, "¶8")
    out[p.MFA] = "¶8 (foreign-policy expediency)"
    if draft.organisation == p.EEC:
        out[p.MTI] = "¶8 part 2"
        out[p.MOJ] = "¶8 part 2"
        if draft.touches_business:
            out[p.NCE] = "¶8-2"
    if draft.needs_budget:
        out[p.BUDGET_COMMISSION] = "¶8"
    return out


@dataclass(frozen=True, slots=True)
class DraftEvents:
    """What each approver has said, each a date (absent: not yet)."""

    #: Approver -> the day its agreement reached the body running the agreement.
    agreed: Mapping[str, date] = field(default_factory=dict)
    #: Approver -> the day its objections did.
    objected: Mapping[str, date] = field(default_factory=dict)


def _check_draft(draft: Draft, events: DraftEvents) -> None:
    approvers = draft_approvers(draft)
    for name in ("agreed", "objected"):
        unknown = sorted(set(getattr(events, name)) - set(approvers))
        if unknown:
            raise DecisionError(f"{name}: {unknown[0]} is not an approver of this draft")
    for body, day in events.objected.items():
        agreed = events.agreed.get(body)
        if agreed is not None and day > agreed:
            raise DecisionError(
                f"objected: {body} agreed on {agreed.isoformat()}; objections cannot follow"
            )


def draft_duties(
    draft: Draft, events: DraftEvents | None = None, lead: str = ""
) -> tuple[Duty, ...]:
    """One duty per approver: agree the draft, under the ¶ that requires it, undated
    (the Rules set no deadline for drafts, ¶8), owed to ``lead``, the body that runs the
    agreement (¶9)."""
    events = events or DraftEvents()
    _check_draft(draft, events)
    return tuple(
        Duty(
            key=f"agree:{body}",
            by=body,
            to=(lead,) if lead else (),
            rule=rule,
            what=N_("agree the draft decision"),
            done=events.agreed.get(body),
        )
        for body, rule in draft_approvers(draft).items()
    )


def draft_agreed(draft: Draft, events: DraftEvents) -> bool:
    """The draft is agreed when every approver ¶8 and ¶8-2 require has agreed."""
    _check_draft(draft, events)
    return all(body in events.agreed for body in draft_approvers(draft))


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision as MFA received it: what opens a decision file."""

    organisation: str  # INTL_ORG, WTO or EEC
    received: date
    competent: tuple[str, ...]
    #: Implementation needs budget money: proposals are agreed with BUDGET_AUTHORITY too (¶11).
    needs_budget: bool = False
    #: Implementation requires the President's consideration: GO also submits to PA (¶13(2)).
    requires_president: bool = False
    #: EEC only: the Government's interaction procedure governs its implementation (¶14-1).
    interaction_procedure: bool = False

    def __post_init__(self) -> None:
        _check_organisation(self.organisation)
        _check_competent(self.competent)
        if self.interaction_procedure and self.organisation != p.EEC:
            raise DecisionError("interaction_procedure: ¶14-1 concerns EEC decisions only")

    @property
    def excluded(self) -> bool:
        """¶14-1: the chain of ¶10-14 does not apply."""
        return self.interaction_procedure


@dataclass(frozen=True, slots=True)
class DecisionEvents:
    """What has happened, each a date (absent: not yet)."""

    #: Competent body -> the day it received MFA's ¶10 letter.
    forwarded: Mapping[str, date] = field(default_factory=dict)
    #: Competent body -> the day MOJ (and, if money is needed, BUDGET_AUTHORITY) agreed.
    agreed: Mapping[str, Mapping[str, date]] = field(default_factory=dict)
    #: Competent body -> the day its agreed proposals reached MFA.
    proposals: Mapping[str, date] = field(default_factory=dict)
    #: MFA's proposals reached GO.
    to_go: date | None = None
    #: GO's proposals reached the PM.
    to_pm: date | None = None
    #: GO's proposals reached PA (¶13(2)).
    to_pa: date | None = None
    #: PA finished its consideration (¶14).
    pa_considered: date | None = None
    #: PA_HEAD submitted them to the President.
    to_president: date | None = None


def agreeing_bodies(decision: Decision) -> tuple[str, ...]:
    """Whom each competent body agrees its proposals with (¶11)."""
    return (p.MOJ, p.BUDGET_AUTHORITY) if decision.needs_budget else (p.MOJ,)


def _check(decision: Decision, events: DecisionEvents) -> None:
    for name in ("forwarded", "agreed", "proposals"):
        unknown = sorted(set(getattr(events, name)) - set(decision.competent))
        if unknown:
            raise DecisionError(f"{name}: {unknown[0]} is not a competent body of this decision")
    for body, by in events.agreed.items():
        stray = sorted(set(by) - set(agreeing_bodies(decision)))
        if stray:
            raise DecisionError(f"agreed: {body}'s proposals are not agreed with {stray[0]} (¶11)")
    for body in events.proposals:
        missing = [a for a in agreeing_bodies(decision) if a not in events.agreed.get(body, {})]
        if missing:
            raise DecisionError(
                f"proposals: {body} submitted proposals not agreed with {missing[0]} (¶11)"
            )
    if events.to_pa is not None and not decision.requires_president:
        raise DecisionError("to_pa: GO submits to PA only where the President must consider it")
    dated = [*events.forwarded.values(), *events.proposals.values()]
    dated += [events.to_go, events.to_pm, events.to_pa, events.pa_considered]
    if any(day is not None and day < decision.received for day in dated):
        raise DecisionError("events: an event precedes MFA's receipt of the decision")


def decision_duties(decision: Decision, events: DecisionEvents | None = None) -> tuple[Duty, ...]:
    """Every duty of the decision file, dated where the events make the date known.

    An EEC decision excluded by ¶14-1 has none.
    """
    events = events or DecisionEvents()
    _check(decision, events)
    if decision.excluded:
        return ()
    duties: list[Duty] = []
    for body in decision.competent:
        duties.append(
            Duty(
                key=f"forward:{body}",
                by=p.MFA,
                to=(body,),
                rule="¶10",
                what=N_("send the decision for proposals on its implementation"),
                due=add_workdays(decision.received, FORWARD_WD),
                done=events.forwarded.get(body),
            )
        )
        got = events.forwarded.get(body)
        duties.append(
            Duty(
                key=f"proposals:{body}",
                by=body,
                to=(p.MFA,),
                rule="¶11",
                what=_PROPOSALS_AGREED_WITH[agreeing_bodies(decision)],
                due=None if got is None else add_workdays(got, PROPOSALS_WD),
                done=events.proposals.get(body),
            )
        )
    complete = all(body in events.proposals for body in decision.competent)
    last = max(events.proposals.values()) if complete else None
    duties.append(
        Duty(
            key="to-go",
            by=p.MFA,
            to=(p.GO,),
            rule="¶12",
            what=N_("submit MFA's proposals to GO"),
            due=None if last is None else add_workdays(last, MFA_WD),
            done=events.to_go,
        )
    )
    go_due = None if events.to_go is None else add_workdays(events.to_go, GO_WD)
    duties.append(
        Duty(
            key="to-pm",
            by=p.GO,
            to=(p.PM,),
            rule="¶13(1)",
            what=N_("submit the proposals with draft instructions to the Prime Minister"),
            due=go_due,
            done=events.to_pm,
        )
    )
    if decision.requires_president:
        duties.append(
            Duty(
                key="to-pa",
                by=p.GO,
                to=(p.PA,),
                rule="¶13(2)",
                what=N_("submit GO's proposals to PA (the President's consideration)"),
                due=go_due,
                done=events.to_pa,
            )
        )
        duties.append(
            Duty(
                key="pa-consider",
                by=p.PA,
                to=(p.PA_HEAD,),
                rule="¶14",
                what=N_("consider GO's proposals"),
                due=None if events.to_pa is None else add_workdays(events.to_pa, PA_WD),
                done=events.pa_considered,
            )
        )
        duties.append(
            Duty(
                key="to-president",
                by=p.PA_HEAD,
                to=(p.PRESIDENT,),
                rule="¶14",
                what=N_("submit the proposals with draft instructions (no deadline)"),
                done=events.to_president,
            )
        )
    return tuple(as_of(duty, decision.received) for duty in duties)
