"""The steps the workflow tests take again and again: the demo users, a draft, a signed
letter, an incoming court request, and reading back the custody events of a letter.

Shared by test_workflow.py and test_workflow_refusals.py, which run on the function-scoped
``service_session`` of conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import Letter
from registry.permissions import Principal
from registry.services import letters
from registry.services.custody import letter_entries
from registry.services.deadlines import today_kz
from registry.services.unit_of_work import act

from .conftest import SIGNING_PASSPHRASE

OFFICER = "officer.minhealth"
HEAD = "head.minhealth"
OTHER = "officer.minecon"
CLERK = "clerk.mfa"
MOJ = "officer.moj"
COURT = "officer.court"
AUDITOR = "auditor"

Who = Callable[[str], Principal]


def actions(session: Session, number: str) -> list[tuple[str, str | None, str | None]]:
    """(action, state_before, state_after) of every custody event of a letter."""
    events = [decode_leaf(leaf) for _i, leaf in letter_entries(session, number)]
    return [(e.action, e.state_before, e.state_after) for e in events]


def refusals(session: Session) -> list[str]:
    """Every refused action of the whole log (refused registrations carry no number)."""
    from registry.models.custody import CustodyEntry

    leaves = session.scalars(select(CustodyEntry.leaf).order_by(CustodyEntry.index))
    return [e.action for e in map(decode_leaf, map(bytes, leaves)) if e.action.endswith("-refused")]


def envelope(who: Principal, **fields: Any) -> dict[str, Any]:
    return {"date": today_kz().isoformat(), "language": "en", "sender": who.agency_code, **fields}


def draft(session: Session, who: Principal, **fields: Any) -> Letter:
    return act(
        letters.compose_letter,
        session,
        who,
        envelope=envelope(who, **fields),
        subject="Test letter",
        body="Body of the test letter.",
    )


def signed(session: Session, who: Principal, **fields: Any) -> str:
    number = draft(session, who, **fields).registry_number
    act(letters.sign_letter, session, who, number, passphrase=SIGNING_PASSPHRASE)
    return number


def court_request(
    session: Session, court: Principal, subject: str, received: date | None = None
) -> Letter:
    """The Supreme Court registers an international court's request to MINHEALTH (¶36),
    received on ``received`` (today by default)."""
    return act(
        letters.register_incoming,
        session,
        court,
        envelope={
            "kind": "court-request-forward",
            "sender": "SUPREME_COURT",
            "recipient": "AGENCY:MINHEALTH",
            "date": (received or today_kz()).isoformat(),
        },
        subject=subject,
    )
