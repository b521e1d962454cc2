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

#: Named central state bodies (¶1: «Орталық атқарушы органдар және … Президентіне тікелей
#: бағынатын және есеп беретін мемлекеттік органдар»); every ``AGENCY:<ID>`` is one too.
#: The Supreme Court is a state body but not a central one: ¶44 does not route its letters.
NAMED_CENTRAL_BODIES: Final = frozenset({MFA, MOJ, MTI})
#: Chapter 6 does not apply to them (¶50).
CHAPTER_6_EXEMPT: Final = frozenset({PA, GO})
#: State bodies that are not central state bodies (¶1) yet are bound by Chapter 5 (¶36–38).
OTHER_STATE_BODIES: Final = frozenset({SUPREME_COURT})
DOMESTIC: Final = (
    NAMED_CENTRAL_BODIES | CHAPTER_6_EXEMPT | OTHER_STATE_BODIES | frozenset({OMBUDSMAN, NCE})
)

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
    """MFA, MOJ, MTI and every agency: the central state bodies of ¶1, whom ¶42–44 bind."""
    return code in NAMED_CENTRAL_BODIES or is_agency(code)


def is_state_body(code: str) -> bool:
    """Central state bodies, PA, GO and the Supreme Court: who may receive a court's request."""
    return is_central_state_body(code) or code in CHAPTER_6_EXEMPT | OTHER_STATE_BODIES


# Codes RULES.md proposes for Chapters 1-4 and ¶45-50 ("Proposed codes"). They are
# parties of those chains only: the letter planner (¶42-44) never routes them.
PRESIDENT: Final = "PRESIDENT"
PM: Final = "PM"
DPM: Final = "DPM"
PA_HEAD: Final = "PA_HEAD"
#: The President's aide on international matters (¶29, ¶31, ¶32-1).
PA_AIDE_INTL: Final = "PA_AIDE_INTL"
#: The Republican Budget Commission (¶8).
BUDGET_COMMISSION: Final = "BUDGET_COMMISSION"
#: The budget-planning authority (¶11), unnamed in the Rules.
BUDGET_AUTHORITY: Final = "BUDGET_AUTHORITY"
MINFIN: Final = "AGENCY:MINFIN"
SUPREME_AUDIT_CHAMBER: Final = "SUPREME_AUDIT_CHAMBER"
#: ``ORG:<ID>``: a state organisation that is not a state body.
ORG_CODE: Final = re.compile(r"ORG:[A-Z0-9_]+")
LEADERSHIP: Final = frozenset(
    {PRESIDENT, PM, DPM, PA_HEAD, PA_AIDE_INTL, BUDGET_COMMISSION, BUDGET_AUTHORITY}
)


def is_organisation(code: str) -> bool:
    """True for a well-formed ``ORG:<ID>`` code (an organisation, not a state body)."""
    return ORG_CODE.fullmatch(code) is not None


def is_body_or_organisation(code: str) -> bool:
    """State bodies and ``ORG:<ID>`` organisations («мемлекеттік органдар мен ұйымдар», ¶31-33)."""
    return is_state_body(code) or is_organisation(code)
