"""What a new registry needs (agencies, an admin) and the demo data of ``bootstrap --demo``.

Every function here is idempotent — it creates what is missing and leaves what
exists alone — which is what makes ``flask bootstrap`` safe to run twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth import Role
from registry.models import Agency, User
from registry.services.accounts import create_user


@dataclass(frozen=True)
class AgencySeed:
    code: str
    registry_id: str
    name_en: str
    name_ru: str
    name_kk: str


# The parties of RULES.md that have people in Arna; ministries are AGENCY:<ID>.
AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(
        "MFA",
        "MFA",
        "Ministry of Foreign Affairs",
        "Министерство иностранных дел",
        "Сыртқы істер министрлігі",
    ),
    AgencySeed("MOJ", "MOJ", "Ministry of Justice", "Министерство юстиции", "Әділет министрлігі"),
    AgencySeed(
        "MTI",
        "MTI",
        "Ministry of Trade and Integration",
        "Министерство торговли и интеграции",
        "Сауда және интеграция министрлігі",
    ),
    AgencySeed(
        "SUPREME_COURT",
        "SUPREMECOURT",
        "Supreme Court",
        "Верховный Суд",
        "Жоғарғы Сот",
    ),
    AgencySeed(
        "NCE",
        "NCE",
        "National Chamber of Entrepreneurs",
        "Национальная палата предпринимателей",
        "Ұлттық кәсіпкерлер палатасы",
    ),
    AgencySeed(
        "AGENCY:MINHEALTH",
        "MINHEALTH",
        "Ministry of Healthcare",
        "Министерство здравоохранения",
        "Денсаулық сақтау министрлігі",
    ),
    AgencySeed(
        "AGENCY:MINECON",
        "MINECON",
        "Ministry of National Economy",
        "Министерство национальной экономики",
        "Ұлттық экономика министрлігі",
    ),
    AgencySeed(
        "AGENCY:MINENERGY",
        "MINENERGY",
        "Ministry of Energy",
        "Министерство энергетики",
        "Энергетика министрлігі",
    ),
    AgencySeed(
        "AGENCY:MINEDU",
        "MINEDU",
        "Ministry of Education",
        "Министерство просвещения",
        "Оқу-ағарту министрлігі",
    ),
)


def ensure_agencies(session: Session) -> list[str]:
    """Create the agencies that are missing; returns the codes created."""
    existing = set(session.scalars(select(Agency.code)))
    created = []
    for seed in AGENCIES:
        if seed.code not in existing:
            session.add(
                Agency(
                    code=seed.code,
                    registry_id=seed.registry_id,
                    name_en=seed.name_en,
                    name_ru=seed.name_ru,
                    name_kk=seed.name_kk,
                )
            )
            created.append(seed.code)
    session.commit()
    return created


def ensure_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    agency_code: str | None = None,
) -> tuple[User, bool]:
    """The user ``username``, created if missing (an existing one is left exactly as it is)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None:
        return user, False
    return (
        create_user(
            session,
            username=username,
            full_name=full_name,
            role=role.value,
            password=password,
            agency_code=agency_code,
        ),
        True,
    )


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    agency_code: str | None


DEMO_PASSWORD = "arna-demo-2026"  # noqa: S105 -- printed by ``bootstrap --demo``; demo installs only
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("officer.minhealth", "Aigerim Sadykova", Role.AGENCY_OFFICER, "AGENCY:MINHEALTH"),
    DemoUser("head.minhealth", "Nurlan Abenov", Role.FIRST_HEAD, "AGENCY:MINHEALTH"),
    DemoUser("officer.minecon", "Dana Zhunusova", Role.AGENCY_OFFICER, "AGENCY:MINECON"),
    DemoUser("clerk.mfa", "Yerlan Tokayev", Role.MFA_CLERK, "MFA"),
    DemoUser("officer.moj", "Saule Kassymova", Role.MOJ_OFFICER, "MOJ"),
    DemoUser("auditor", "Marat Ospanov", Role.AUDITOR, None),
)


def ensure_demo_users(session: Session, password: str = DEMO_PASSWORD) -> list[str]:
    """One demo user per role (the admin is separate); returns the usernames created."""
    created = []
    for demo in DEMO_USERS:
        _user, new = ensure_user(
            session,
            username=demo.username,
            full_name=demo.full_name,
            role=demo.role,
            password=password,
            agency_code=demo.agency_code,
        )
        if new:
            created.append(demo.username)
    return created
