"""Letters as the API returns them and the pages show them (no domain decisions here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.custody.event import decode_leaf
from registry.models import Deadline, Letter
from registry.services import custody
from registry.services.letters import InboxItem, Transition
from routing.calendar import count_workdays


def history(session: Session, letter: Letter) -> list[dict[str, Any]]:
    """The letter's custody events, oldest first, as the log's leaves encode them."""
    entries = custody.letter_entries(session, letter.registry_number)
    return [decode_leaf(leaf).to_dict() for _index, leaf in entries]


def deadline_dict(deadline: Deadline) -> dict[str, Any]:
    return {
        "id": deadline.id,
        "by": deadline.by_party,
        "to": list(deadline.to_parties),
        "rule": deadline.rule,
        "basis": deadline.basis,
        "workdays": deadline.workdays,
        "due": deadline.due.isoformat() if deadline.due else None,
        "done_at": _time(deadline.done_at),
    }


def _time(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def letter_summary(letter: Letter) -> dict[str, Any]:
    """The fields of a list line."""
    return {
        "registry_number": letter.registry_number,
        "direction": letter.direction,
        "kind": letter.kind,
        "agency": letter.agency_code,
        "sender": letter.sender,
        "recipient": letter.recipient,
        "subject": letter.subject,
        "date": letter.letter_date.isoformat(),
        "state": letter.state,
        "holder": letter.holder,
        "notice_outstanding": bool(letter.notice_required and letter.notice_filed_at is None),
        "sha256": letter.sha256,
        "updated_at": _time(letter.updated_at),
    }


def letter_detail(
    session: Session, letter: Letter, transitions: Sequence[Transition]
) -> dict[str, Any]:
    """Everything about one letter: report, plan, deadlines, history, what may be done next."""
    return {
        **letter_summary(letter),
        "envelope": letter.envelope,
        "plan": letter.plan,
        "verification": letter.verification,
        "verified_at": _time(letter.verified_at),
        "signed_by": letter.signed_by,
        "note_number": letter.note_number,
        "note_date": letter.note_date.isoformat() if letter.note_date else None,
        "return_reasons": letter.return_reasons,
        "notice_required": letter.notice_required,
        "notice_filed_at": _time(letter.notice_filed_at),
        "deadlines": [deadline_dict(d) for d in letter.deadlines],
        "history": history(session, letter),
        "actions": [t.value for t in transitions],
    }


def inbox_item_dict(item: InboxItem) -> dict[str, Any]:
    return {
        **letter_summary(item.letter),
        "next_action": item.next_action.value if item.next_action else None,
        "due": item.due.isoformat() if item.due else None,
        "rule": item.rule,
        "overdue": item.overdue,
        "due_soon": item.due_soon,
        "deadline_id": item.deadline_id,
    }


def deadline_urgency(deadline: Deadline, today: date, config: Mapping[str, Any]) -> str:
    """The CSS class of an open deadline's row: "overdue", "due-soon" or "" (neither)."""
    if deadline.done_at is not None or deadline.due is None:
        return ""
    if deadline.due < today:
        return "overdue"
    if count_workdays(today, deadline.due) <= config["ARNA_DUE_SOON_WORKDAYS"]:
        return "due-soon"
    return ""
