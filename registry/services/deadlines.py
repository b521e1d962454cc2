"""Deadlines: the plan's steps as dated obligations, their clocks, and inbox urgency.

Each step of the plan (contracts/route-plan.md) becomes one ``Deadline`` row when
the letter is registered. A step whose date the planner could compute carries
it from the start; a step counted from an event still to come (a hub's receipt,
the letter's sending) gets its date when that event happens — always in
Kazakhstan working days (routing.calendar).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from registry.db import utcnow
from registry.models import Deadline, Letter
from routing.calendar import add_workdays

#: Kazakhstan has kept one time zone, UTC+5, since 1 March 2024.
KZ_TIME = timezone(timedelta(hours=5), "Asia/Almaty")


def today_kz(now: datetime | None = None) -> date:
    """Today in Kazakhstan: the day a receipt or a sending counts from."""
    return (now or datetime.now(UTC)).astimezone(KZ_TIME).date()


class Basis(StrEnum):
    """What a deadline counts from (``Deadline.basis``)."""

    RECEIPT = "receipt"  # the day the party that acts received the letter
    SEND = "send"  # the day the letter was sent
    BEFORE_SEND = "before_send"  # working days before the planned sending
    FIXED = "fixed"  # a date the plan states
    PUBLICATION = "publication"  # OHCHR's publication, recorded by MFA (¶14-8 part 2)


def _basis(step: dict[str, Any]) -> tuple[Basis, int | None]:
    if "within_wd" in step:
        return Basis(step["from"]), int(step["within_wd"])
    if "before_send_wd" in step:
        return Basis.BEFORE_SEND, int(step["before_send_wd"])
    return Basis.FIXED, None


def instantiate(letter: Letter, plan: dict[str, Any]) -> None:
    """Attach one deadline per plan step to ``letter`` (dated where the plan knows the date)."""
    for position, step in enumerate(plan["steps"]):
        basis, workdays = _basis(step)
        letter.deadlines.append(
            Deadline(
                position=position,
                rule=step["rule"],
                by_party=step["by"],
                to_parties=list(step["to"]),
                basis=basis,
                workdays=workdays,
                due=date.fromisoformat(step["due"]) if "due" in step else None,
            )
        )


def start_clocks(letter: Letter, parties: Iterable[str], basis: Basis, day: date) -> list[Deadline]:
    """Date the undated ``basis`` steps owed by ``parties``, counting from ``day``."""
    wanted = set(parties)
    started = []
    for deadline in letter.deadlines:
        if (
            deadline.due is None
            and deadline.done_at is None
            and deadline.basis == basis
            and deadline.by_party in wanted
            and deadline.workdays is not None
        ):
            deadline.due = add_workdays(day, deadline.workdays)
            started.append(deadline)
    return started


def meet(letter: Letter, by: str, to: Iterable[str], user_id: int | None) -> list[Deadline]:
    """Mark as met the open steps ``by`` owes to any of ``to`` (the letter went to them)."""
    targets = set(to)
    met = []
    for deadline in letter.deadlines:
        if (
            deadline.done_at is None
            and deadline.by_party == by
            and targets.intersection(deadline.to_parties)
            and deadline.basis != Basis.BEFORE_SEND
        ):
            deadline.done_at = utcnow()
            deadline.done_by_id = user_id
            met.append(deadline)
    return met


def urgency(due: date | None, today: date, soon_workdays: int) -> tuple[bool, bool]:
    """(overdue, due_soon) of a due date seen on ``today``."""
    if due is None:
        return False, False
    if due < today:
        return True, False
    return False, due <= add_workdays(today, soon_workdays)
