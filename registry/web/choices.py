"""The choices of the letter forms: kinds, parties, legal bases (from routing, not hard-coded).

Built per request: each option reads as a name in the reader's language, its value is the code.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from registry import names
from registry.web.names import agency_names, language, party_name
from routing import parties
from routing.envelope import INVITATION_SOURCES, LEGAL_BASIS_KINDS
from routing.kinds import CORRESPONDENTS, INCOMING_KINDS, KINDS

KIND_CODES: tuple[str, ...] = tuple(KINDS)


def _kind_label(code: str) -> str:
    return f"{names.kind(code, gettext)} ({KINDS[code].paragraphs})"


def kinds() -> list[SelectChoice]:
    """Kinds an officer composes (the incoming ones are registered, not composed)."""
    return [SelectChoice(k, _kind_label(k)) for k in KINDS if k not in INCOMING_KINDS]


def incoming_kinds() -> list[SelectChoice]:
    return [SelectChoice(k, _kind_label(k)) for k in INCOMING_KINDS]


def correspondents() -> list[SelectChoice]:
    """Foreign bodies whose notes and letters MFA registers (incoming correspondence, ¶44)."""
    return [SelectChoice("", "—")] + [_party(code) for code in CORRESPONDENTS]


def agency_codes() -> list[str]:
    """The registry's agencies (their codes), in the order of the names the reader sees."""
    return sorted(agency_names(language()), key=party_name)


def _party(code: str) -> SelectChoice:
    return SelectChoice(code, party_name(code))


def recipients() -> list[SelectChoice]:
    """Every party a letter may be addressed to: foreign sides, domestic bodies, agencies.

    Each group is in the alphabetical order of the names the reader sees.
    """
    agencies = set(agency_names(language()))
    groups = (parties.FOREIGN, parties.DOMESTIC - agencies, agencies)
    return [_party(code) for group in groups for code in sorted(group, key=party_name)]


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
    return [SelectChoice("", "—")] + [
        SelectChoice(code, names.legal_basis(code, gettext)) for code in sorted(LEGAL_BASIS_KINDS)
    ]
