"""Deadline e-mails: what is due soon or overdue, to whom, each sent once.

The items are the open steps of letters (``Deadline`` rows) and the duties of the
rule files (computed by routing from each file's events). An item is "due soon"
from ``soon_workdays`` Kazakhstan working days before its date
(``ARNA_DUE_SOON_WORKDAYS``, as the inbox marks it) and "overdue" the day after.
The people told are the active users of the party that owes the step who gave an
e-mail address and did not opt out.

Each e-mail is claimed by a ``NotificationSent`` row, inserted (in a savepoint)
before it is handed to ``deliver``: the unique constraint makes a second run, or
a concurrent one, skip it; a delivery that fails rolls its claim back, so the
next run tries again. The caller runs the whole job as one unit of work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models import Deadline, Letter, NotificationSent, RuleFile, User
from registry.services import deadlines
from registry.services.errors import ServiceError
from registry.services.lifecycle import State
from registry.services.rule_files.files import duties_of
from routing.calendar import add_workdays

Urgency = Literal["due_soon", "overdue"]


@dataclass(frozen=True)
class DueItem:
    """Something a party owes by ``due``: a letter's step or a rule file's duty."""

    item: str  # NotificationSent.item
    by_party: str
    rule: str
    due: date
    reference: str  # the letter's registry number or the file's number
    title: str  # the letter's subject or the file's title
    is_letter: bool


@dataclass(frozen=True)
class Notice:
    """One e-mail to write: ``item`` is ``urgency`` for the person at ``email``."""

    user_id: int
    email: str
    full_name: str
    language: str
    urgency: Urgency
    item: DueItem


@dataclass
class RunReport:
    """What one run did."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0


class DeliveryFailed(Exception):
    """``deliver`` could not hand the e-mail over; the item is tried again next run."""


def _letter_items(session: Session, horizon: date) -> Iterator[DueItem]:
    rows = session.execute(
        select(Deadline, Letter.registry_number, Letter.subject)
        .join(Letter, Letter.id == Deadline.letter_id)
        .where(
            Deadline.done_at.is_(None),
            Deadline.due.is_not(None),
            Deadline.due <= horizon,
            Letter.state != State.CLOSED,
        )
        .order_by(Deadline.due, Deadline.id)
    )
    for deadline, number, subject in rows:
        assert deadline.due is not None
        yield DueItem(
            item=f"deadline:{deadline.id}",
            by_party=deadline.by_party,
            rule=deadline.rule,
            due=deadline.due,
            reference=number,
            title=subject,
            is_letter=True,
        )


def _file_items(session: Session, horizon: date) -> Iterator[DueItem]:
    for file in session.scalars(select(RuleFile).order_by(RuleFile.id)):
        try:
            duties = duties_of(file)
        except ServiceError:
            continue  # a file its chain cannot read has no dated duties to tell of
        for duty in duties:
            if duty.done is None and duty.due is not None and duty.due <= horizon:
                yield DueItem(
                    item=f"file:{file.id}:{duty.key}",
                    by_party=duty.by,
                    rule=duty.rule,
                    due=duty.due,
                    reference=file.number,
                    title=file.title,
                    is_letter=False,
                )


def due_items(session: Session, today: date, soon_workdays: int) -> list[DueItem]:
    """Every open item due by ``soon_workdays`` working days after ``today`` (or earlier)."""
    horizon = add_workdays(today, soon_workdays)
    return [*_letter_items(session, horizon), *_file_items(session, horizon)]


def _recipients(session: Session) -> dict[str, list[User]]:
    """Who is told, by party: active people with an address who did not opt out."""
    people = session.scalars(
        select(User)
        .where(
            User.is_active.is_(True),
            User.notify_deadlines.is_(True),
            User.email.is_not(None),
            User.agency_code.is_not(None),
        )
        .order_by(User.id)
    )
    by_party: dict[str, list[User]] = defaultdict(list)
    for user in people:
        if user.email and user.agency_code:
            by_party[user.agency_code].append(user)
    return by_party


def _claimed(session: Session, items: list[str]) -> set[tuple[int, str, str]]:
    """(user, item, kind) already claimed among ``items`` (read in chunks: the table grows
    for ever, the open items do not)."""
    claimed: set[tuple[int, str, str]] = set()
    for start in range(0, len(items), 500):
        rows = session.execute(
            select(NotificationSent.user_id, NotificationSent.item, NotificationSent.kind).where(
                NotificationSent.item.in_(items[start : start + 500])
            )
        )
        claimed.update((user_id, item, kind) for user_id, item, kind in rows)
    return claimed


def send_due(
    session: Session,
    today: date,
    soon_workdays: int,
    deliver: Callable[[Notice], None],
) -> RunReport:
    """Tell each person once per item that it is due soon, and once that it is overdue.

    ``deliver`` sends one e-mail and raises ``DeliveryFailed`` when it cannot.
    """
    report = RunReport()
    recipients = _recipients(session)
    items = due_items(session, today, soon_workdays)
    sent = _claimed(session, [item.item for item in items])
    for item in items:
        overdue, _soon = deadlines.urgency(item.due, today, soon_workdays)
        urgency: Urgency = "overdue" if overdue else "due_soon"
        for user in recipients.get(item.by_party, []):
            if (user.id, item.item, urgency) in sent:
                report.already_sent += 1
                continue
            notice = Notice(user.id, str(user.email), user.full_name, user.language, urgency, item)
            try:
                with session.begin_nested():
                    session.add(
                        NotificationSent(
                            user_id=user.id, item=item.item, kind=urgency, due=item.due
                        )
                    )
                    session.flush()  # the claim: a concurrent run's insert waits on it, then fails
                    deliver(notice)
            except IntegrityError:
                report.already_sent += 1
            except DeliveryFailed:
                report.failed += 1
            else:
                report.sent += 1
    return report


def due_count(session: Session, party: str, today: date, soon_workdays: int) -> int:
    """How many letters have a step ``party`` owes overdue or due soon (the menu's count)."""
    horizon = add_workdays(today, soon_workdays)
    query = (
        select(func.count(distinct(Deadline.letter_id)))
        .join(Letter, Letter.id == Deadline.letter_id)
        .where(
            Deadline.by_party == party,
            Deadline.done_at.is_(None),
            Deadline.due <= horizon,
            Letter.state != State.CLOSED,
        )
    )
    return int(session.scalar(query) or 0)
