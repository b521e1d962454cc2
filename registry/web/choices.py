"""The choices of the letter forms: kinds, parties, legal bases (from routing, not hard-coded)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from registry.models import Agency
from routing import parties
from routing.envelope import INVITATION_SOURCES, LEGAL_BASIS_KINDS
from routing.kinds import CORRESPONDENTS, INCOMING_KINDS, KINDS

KIND_CODES: tuple[str, ...] = tuple(KINDS)


def _kind_label(code: str) -> str:
    spec = KINDS[code]
    return f"{spec.paragraphs} · {spec.title}"


def kinds() -> list[SelectChoice]:
    """Kinds an officer composes (the incoming ones are registered, not composed)."""
    return [SelectChoice(k, _kind_label(k)) for k in KINDS if k not in INCOMING_KINDS]


def incoming_kinds() -> list[SelectChoice]:
    return [SelectChoice(k, _kind_label(k)) for k in INCOMING_KINDS]


def correspondents() -> list[SelectChoice]:
    """Foreign bodies whose notes and letters MFA registers (incoming correspondence, ¶44)."""
    return [SelectChoice("", "—")] + [SelectChoice(code) for code in CORRESPONDENTS]


def agency_codes(session: Session) -> list[str]:
    """The registry's agencies (their codes, sorted)."""
    return list(session.scalars(select(Agency.code).order_by(Agency.code)))


def recipients(session: Session) -> list[SelectChoice]:
    """Every party a letter may be addressed to: foreign sides, domestic bodies, agencies."""
    agencies = agency_codes(session)
    codes = sorted(parties.FOREIGN) + sorted(parties.DOMESTIC - set(agencies)) + agencies
    return [SelectChoice(code) for code in codes]


#: ¶14-10: whose proposal an invitation to a special procedure answers (routing's codes).
INVITATION_SOURCE_LABELS = {
    "competent-bodies": _l("the competent bodies' proposal, agreed with MFA (¶14-10 1)"),
    "mfa-initiative": _l("MFA's initiative, agreed with the competent bodies (¶14-10 2)"),
    "ombudsman": _l("the Ombudsman's proposal (¶14-10 3)"),
}


def invitation_sources() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(code, INVITATION_SOURCE_LABELS[code]) for code in INVITATION_SOURCES
    ]


def legal_bases() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(k) for k in sorted(LEGAL_BASIS_KINDS)]
