"""The letter envelope's field list (contracts/route-plan.md), in the contract's order.

A neutral leaf module shared by both engines: ``routing.envelope`` parses and checks
an envelope with it, ``signing.letter`` maps it to and from the XML letter header
(letter.xsd lists the same elements in the same order). Keeping it here, importing
nothing, lets the two engines use one list without depending on each other.
"""

from typing import Final

REQUIRED: Final = ("kind", "sender", "recipient", "date")
OPTIONAL: Final = (
    "send",
    "urgent_needed_by",
    "legal_basis",
    "planned_send_date",
    "reply_deadline",
    "language",
    "communication_language",
    "signed_by_first_head",
)
FIELDS: Final = frozenset(REQUIRED + OPTIONAL)
