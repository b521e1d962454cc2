"""Registry numbers (``MINHEALTH-2026-000123``): issued per agency and year, never reused."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models import Agency, RegistryNumber, RegistrySequence
from registry.permissions import Action, Principal, check
from registry.services import deadlines
from registry.services.errors import Forbidden, Invalid


def next_number(session: Session, principal: Principal, agency_code: str) -> str:
    """Issue the agency's next registry number (``MINHEALTH-2026-000123``); never reused."""
    agency = session.get(Agency, agency_code)
    if agency is None:
        raise Invalid(f"no agency {agency_code}")
    year = deadlines.today_kz().year
    query = (
        select(RegistrySequence)
        .where(RegistrySequence.agency_code == agency_code, RegistrySequence.year == year)
        .with_for_update()
    )
    sequence = session.scalar(query)
    if sequence is None:
        try:
            with session.begin_nested():
                session.add(RegistrySequence(agency_code=agency_code, year=year, last=0))
        except IntegrityError:
            pass  # another request created it first
        sequence = session.scalar(query)
        assert sequence is not None
    sequence.last += 1
    number = f"{agency.registry_id}-{year}-{sequence.last:06d}"
    session.add(RegistryNumber(number=number, agency_code=agency_code, reserved_by_id=principal.id))
    session.flush()  # the number exists before any letter refers to it
    return number


def reserve_number(session: Session, principal: Principal) -> str:
    """Reserve the next registry number of the person's agency, for a letter signed outside."""
    check(principal, Action.LETTER_UPLOAD)
    if principal.agency_code is None:
        raise Forbidden("only people of an agency reserve registry numbers")
    return next_number(session, principal, principal.agency_code)


#: The constraints that refuse a registry number already taken, by their names
#: (PostgreSQL reports the name) and by the column they guard (SQLite names the column).
_NUMBER_CONSTRAINTS = {
    "uq_letters_registry_number": "letters.registry_number",
    "pk_registry_numbers": "registry_numbers.number",
}


def number_taken(exc: IntegrityError) -> bool:
    """True when ``exc`` is a registry number's uniqueness refusing a second use of it."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name is not None:
        return name in _NUMBER_CONSTRAINTS
    message = str(exc.orig)
    return any(
        message == f"UNIQUE constraint failed: {column}" for column in _NUMBER_CONSTRAINTS.values()
    )
