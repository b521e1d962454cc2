"""Reading letters: the route preview, one letter, the filtered list, its history, inboxes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from custody.event import decode_leaf
from registry.config import current_setting
from registry.models import Deadline, Letter
from registry.permissions import Principal, Role, ensure_can_see, letter_scope
from registry.services import deadlines
from registry.services.custody import letter_entries
from registry.services.errors import ServiceError
from registry.services.letters.actions import authorise
from registry.services.letters.records import plan_envelope, refusal_text
from registry.services.lifecycle import TRANSITIONS, Direction, State, Transition
from routing.calendar import add_workdays


@dataclass(frozen=True)
class RoutePreview:
    """What the compose form shows before signing: the plan and the ¶ that decide it."""

    plan: dict[str, Any]
    explanations: list[str]


@dataclass(frozen=True)
class InboxItem:
    """One line of a person's inbox: a letter and what is due on it, most urgent first."""

    letter: Letter
    next_action: Transition | None
    due: date | None
    rule: str | None
    overdue: bool
    due_soon: bool
    deadline_id: int | None = None


@dataclass(frozen=True)
class LetterFilter:
    """Filters of the letter list (every field optional)."""

    state: State | None = None
    kind: str | None = None
    direction: Direction | None = None
    holder: str | None = None
    text: str | None = None  # in the registry number or subject
    limit: int = 100
    offset: int = 0
    before_id: int | None = None  # only letters older than this one (an export's next page)


@dataclass(frozen=True)
class HistoryEntry:
    """One custody event of a letter, as the log holds it."""

    index: int
    time: str
    user: str
    role: str
    agency: str | None
    action: str
    state_before: str | None
    state_after: str | None
    letter_sha256: str | None


def preview_route(envelope: Mapping[str, Any]) -> RoutePreview:
    """Plan ``envelope`` without storing anything; Invalid (naming the field) on a bad envelope."""
    _parsed, route_plan = plan_envelope(envelope)
    plan_dict = route_plan.to_dict()
    lines = [f"route: {' → '.join(plan_dict['route'])} ({plan_dict['channel']})"]
    if route_plan.refusal is not None:
        lines.append(f"refused by {refusal_text(route_plan)}")
    for step in plan_dict["steps"]:
        when = (
            f"within {step['within_wd']} working days of {step['from']}"
            if "within_wd" in step
            else f"{step['before_send_wd']} working days before sending"
            if "before_send_wd" in step
            else "by the stated date"
        )
        due = f" (due {step['due']})" if "due" in step else ""
        lines.append(f"{step['rule']}: {step['by']} → {', '.join(step['to'])} {when}{due}")
    lines.extend(
        f"{a['rule']}: afterwards {a['party']} must be informed" for a in plan_dict["after_send"]
    )
    if plan_dict["copies"]:
        lines.append(f"copies for information: {', '.join(plan_dict['copies'])}")
    return RoutePreview(plan=plan_dict, explanations=lines)


def get_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The letter, or NotFound when missing or outside the person's scope (indistinguishable)."""
    letter = session.scalar(select(Letter).where(Letter.registry_number == registry_number))
    return ensure_can_see(principal, letter, registry_number)


def list_letters(session: Session, principal: Principal, flt: LetterFilter) -> list[Letter]:
    """Letters in the person's scope, newest first, filtered."""
    query = select(Letter).where(letter_scope(principal))
    if flt.state is not None:
        query = query.where(Letter.state == flt.state.value)
    if flt.kind is not None:
        query = query.where(Letter.kind == flt.kind)
    if flt.direction is not None:
        query = query.where(Letter.direction == flt.direction)
    if flt.holder is not None:
        query = query.where(Letter.holder == flt.holder)
    if flt.text:
        query = query.where(
            or_(
                Letter.registry_number.contains(flt.text, autoescape=True),
                Letter.subject.contains(flt.text, autoescape=True),
            )
        )
    if flt.before_id is not None:
        query = query.where(Letter.id < flt.before_id)
    limit = max(1, min(flt.limit, 1000))
    query = query.order_by(Letter.id.desc()).limit(limit).offset(max(0, flt.offset))
    return list(session.scalars(query))


