"""Party codes of RULES.md ("Parties"), and the classes the Rules reason about.

The Rules never route "a ministry"; they route a *central state body*, a body
excluded from Chapter 6 (PA, GO, ¶50), a non-state body (the NCE, ¶41) or a
foreign side. Keeping those classes here means the planner and the envelope
parser agree on who may send what.
"""

from __future__ import annotations

import re
from typing import Final

MFA: Final = "MFA"
MOJ: Final = "MOJ"
MTI: Final = "MTI"
PA: Final = "PA"
GO: Final = "GO"
SUPREME_COURT: Final = "SUPREME_COURT"
OMBUDSMAN: Final = "OMBUDSMAN"
NCE: Final = "NCE"

FOREIGN_STATE_BODY: Final = "FOREIGN_STATE_BODY"
DIPLOMATIC_MISSION: Final = "DIPLOMATIC_MISSION"
INTL_ORG: Final = "INTL_ORG"
WTO: Final = "WTO"
EEC: Final = "EEC"
INTL_COURT: Final = "INTL_COURT"
EAEU_COURT: Final = "EAEU_COURT"
SPECIAL_PROCEDURE: Final = "SPECIAL_PROCEDURE"
TREATY_BODY: Final = "TREATY_BODY"

AGENCY_PREFIX: Final = "AGENCY:"
#: ``AGENCY:<ID>``: ID of upper-case Latin letters, digits and underscores.
AGENCY_CODE: Final = re.compile(r"AGENCY:[A-Z0-9_]+")

#: Named central state bodies; every ``AGENCY:<ID>`` is one too (RULES.md, "Parties").
NAMED_CENTRAL_BODIES: Final = frozenset({MFA, MOJ, MTI, SUPREME_COURT})
#: Chapter 6 does not apply to them (¶50).
CHAPTER_6_EXEMPT: Final = frozenset({PA, GO})
DOMESTIC: Final = NAMED_CENTRAL_BODIES | CHAPTER_6_EXEMPT | frozenset({OMBUDSMAN, NCE})

#: International judicial bodies (Chapter 5, ¶36–41).
COURTS: Final = frozenset({INTL_COURT, EAEU_COURT})
FOREIGN: Final = frozenset(
    {
        FOREIGN_STATE_BODY,
        DIPLOMATIC_MISSION,
        INTL_ORG,
        WTO,
        EEC,
        SPECIAL_PROCEDURE,
        TREATY_BODY,
    }
    | COURTS
)


def is_agency(code: str) -> bool:
    """True for a well-formed ``AGENCY:<ID>`` code."""
    return AGENCY_CODE.fullmatch(code) is not None


def is_party(code: str) -> bool:
    """True for any code of RULES.md's party table."""
    return code in DOMESTIC or code in FOREIGN or is_agency(code)


def is_central_state_body(code: str) -> bool:
    """MFA, MOJ, MTI, the Supreme Court and every agency: the bodies ¶42–44 bind."""
    return code in NAMED_CENTRAL_BODIES or is_agency(code)


def is_state_body(code: str) -> bool:
    """Central state bodies plus PA and GO: who may receive and answer a court's request (¶36)."""
    return is_central_state_body(code) or code in CHAPTER_6_EXEMPT
