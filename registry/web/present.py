"""Letters as the API returns them and the pages show them (no domain decisions here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.models import Deadline, Letter
from registry.permissions import Principal
from registry.services import deadlines, letters
from registry.services.letters import InboxItem, Transition
from routing.duties import Duty
from signing.letter import LetterError, read_letter
from signing.xmlparse import XMLInputError, parse_xml


def history(session: Session, principal: Principal, letter: Letter) -> list[dict[str, Any]]:
    """The letter's custody events, oldest first (refused attempts included)."""
    entries = letters.letter_history(session, principal, letter.registry_number)
    return [asdict(entry) for entry in entries]


def deadline_dict(deadline: Deadline) -> dict[str, Any]:
    return {
        "id": deadline.id,
        "by": deadline.by_party,
        "to": list(deadline.to_parties),
        "rule": deadline.rule,
        "basis": deadline.basis,
        "workdays": deadline.workdays,
        "due": deadline.due.isoformat() if deadline.due else None,
        "counted_from": deadline.counted_from.isoformat() if deadline.counted_from else None,
        "done_at": _time(deadline.done_at),
    }


def duty_dict(duty: Duty, today: date) -> dict[str, Any]:
    """One duty of a chain (a case file, a rule file) as the API shows it on ``today``."""
    return {
        "key": duty.key,
        "by": duty.by,
        "to": list(duty.to),
        "rule": duty.rule,
        "what": duty.text,
        "due": duty.due.isoformat() if duty.due else None,
        "done": duty.done.isoformat() if duty.done else None,
        "state": duty.state(today).value,
        "note": duty.note,
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
    session: Session,
    principal: Principal,
    letter: Letter,
    transitions: Sequence[Transition],
    *,
    with_history: bool = True,
) -> dict[str, Any]:
    """Everything about one letter: report, plan, deadlines, history, what may be done next.

    ``with_history=False`` leaves the custody history out (two queries fewer): the
    answer to a submission, whose history is the one event just written.
    """
    detail = {
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
        "actions": [t.value for t in transitions],
    }
    if with_history:
        detail["history"] = history(session, principal, letter)
    return detail


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


def deadline_urgency(deadline: Deadline, today: date, soon_workdays: int) -> str:
    """The CSS class of an open deadline's row: "overdue", "due-soon" or "" (neither)."""
    if deadline.done_at is not None:
        return ""
    overdue, soon = deadlines.urgency(deadline.due, today, soon_workdays)
    return "overdue" if overdue else ("due-soon" if soon else "")


def letter_body(letter: Letter) -> str | None:
    """The text of the letter as signed (read through the hardened parser), or None."""
    if letter.xml is None:
        return None
    try:
        return read_letter(parse_xml(letter.xml)).body
    except (XMLInputError, LetterError):
        return None
