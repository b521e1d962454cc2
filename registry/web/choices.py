"""The choices of the letter forms: kinds, parties, legal bases (from routing, not hard-coded)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from registry.models import Agency
from routing import parties
from routing.envelope import LEGAL_BASIS_KINDS
from routing.kinds import INCOMING_KINDS, KINDS

KIND_CODES: tuple[str, ...] = tuple(KINDS)


def _kind_label(code: str) -> str:
    spec = KINDS[code]
    return f"{spec.paragraphs} · {spec.title}"


def kinds() -> list[SelectChoice]:
    """Kinds an officer composes (the incoming ones are registered, not composed)."""
    return [SelectChoice(k, _kind_label(k)) for k in KIND_CODES if k not in INCOMING_KINDS]


def incoming_kinds() -> list[SelectChoice]:
    return [SelectChoice(k, _kind_label(k)) for k in INCOMING_KINDS]


def recipients(session: Session) -> list[SelectChoice]:
    """Every party a letter may be addressed to: foreign sides, domestic bodies, agencies."""
    agencies = list(session.scalars(select(Agency.code).order_by(Agency.code)))
    codes = sorted(parties.FOREIGN) + sorted(parties.DOMESTIC - set(agencies)) + agencies
    return [SelectChoice(code) for code in codes]


def legal_bases() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(k) for k in sorted(LEGAL_BASIS_KINDS)]
