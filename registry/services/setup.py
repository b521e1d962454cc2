"""What a new registry needs (agencies, an admin) and the demo data of ``bootstrap --demo``.

Every function here is idempotent — it creates what is missing and leaves what
exists alone — which is what makes ``flask bootstrap`` safe to run twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Agency, Letter, RegistryKey, RuleFile, Treaty, TrustAnchor, User
from registry.permissions import Principal, Role
from registry.services import (
    identity,
    letters,
    periodic_reports,
    pki,
    rule_files,
    treaties,
    trust_anchors,
)
from registry.services.accounts import create_user
from registry.services.custody import LOG_KEY_NAME, ensure_log_key
from registry.services.deadlines import today_kz
from registry.services.treaties import forms
from routing.agreements import Periodic, periods_due
from routing.calendar import add_workdays
from routing.treaties import returns_due
from signing import pki_marks
from signing.records import RecordKind, build_record
from signing.sign import sign_record
from signing.trust import load_certificates

#: NCA RK CA certificates bootstrap imports (registry/trust_seed/SOURCES.md), by PKI mark.
TRUST_SEED = Path(__file__).resolve().parents[1] / "trust_seed"


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
    # GO records its half-yearly summary to PA as sent (¶35); its other steps reach the
    # registry through MFA.
    AgencySeed(
        "GO",
        "GO",
        "Office of the Government",
        "Аппарат Правительства",
        "Үкімет Аппараты",
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
    session.flush()
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
    DemoUser("officer.court", "Gulnara Iskakova", Role.AGENCY_OFFICER, "SUPREME_COURT"),
    DemoUser("clerk.mfa", "Yerlan Tokayev", Role.MFA_CLERK, "MFA"),
    DemoUser("officer.go", "Aliya Bekova", Role.AGENCY_OFFICER, "GO"),
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


DEMO_SIGNING_PASSPHRASE = "arna-demo-signing-2026"  # noqa: S105 -- demo installs only
ADMIN_USERNAME = "admin"


@dataclass
class BootstrapReport:
    """What ``bootstrap`` created (empty lists on a second run: nothing changed)."""

    created: list[str] = field(default_factory=list)
    admin_password: str | None = None  # only when the admin was created just now

    def add(self, what: str) -> None:
        self.created.append(what)


def ensure_registry(
    session: Session, *, kek: str, admin_password: str | None = None
) -> BootstrapReport:
    """What every registry needs: its CA, the custody log key, the agencies and an admin.

    The admin is created with ``admin_password`` or, failing that, a random one that
    is reported once (and never stored in clear). Flushes; the caller commits.
    """
    report = BootstrapReport()
    if pki.ensure_registry_ca(session, kek=kek):
        report.add("registry CA")
    if session.get(RegistryKey, LOG_KEY_NAME) is None:
        ensure_log_key(session, kek=kek)
        report.add("custody log key")
    from registry.services.copies import ensure_copy_seal

    if ensure_copy_seal(session, kek, pki.load_registry_ca(session, kek=kek)):
        report.add("copy seal")
    report.created.extend(f"agency {code}" for code in ensure_agencies(session))
    password = admin_password or secrets.token_urlsafe(12)
    _admin, new = ensure_user(
        session,
        username=ADMIN_USERNAME,
        full_name="Administrator",
        role=Role.ADMIN,
        password=password,
    )
    if new:
        report.add(f"user {ADMIN_USERNAME}")
        report.admin_password = password
    return report


def ensure_demo_keys(
    session: Session, *, kek: str, passphrase: str = DEMO_SIGNING_PASSPHRASE
) -> list[str]:
    """A signing key and certificate for every demo user of an agency who has none yet."""
    created = []
    for demo in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == demo.username))
        if user is not None and user.agency_code is not None and user.signing_key is None:
            pki.enroll_signing_key(session, user.id, passphrase, kek=kek)
            created.append(demo.username)
    return created


def _principal(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return Principal.of(user)


def ensure_demo_letters(session: Session, passphrase: str = DEMO_SIGNING_PASSPHRASE) -> list[str]:
    """A handful of letters in different states, made through the real workflow (once: only
    while the registry holds no letter at all). Needs an app context (custody log key)."""
    if session.scalar(select(func.count(Letter.id))):
        return []
    officer = _principal(session, "officer.minhealth")
    econ = _principal(session, "officer.minecon")
    clerk = _principal(session, "clerk.mfa")
    moj = _principal(session, "officer.moj")
    court = _principal(session, "officer.court")
    today = today_kz()
    day = today.isoformat()

    def outgoing(who: Principal, envelope: dict[str, str], subject: str) -> str:
        letter = letters.compose_letter(
            session,
            who,
            envelope={"date": day, "language": "en", **envelope},
            subject=subject,
            body=f"{subject}. (Demo letter.)",
        )
        letters.sign_letter(session, who, letter.registry_number, passphrase=passphrase)
        return letter.registry_number

    made = []
    # 1. A draft, not yet signed.
    draft = letters.compose_letter(
        session,
        officer,
        envelope={
            "kind": "foreign-letter",
            "sender": officer.agency_code,
            "recipient": "FOREIGN_STATE_BODY",
            "date": day,
            "language": "en",
        },
        subject="Draft: proposal for a joint health programme",
        body="Draft text. (Demo letter.)",
    )
    made.append(draft.registry_number)
    # 2. Submitted to MFA, waiting for the clerk (¶44).
    waiting = outgoing(
        officer,
        {
            "kind": "foreign-letter",
            "sender": officer.agency_code,
            "recipient": "DIPLOMATIC_MISSION",
        },
        "Request for visa support for a medical delegation",
    )
    letters.submit_letter(session, officer, waiting)
    made.append(waiting)
    # 3. A reply to the EAEU Court, received by MOJ (¶37, ¶40: 5 wd to hand it to MFA).
    eaeu = outgoing(
        officer,
        {"kind": "court-reply", "sender": officer.agency_code, "recipient": "EAEU_COURT"},
        "Consolidated reply to the EAEU Court's request",
    )
    letters.submit_letter(session, officer, eaeu)
    letters.receive_letter(session, moj, eaeu)
    made.append(eaeu)
    # 4. Dispatched by MFA through diplomatic channels, with a note number.
    sent = outgoing(
        econ,
        {"kind": "foreign-letter", "sender": econ.agency_code, "recipient": "INTL_ORG"},
        "Statistical data for the annual report",
    )
    letters.submit_letter(session, econ, sent)
    letters.receive_letter(session, clerk, sent)
    letters.dispatch_letter(
        session, clerk, sent, note_number="14-2/1001", note_date=today, passphrase=passphrase
    )
    made.append(sent)
    # 5. Returned by MFA with reasons.
    back = outgoing(
        econ,
        {"kind": "foreign-letter", "sender": econ.agency_code, "recipient": "FOREIGN_STATE_BODY"},
        "Invitation to an investment forum",
    )
    letters.submit_letter(session, econ, back)
    letters.receive_letter(session, clerk, back)
    letters.return_letter(
        session, clerk, back, reasons=["The addressee's official title is missing."]
    )
    made.append(back)
    # 6. Direct to the WTO (¶42, ¶44), closed.
    wto = outgoing(
        econ,
        {"kind": "foreign-letter", "sender": econ.agency_code, "recipient": "WTO"},
        "Notification under the SPS Agreement",
    )
    letters.submit_letter(session, econ, wto)
    letters.close_letter(session, econ, wto)
    made.append(wto)
    # 7. A five-day urgent direct send: the ¶44 notice to MFA is outstanding.
    urgent = outgoing(
        officer,
        {
            "kind": "foreign-letter",
            "sender": officer.agency_code,
            "recipient": "FOREIGN_STATE_BODY",
            "send": "direct",
            "urgent_needed_by": (today + timedelta(days=3)).isoformat(),
        },
        "Urgent: vaccine shipment customs clearance",
    )
    letters.submit_letter(session, officer, urgent)
    made.append(urgent)
    # 8. A ¶14-7 information to MFA, signed by the officer, waiting for the first head.
    info = outgoing(
        officer,
        {
            "kind": "special-procedure-info",
            "sender": officer.agency_code,
            "recipient": "MFA",
            "signed_by_first_head": True,
        },
        "Information for the reply to a special procedure",
    )
    made.append(info)
    # 9. Incoming: a court's request received ten days ago and not yet forwarded: the
    # ¶36 three working days are over, so it shows as overdue.
    request = letters.register_incoming(
        session,
        court,
        envelope={
            "kind": "court-request-forward",
            "sender": "SUPREME_COURT",
            "recipient": officer.agency_code,
            "date": (today - timedelta(days=10)).isoformat(),
        },
        subject="Request of the International Court for information",
    )
    made.append(request.registry_number)
    # 10. Incoming and forwarded (¶36): MINHEALTH, MFA, MOJ and MTI owe information in 10 wd.
    forwarded = letters.register_incoming(
        session,
        court,
        envelope={
            "kind": "court-request-forward",
            "sender": "SUPREME_COURT",
            "recipient": officer.agency_code,
            "date": day,
        },
        subject="Request of the EAEU Court on a pharmaceutical registration case",
    )
    letters.forward_letter(session, court, forwarded.registry_number)
    made.append(forwarded.registry_number)
    # 11. Incoming: a special procedure's communication registered by MFA (¶14-5).
    communication = letters.register_incoming(
        session,
        clerk,
        envelope={
            "kind": "special-procedure-forward",
            "sender": "MFA",
            "recipient": officer.agency_code,
            "date": day,
        },
        subject="Communication of a UN special rapporteur",
    )
    made.append(communication.registry_number)
    return made


def _signed_record(
    session: Session, username: str, passphrase: str, kind: RecordKind, **fields: Any
) -> bytes:
    """A demo record (signing.records) signed with the key Arna holds for ``username``."""
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    unlocked = pki.unlock_signing_key(user, passphrase)
    return sign_record(build_record(kind, **fields), unlocked.key, unlocked.certificate)


def ensure_demo_files(session: Session, passphrase: str = DEMO_SIGNING_PASSPHRASE) -> list[str]:
    """One agreement reached, one decision file and two reports to MFA part-way through their
    chains (once: only while the registry holds no file). Needs an app context (custody log
    key)."""
    if session.scalar(select(func.count(RuleFile.id))):
        return []
    health, econ = _principal(session, "officer.minhealth"), _principal(session, "officer.minecon")
    clerk = _principal(session, "clerk.mfa")
    today = today_kz()
    # An agreement: proposals in, the draft out for agreement, MINECON agreed in writing and
    # MINHEALTH's silence counted as consent (¶32); the 7 wd to PA run out in two working days.
    ended = add_workdays(today, -5)
    agreement = rule_files.open_file(
        session,
        clerk,
        "agreement",
        "Joint statement on the results of the state visit (demo)",
        {
            "source": "joint-statement",
            "event_ended": ended.isoformat(),
            "interested": [health.agency_code, econ.agency_code],
        },
    )
    number = agreement.number
    # MINHEALTH's proposals are filed with their signed record (its certified copy can be made).
    key, day = f"proposals:{health.agency_code}", add_workdays(ended, 1)
    record = _signed_record(
        session,
        "officer.minhealth",
        passphrase,
        RecordKind.AGREEMENT,
        file_number=number,
        key=key,
        rule="¶31",
        day=day,
        by=health.agency_code,
        body="Денсаулық сақтау министрлігінің Президент тапсырмаларының жобасына ұсыныстары.",
    )
    rule_files.record_event(session, health, number, key, day, record)
    rule_files.record_event(
        session, econ, number, f"proposals:{econ.agency_code}", add_workdays(ended, 2)
    )
    for who in (health, econ):
        rule_files.record_event(
            session, clerk, number, f"draft:{who.agency_code}", add_workdays(ended, 2)
        )
    rule_files.record_event(
        session, econ, number, f"consent:{econ.agency_code}", add_workdays(ended, 3)
    )
    rule_files.record_silences(session, today)
    # ¶34: GO's control assignment gives MFA ten working days for its consolidated report.
    rule_files.record_event(
        session, clerk, number, "control-consolidated", add_workdays(today, 10), None
    )
    # A decision of an international organisation, forwarded to the competent bodies (¶10);
    # their proposals, agreed with MOJ, are due in 15 wd (¶11).
    received = add_workdays(today, -8)
    decision = rule_files.open_file(
        session,
        clerk,
        "decision",
        "Resolution of the World Health Assembly (demo)",
        {
            "organisation": "INTL_ORG",
            "received": received.isoformat(),
            "competent": [health.agency_code, econ.agency_code],
            "requires_president": True,
        },
    )
    for who in (health, econ):
        rule_files.record_event(
            session, clerk, decision.number, f"forward:{who.agency_code}", add_workdays(received, 2)
        )
    # Reports to MFA (Chapter 6): MINHEALTH's annual report due by 20 December (¶46(2)), and
    # MINECON's report of a meeting MFA did not attend, received within its 5 wd (¶49).
    annual = rule_files.open_file(
        session,
        health,
        "report",
        "Annual report on international activity (demo)",
        {"type": "annual", "body": health.agency_code, "year": today.year},
    )
    met = add_workdays(today, -4)
    meeting = rule_files.open_file(
        session,
        econ,
        "report",
        "Meeting with a foreign trade delegation in Astana (demo)",
        {"type": "meeting", "body": econ.agency_code, "meeting_day": met.isoformat()},
    )
    rule_files.record_event(
        session, econ, meeting.number, f"meeting-report:{met.isoformat()}", add_workdays(met, 3)
    )
    # A draft EEC decision touching private business (¶8 part 2, ¶8-2): MINHEALTH runs its
    # agreement (¶9); MFA agreed, MINECON objected with a signed record; MTI, MOJ and the
    # NCE have still to answer (no deadline in the Rules).
    draft = rule_files.open_file(
        session,
        health,
        "draft",
        "Draft EEC decision on the labelling of medicines (demo)",
        {
            "organisation": "EEC",
            "received": add_workdays(today, -6).isoformat(),
            "interested": [econ.agency_code],
            "touches_business": True,
        },
    )
    rule_files.record_event(session, clerk, draft.number, "agree:MFA", add_workdays(today, -3))
    key, day = f"objection:{econ.agency_code}", add_workdays(today, -2)
    objection = _signed_record(
        session,
        "officer.minecon",
        passphrase,
        RecordKind.DRAFT,
        file_number=draft.number,
        key=key,
        rule="¶8",
        day=day,
        by=econ.agency_code,
        body="Ұлттық экономика министрлігінің жобаға ескертулері.",
    )
    rule_files.record_event(session, econ, draft.number, key, day, objection)
    # ¶33 part 2: MFA sent its last quarterly investment report on its due date; GO's
    # half-yearly summaries (¶35) are not recorded yet.
    past = [
        row
        for row in periods_due(Periodic.INVESTMENT, today - timedelta(days=100), today)
        if row[2] < today
    ]
    if past:
        year, quarter, due = past[-1]
        periodic_reports.record_sent(session, clerk, Periodic.INVESTMENT.value, year, quarter, due)
    return [number, decision.number, draft.number, annual.number, meeting.number]


def ensure_nca_anchors(session: Session, mark: str) -> list[str]:
    """Import the NCA RK CA certificates of ``mark`` (``nca-production``, ``nca-test``) kept in
    ``registry/trust_seed/<mark>/`` that are not yet on record (an anchor the administrator
    removed stays removed); each only if its fingerprint is one NCA RK publishes for that
    PKI.  Returns the names imported."""
    admin = session.scalar(select(User).where(User.username == ADMIN_USERNAME))
    assert admin is not None, "ensure_registry first"
    known = set(session.scalars(select(TrustAnchor.fingerprint_sha256)))
    imported = []
    for path in sorted((TRUST_SEED / mark).iterdir()):
        for cert in load_certificates(path.read_bytes()):
            if pki_marks.published(cert) != mark:
                raise ValueError(f"{path.name}: not an NCA RK {mark} CA NCA RK publishes")
            digest = cert.fingerprint(hashes.SHA256()).hex()
            if digest in known:
                continue
            name = f"NCA RK {mark}: {path.stem}"
            trust_anchors.import_anchor(
                session, Principal.of(admin), name, path.read_bytes(), pki=mark
            )
            known.add(digest)
            imported.append(name)
    return imported


#: Demo BINs and IINs.  MOJ and MINHEALTH carry the BINs of the public NCA RK test keys'
#: organisations (ТЕСТОВОЕ МИНИСТЕРСТВО ЮСТИЦИИ; АО "ТЕСТ"), their first heads those keys'
#: IINs, so that the test keys sign for them on the demo; the rest are made up.
DEMO_BINS = {
    "MOJ": "070840007503",
    "AGENCY:MINHEALTH": "123456789021",
    "MFA": "990140000521",
    "AGENCY:MINECON": "990140000532",
    "SUPREME_COURT": "990140000543",
}
#: officer.minhealth has none: every public NCA test key names the same IIN as the first
#: head's, and an IIN is one account's, so on the demo the officer signs in NCALayer with the
#: right-to-sign key (an account with no IIN contradicts no certificate; the IIN is shown).
DEMO_IINS = {
    "head.minhealth": "123456789011",
    "officer.moj": "940229400158",
    "clerk.mfa": "900101300022",
}


def ensure_demo_identities(session: Session) -> list[str]:
    """The demo's BINs and IINs where none is recorded, the NCA RK test chain trusted, and
    the registry marked a TEST registry; what was created."""
    admin = session.scalar(select(User).where(User.username == ADMIN_USERNAME))
    assert admin is not None, "ensure_registry first"
    who = Principal.of(admin)
    created = []
    for code, number in DEMO_BINS.items():
        agency = session.get(Agency, code)
        if agency is not None and agency.bin is None:
            identity.set_agency_bin(session, who, code, number)
            created.append(f"BIN of {code}")
    for username, number in DEMO_IINS.items():
        user = session.scalar(select(User).where(User.username == username))
        if user is not None and user.iin is None:
            identity.set_user_iin(session, who, user.id, number)
            created.append(f"IIN of {username}")
    created += [f"trust anchor {n}" for n in ensure_nca_anchors(session, pki_marks.NCA_TEST)]
    if pki.mark_test_registry(session):
        created.append("TEST registry mark")
    return created


#: The demo register: (title, kind, status, responsible bodies, consolidating body).
DEMO_TREATIES = (
    ("Agreement on cooperation in health care (demo)", "bilateral", "in-force",
     ["AGENCY:MINHEALTH"], None),
    ("Convention on trade facilitation (demo)", "multilateral", "in-force",
     ["AGENCY:MINECON", "AGENCY:MINHEALTH"], "AGENCY:MINECON"),
    ("Loan agreement for regional roads (demo)", "loan", "in-force", ["AGENCY:MINECON"], None),
    ("Treaty on mutual legal assistance in civil matters (demo)", "bilateral", "signed",
     ["MOJ"], None),
)  # fmt: skip


def demo_return_values(form: int) -> dict[str, str]:
    """Plausible values for every field a body types on Appendix ``form``."""
    sample = {
        forms.FieldType.TEXT: "Орындалуда / in progress",
        forms.FieldType.DATE: "2019-06-14",
        forms.FieldType.COUNT: "4",
        forms.FieldType.PERCENT: "62.50",
        forms.FieldType.PROPOSAL: forms.Proposal.CONTINUE.value,
    }
    values = {f.name: sample[f.type] for f in forms.entered_fields(form)}
    values.pop("proposal_other", None)
    return values


def ensure_demo_treaties(session: Session) -> list[str]:
    """The treaty register, one reporting year whose returns came in (one body late, still
    owing), and one high-level event part-way through its chain (once: while the register
    is empty). Needs an app context (custody log key)."""
    if session.scalar(select(func.count(Treaty.id))):
        return []
    clerk = _principal(session, "clerk.mfa")
    health, econ = _principal(session, "officer.minhealth"), _principal(session, "officer.minecon")
    today = today_kz()
    made = []
    for title, kind, status, responsible, lead in DEMO_TREATIES:
        treaty = treaties.register_treaty(
            session,
            clerk,
            title=title,
            kind=kind,
            status=status,
            concluded_on=today.replace(year=today.year - 7, month=6, day=14),
            responsible=responsible,
            consolidating=lead,
        )
        made.append(treaty)
    # The last reporting year whose 10 January has passed: MINHEALTH and MINECON filed,
    # MOJ has not (late, visible to MFA and auditors); MFA assessed one return.
    year = today.year - 1 if today >= today.replace(month=1, day=20) else today.year - 2
    cycle = treaties.open_cycle(session, clerk, year)
    due = returns_due(year)
    filings = ((health, made[0], add_workdays(due, -2)), (econ, made[1], due), (econ, made[2], due))
    for who, treaty, day in filings:
        treaties.file_return(
            session,
            who,
            year=year,
            treaty_number=treaty.number,
            values=demo_return_values(treaties.form_of(treaty)),
            day=day,
        )
    treaties.assess(
        session,
        clerk,
        year=year,
        treaty_number=made[0].number,
        text="Сотрудничество развивается / cooperation is progressing",
    )
    # A state visit three months ahead: MFA's request went out, MINHEALTH received it.
    first = today + timedelta(days=91)
    event = rule_files.open_file(
        session,
        clerk,
        "event",
        "State visit of the President (demo)",
        {
            "level": "high",
            "first_day": first.isoformat(),
            "last_day": (first + timedelta(days=1)).isoformat(),
            "fixed_on": (today - timedelta(days=10)).isoformat(),
            "interested": [health.agency_code, econ.agency_code],
        },
    )
    rule_files.record_event(session, clerk, event.number, "request", today)
    rule_files.record_event(session, health, event.number, f"received:{health.agency_code}", today)
    return [*(t.number for t in made), cycle.number, event.number]
