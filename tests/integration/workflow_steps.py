"""What the workflow tests share besides the letter factories (factories.py): the demo
users, and reading back the custody events of a letter or of the whole log.

Shared by test_workflow.py and test_workflow_refusals.py, which run on the function-scoped
``service_session`` of conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.permissions import Principal
from registry.services.custody import letter_entries

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
