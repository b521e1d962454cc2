"""Reading letters: the route preview, one letter, the filtered list, its history, inboxes.

The list and the inbox cost the same at a hundred letters and at a hundred
thousand: they page by keyset (registry.services.letters.paging), select scope
through ``letter_parties`` and open work through partial indexes, and never load
a letter's blobs (its XML, envelope, verification report, dispatch record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session, defer, load_only, selectinload

from custody.event import decode_leaf
from registry.config import current_setting
from registry.models import Deadline, Letter
from registry.models.letters import OPEN_LETTER
from registry.permissions import Principal, Role, ensure_can_see, letter_scope
from registry.services import deadlines
from registry.services.custody import letter_entries
from registry.services.errors import ServiceError
from registry.services.letters.actions import authorise
from registry.services.letters.paging import Cursor, Sort, after, after_due, by_date, order_by
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
    text: str | None = None  # in the registry number or subject (see `text_match`)
    agency: str | None = None  # the letter's own agency
    recipient: str | None = None
    date_from: date | None = None  # the letter's own date, inclusive
    date_to: date | None = None
    overdue: bool = False  # an open step past its due date (on ``today``)
    today: date | None = None
    sort: Sort = Sort.NEWEST
    cursor: int | None = None  # the last letter of the page before (paging); not offset
    limit: int = 100
    offset: int = 0


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


#: What a list line shows (registry.web.present.letter_summary): never the blobs.
SUMMARY_COLUMNS = (
    Letter.id,
    Letter.registry_number,
    Letter.direction,
    Letter.kind,
    Letter.agency_code,
    Letter.sender,
    Letter.recipient,
    Letter.subject,
    Letter.letter_date,
    Letter.state,
    Letter.holder,
    Letter.notice_required,
    Letter.notice_filed_at,
    Letter.sha256,
    Letter.updated_at,
)
#: What an inbox line leaves unloaded (its actions still read the plan and signers).
BLOBS = (Letter.xml, Letter.envelope, Letter.verification, Letter.dispatch_record)


def text_match(session: Session, text: str) -> ColumnElement[bool]:
    """Letters whose registry number or subject matches ``text``.

    PostgreSQL: the text anywhere, any case (ILIKE, served by the pg_trgm GIN
    indexes of migration 0016). SQLite, the small installation's database: a
    *prefix* of the registry number (any case: numbers are upper case) or of the
    subject (as typed), each a range on a plain index — a substring search there
    would read every letter.
    """
    if session.get_bind().dialect.name == "postgresql":
        return or_(
            Letter.registry_number.icontains(text, autoescape=True),
            Letter.subject.icontains(text, autoescape=True),
        )
    return or_(_prefix(Letter.registry_number, text.upper()), _prefix(Letter.subject, text))


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    return and_(column >= text, column < text + "\U0010ffff")


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(
        OPEN_LETTER,
        exists().where(
            Deadline.letter_id == Letter.id, Deadline.done_at.is_(None), Deadline.due < today
        ),
    )


def list_letters(session: Session, principal: Principal, flt: LetterFilter) -> list[Letter]:
    """Letters in the person's scope, filtered, in ``flt.sort`` order (newest first).

    Pages by ``flt.cursor`` (`next_cursor`); ``flt.offset`` still works but costs
    what it skips.
    """
    query = select(Letter).where(letter_scope(principal)).options(load_only(*SUMMARY_COLUMNS))
    equal = [
        (Letter.state, flt.state.value if flt.state is not None else None),
        (Letter.kind, flt.kind),
        (Letter.direction, flt.direction),
        (Letter.holder, flt.holder),
        (Letter.agency_code, flt.agency),
        (Letter.recipient, flt.recipient),
    ]
    query = query.where(*(column == value for column, value in equal if value is not None))
    if flt.date_from is not None:
        query = query.where(Letter.letter_date >= flt.date_from)
    if flt.date_to is not None:
        query = query.where(Letter.letter_date <= flt.date_to)
    if flt.overdue:
        query = query.where(_overdue(flt.today or deadlines.today_kz()))
    if flt.text:
        query = query.where(text_match(session, flt.text))
    if flt.cursor is not None:
        day = None
        if by_date(flt.sort):
            day = session.scalar(
                select(Letter.letter_date).where(Letter.id == flt.cursor, letter_scope(principal))
            )
            if day is None:
                return []
        query = query.where(after(flt.sort, Cursor(flt.cursor, day)))
    limit = max(1, min(flt.limit, 1000))
    query = query.order_by(*order_by(flt.sort)).limit(limit).offset(max(0, flt.offset))
    return list(session.scalars(query))


def next_cursor(flt: LetterFilter, rows: list[Letter]) -> int | None:
    """The cursor of the page after ``rows``: its last letter (None when this page is the last)."""
    if len(rows) < max(1, min(flt.limit, 1000)):
        return None
    return rows[-1].id


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
    agency: str | None = None,
    recipient: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: int | None = None,
) -> list[InboxItem]:
    """What waits for this person, most urgent first: open deadlines and letters to act on.

    Overdue items first, then by due date (undated last; newest first among equals);
    ``due_soon`` flags items due within ``due_soon_workdays`` working days
    (``ARNA_DUE_SOON_WORKDAYS``). The database sorts and cuts at ``limit`` lines:
    ordering by the earliest open due date already puts every overdue item first.
    The filters narrow the query itself, before that cut, so no match is lost
    behind ``limit`` other lines; ``cursor`` (`next_inbox_cursor`) starts after a
    previous page. Closed letters never wait for anyone, whatever steps they left open.

    The letters that may wait are gathered first, each way from its own index (open
    steps of the party: the partial ``ix_deadlines_open``; letters it holds: the
    partial ``ix_letters_open_holder``; its agency's own: ``ix_letters_agency_state``),
    so the cost follows the open work, not the size of the registry.
    """
    today = today or deadlines.today_kz()
    if due_soon_workdays is None:
        due_soon_workdays = int(current_setting("ARNA_DUE_SOON_WORKDAYS"))
    party = principal.agency_code
    everyone = principal.role is Role.AUDITOR or party is None
    open_steps = [Deadline.done_at.is_(None)]
    if not everyone:
        open_steps.append(Deadline.by_party == party)
    owed_due = (
        select(Deadline.letter_id, func.min(Deadline.due).label("due"))
        .where(*open_steps)
        .group_by(Deadline.letter_id)
        .subquery()
    )
    waiting: Select[tuple[int]] | CompoundSelect = select(Deadline.letter_id).where(*open_steps)
    if not everyone:
        waiting = union(
            waiting,
            select(Letter.id).where(
                Letter.holder == party, Letter.state.in_([State.SUBMITTED, State.RECEIVED])
            ),
            select(Letter.id).where(
                Letter.agency_code == party,
                Letter.state.in_([State.DRAFT, State.SIGNED, State.RETURNED, State.FORWARDED]),
            ),
            select(Letter.id).where(
                Letter.agency_code == party,
                Letter.state == State.SENT,
                Letter.notice_required.is_(True),
                Letter.notice_filed_at.is_(None),
            ),
        )
    narrowed = [
        column == value
        for column, value in [
            (Letter.kind, kind),
            (Letter.state, state),
            (Letter.agency_code, agency),
            (Letter.recipient, recipient),
        ]
        if value is not None
    ]
    if date_from is not None:
        narrowed.append(Letter.letter_date >= date_from)
    if date_to is not None:
        narrowed.append(Letter.letter_date <= date_to)
    if urgency == "overdue":  # as deadlines.urgency decides it, on the earliest open due date
        narrowed.append(owed_due.c.due < today)
    elif urgency == "due_soon":
        narrowed.append(owed_due.c.due.between(today, add_workdays(today, due_soon_workdays)))
    if cursor is not None:
        day = session.scalar(
            select(func.min(Deadline.due)).where(Deadline.letter_id == cursor, *open_steps)
        )
        narrowed.append(after_due(owed_due.c.due, Cursor(cursor, day)))
    # Sorted and cut on ids alone; only the lines shown are then read whole.
    page = list(
        session.scalars(
            select(Letter.id)
            .outerjoin(owed_due, owed_due.c.letter_id == Letter.id)
            .where(Letter.id.in_(waiting), letter_scope(principal), OPEN_LETTER, *narrowed)
            .order_by(owed_due.c.due.is_(None), owed_due.c.due, Letter.id.desc())
            .limit(max(1, limit))
        )
    )
    rows = session.scalars(
        select(Letter)
        .where(Letter.id.in_(page))
        .options(*(defer(column) for column in BLOBS), selectinload(Letter.deadlines))
    )
    by_id = {letter.id: letter for letter in rows}
    items = []
    for letter in (by_id[letter_id] for letter_id in page):
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


def next_inbox_cursor(items: list[InboxItem], limit: int) -> int | None:
    """The cursor of the inbox page after ``items``: its last letter (None on the last page)."""
    if len(items) < max(1, limit):
        return None
    return items[-1].letter.id
