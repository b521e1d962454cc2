"""Letters made the way people make them: through the real workflow services, each step
recorded in the custody log like any other. A test asks for the state it starts from —
``a_received_letter(s, officer, clerk, recipient="INTL_ORG")`` — instead of building rows.

Each step runs as its own unit of work (``act``), as a request would.
Every factory needs the demo data of tests/integration/conftest.py (the users' signing keys
enrolled with ``SIGNING_PASSPHRASE``) and an app context (the service_session fixture).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.models import Letter
from registry.permissions import Principal
from registry.services import letters
from registry.services.deadlines import today_kz
from registry.services.unit_of_work import act
from signing.letter import Attachment

from .conftest import SIGNING_PASSPHRASE


def envelope(who: Principal, **fields: Any) -> dict[str, Any]:
    """An envelope of ``who``'s agency dated today; ``fields`` add to or override it."""
    return {"date": today_kz().isoformat(), "language": "en", "sender": who.agency_code, **fields}


def a_draft(
    session: Session,
    who: Principal,
    *,
    subject: str = "Test letter",
    body: str = "Body of the test letter.",
    attachments: Sequence[Attachment] = (),
    **fields: Any,
) -> Letter:
    """A letter ``who`` composed in Arna (numbered, built, routed), not yet signed."""
    return act(
        letters.compose_letter,
        session,
        who,
        envelope=envelope(who, **fields),
        subject=subject,
        body=body,
        attachments=attachments,
    )


def a_signed_letter(session: Session, who: Principal, **draft: Any) -> str:
    """The registry number of a letter ``who`` composed and signed."""
    number = a_draft(session, who, **draft).registry_number
    act(letters.sign_letter, session, who, number, passphrase=SIGNING_PASSPHRASE)
    return number


def a_submitted_letter(session: Session, who: Principal, **draft: Any) -> str:
    """A signed letter ``who`` submitted: on its way to the first hub of its route (or sent)."""
    number = a_signed_letter(session, who, **draft)
    act(letters.submit_letter, session, who, number)
    return number


def a_received_letter(session: Session, who: Principal, hub: Principal, **draft: Any) -> str:
    """A letter ``who`` submitted and the hub person ``hub`` received."""
    number = a_submitted_letter(session, who, **draft)
    act(letters.receive_letter, session, hub, number)
    return number


def a_court_request(
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