def letter_history(
    session: Session, principal: Principal, registry_number: str
) -> list[HistoryEntry]:
    """The letter's custody events, in log order (refused attempts included)."""
    get_letter(session, principal, registry_number)
    entries = []
    for index, leaf in letter_entries(session, registry_number):
        event = decode_leaf(leaf)
        entries.append(
            HistoryEntry(
                index=index,
                time=event.time,
                user=event.actor.user,
                role=event.actor.role,
                agency=event.actor.agency,
                action=event.action,
                state_before=event.state_before,
                state_after=event.state_after,
                letter_sha256=event.letter_sha256,
            )
        )
    return entries


def available_transitions(principal: Principal, letter: Letter) -> list[Transition]:
    """The transitions this person may attempt on this letter now (the UI's buttons)."""
    possible = []
    for name, spec in TRANSITIONS.items():
        if None in spec.sources:
            continue
        try:
            authorise(principal, name, letter)
        except ServiceError:
            continue
        possible.append(name)
    return possible


def inbox(
    session: Session,
    principal: Principal,
    today: date | None = None,
    *,
    due_soon_workdays: int | None = None,
    limit: int = 200,
    kind: str | None = None,
    state: State | None = None,
    urgency: Literal["overdue", "due_soon"] | None = None,
) -> list[InboxItem]:
    """What waits for this person, most urgent first: open deadlines and letters to act on.

    Overdue items first, then by due date (undated last; newest first among equals);
    ``due_soon`` flags items due within ``due_soon_workdays`` working days
    (``ARNA_DUE_SOON_WORKDAYS``). The database sorts and cuts at ``limit`` lines:
    ordering by the earliest open due date already puts every overdue item first.
    ``kind``, ``state`` and ``urgency`` narrow the query itself, before that cut, so
    no match is lost behind ``limit`` other lines.
    """
    today = today or deadlines.today_kz()
    if due_soon_workdays is None:
        due_soon_workdays = int(current_setting("ARNA_DUE_SOON_WORKDAYS"))
    party = principal.agency_code
    everyone = principal.role is Role.AUDITOR or party is None
    owed = select(Deadline.letter_id, func.min(Deadline.due).label("due")).where(
        Deadline.done_at.is_(None)
    )
    if not everyone:
        owed = owed.where(Deadline.by_party == party)
    owed_due = owed.group_by(Deadline.letter_id).subquery()
    waiting = owed_due.c.letter_id.is_not(None)
    if not everyone:
        waiting = or_(
            waiting,
            and_(Letter.holder == party, Letter.state.in_([State.SUBMITTED, State.RECEIVED])),
            and_(
                Letter.agency_code == party,
                Letter.state.in_([State.DRAFT, State.SIGNED, State.RETURNED, State.FORWARDED]),
            ),
            and_(
                Letter.agency_code == party,
                Letter.notice_required.is_(True),
                Letter.notice_filed_at.is_(None),
                Letter.state == State.SENT,
            ),
        )
    narrowed = []
    if kind is not None:
        narrowed.append(Letter.kind == kind)
    if state is not None:
        narrowed.append(Letter.state == state)
    if urgency == "overdue":  # as deadlines.urgency decides it, on the earliest open due date
        narrowed.append(owed_due.c.due < today)
    elif urgency == "due_soon":
        narrowed.append(owed_due.c.due.between(today, add_workdays(today, due_soon_workdays)))
    letters = session.scalars(
        select(Letter)
        .outerjoin(owed_due, owed_due.c.letter_id == Letter.id)
        .where(letter_scope(principal), waiting, Letter.state != State.CLOSED, *narrowed)
        .order_by(owed_due.c.due.is_(None), owed_due.c.due, Letter.id.desc())
        .limit(max(1, limit))
        .options(selectinload(Letter.deadlines))
    )
    items = []
    for letter in letters:
        open_steps = [
            d for d in letter.deadlines if d.done_at is None and (everyone or d.by_party == party)
        ]
        first = min(open_steps, key=lambda d: (d.due is None, d.due or date.max), default=None)
        due = first.due if first else None
        overdue, soon = deadlines.urgency(due, today, due_soon_workdays)
        actions = available_transitions(principal, letter)
        items.append(
            InboxItem(
                letter=letter,
                next_action=actions[0] if actions else None,
                due=due,
                rule=first.rule if first else None,
                overdue=overdue,
                due_soon=soon,
                deadline_id=first.id if first else None,
            )
        )
    return items
