"""The agencies that have people in Arna: listed, and added by an administrator.

A party code of RULES.md names each (``AGENCY:<ID>`` for the ministries and
committees; MFA, MOJ, MTI, SUPREME_COURT and NCE are created by bootstrap). The
registry-number prefix is the ID and never changes: numbers already issued carry it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Agency
from registry.permissions import Action, Principal, check
from registry.services.errors import Conflict, Invalid
from routing.parties import is_agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def create_agency(
    session: Session, principal: Principal, *, code: str, name_en: str, name_ru: str, name_kk: str
) -> Agency:
    """Add a central state body ``AGENCY:<ID>``; Invalid with all reasons; Conflict if it exists."""
    check(principal, Action.AGENCY_MANAGE)
    code = code.strip()
    names = {"name_en": name_en.strip(), "name_ru": name_ru.strip(), "name_kk": name_kk.strip()}
    errors = [] if is_agency(code) else ["code: AGENCY:<ID>, the ID of A-Z, 0-9 and _"]
    errors += [f"{field}: required" for field, value in names.items() if not value]
    if errors:
        raise Invalid("the agency cannot be added", details=errors)
    registry_id = code.removeprefix("AGENCY:")
    taken = session.scalar(
        select(Agency).where((Agency.code == code) | (Agency.registry_id == registry_id))
    )
    if taken is not None:
        raise Conflict(f"{taken.code} already exists", code="agency_exists")
    agency = Agency(code=code, registry_id=registry_id, **names)
    session.add(agency)
    session.flush()
    return agency
