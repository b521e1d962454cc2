"""Issuing certified paper copies: what the paper shows, sealed, recorded in custody.

``issue_copy`` gathers what the paper shows from the stored letter (its signed
XML, the verification report kept with it, its route plan) and from the custody
log, renders and seals the PDF with the registry's copy seal, and records the copy
and the ``copy:issued`` custody event in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import Actor, decode_leaf
from registry import names
from registry.db import utcnow
from registry.models import Agency, CertifiedCopy, Letter, RuleFile, RuleFileEvent, User
from registry.paper.codes import lookup_key, new_code, verification_url
from registry.paper.content import Attachment, CopyContent, CustodyRow, SignatureLine
from registry.paper.pades import sign_copy
from registry.paper.pdf import render_copy
from registry.permissions import (
    Action,
    Principal,
    Role,
    can_issue_copy,
    can_see_letter,
    check,
    ensure_can_see_file,
)
from registry.services.copies.seal import load_copy_seal
from registry.services.countersign import check_dispatch_record
from registry.services.custody import append_event, letter_entries
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, NotFound, Refusal
from registry.services.letters import State
from registry.services.pki import is_test_registry
from registry.services.rule_files import chains
from registry.services.rule_files.chains import Kind
from registry.services.rule_files.files import events_of
from routing.parties import MFA
from signing.letter import read_letter
from signing.records import read_record
from signing.xmlparse import parse_xml

ISSUED = Tag.COPY_ISSUED
#: The state a copy of a rule file's record prints (a record has no lifecycle).
RECORDED = "recorded"

#: The console operator of ``flask letters copy``: whoever can run it controls the server.
CONSOLE = Actor(user="console", role=Role.ADMIN.value, agency=None)


@dataclass(frozen=True)
class IssuedCopy:
    """A freshly issued copy; ``pdf`` and ``code`` exist only here, never in the database."""

    id: int
    registry_number: str
    pdf: bytes
    sha256: str
    code: str
    verification_url: str


def _letter(session: Session, registry_number: str) -> Letter | None:
    return session.scalar(select(Letter).where(Letter.registry_number == registry_number))


def _certifier(session: Session, principal: Principal | None) -> tuple[Actor, str]:
    if principal is None:
        return CONSOLE, "Arna registry (console)"
    agency = principal.agency_code
    named = _PaperNames.load(session)
    role = named(names.role, principal.role.value)
    label = f"{principal.full_name} ({named.party(agency) + ', ' if agency else ''}{role})"
    return Actor(user=principal.username, role=principal.role.value, agency=agency), label


@dataclass(frozen=True)
class _PaperNames:
    """Codes as the paper prints them: the Kazakh name, then the Russian one (registry.names)."""

    agencies: Mapping[str, Mapping[str, str]]  # language → agency code → name

    @classmethod
    def load(cls, session: Session) -> _PaperNames:
        rows = list(session.execute(select(Agency.code, Agency.name_kk, Agency.name_ru)))
        return cls(
            {
                "kk": {code: kk for code, kk, _ru in rows},
                "ru": {code: ru for code, _kk, ru in rows},
            }
        )

    def party(self, code: str) -> str:
        return names.both(
            lambda lang: names.party(code, names.translator(lang), self.agencies[lang])
        )

    def __call__(self, name: Callable[[str | None, names.Gettext], str], code: str | None) -> str:
        """``name`` (names.kind, names.state …) of ``code`` in both languages."""
        return names.both(lambda lang: name(code, names.translator(lang)))


def _custody_rows(
    session: Session, registry_number: str, named: _PaperNames
) -> tuple[CustodyRow, ...]:
    """The letter's custody timeline, decoded from the log's leaves (the record itself)."""
    rows = []
    for _index, leaf in letter_entries(session, registry_number):
        event = decode_leaf(leaf)
        rows.append(
            CustodyRow(
                time=parse_time(event.time),
                actor=f"{event.actor.user} ({named(names.role, event.actor.role)})",
                action=named(names.tag, event.action),
                state=named(names.state, event.state_after),
            )
        )
    return tuple(rows)


def parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _subject_part(subject: str, key: str) -> str:
    for part in subject.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().upper() == key:
            return value.strip()
    return ""


def _signature_lines(
    letter: Letter | RuleFileEvent, named: _PaperNames
) -> tuple[SignatureLine, ...]:
    """Each signature with the result stored at registration (never re-validated here)."""
    report = letter.verification or {}
    identities = letter.signed_by or []
    lines = []
    for position, signature in enumerate(report.get("signatures") or []):
        identity = identities[position] if position < len(identities) else {}
        identity = identity if isinstance(identity, dict) else {}
        certificate = signature.get("signer") or {}
        subject = certificate.get("subject", "")
        when = signature.get("signing_time")
        lines.append(
            SignatureLine(
                signer=identity.get("name") or _subject_part(subject, "CN") or subject,
                agency=named.party(identity.get("agency") or _subject_part(subject, "O")),
                signing_time=parse_time(when) if when else (letter.verified_at or utcnow()),
                indication=signature.get("indication", "INDETERMINATE"),
                sub_indication=signature.get("sub_indication"),
                iin=certificate.get("iin"),
                bin=certificate.get("bin"),
                role=certificate.get("role"),
                pki=certificate.get("pki"),
            )
        )
    return tuple(lines)


def _countersignature(session: Session, letter: Letter, named: _PaperNames) -> SignatureLine | None:
    """MFA's countersignature of the dispatch record, checked as the letter page checks it
    (at the time the record was signed)."""
    if letter.dispatch_record is None:
        return None
    check = check_dispatch_record(session, letter)
    certificate = check.certificate or {}
    return SignatureLine(
        signer=check.signer or check.clerk or "—",
        agency=named.party(MFA),
        signing_time=check.signed_at or utcnow(),
        indication="TOTAL_PASSED" if check.ok else "TOTAL_FAILED",
        iin=certificate.get("iin"),
        bin=certificate.get("bin"),
        role=certificate.get("role"),
        pki=certificate.get("pki"),
    )


def _content(
    session: Session,
    letter: Letter,
    *,
    certified_by: str,
    certified_at: dt.datetime,
    code: str,
    url: str,
) -> CopyContent:
    assert letter.xml is not None  # issue_copy refuses letters without a signed original
    assert letter.sha256 is not None
    document = read_letter(parse_xml(letter.xml))
    plan = letter.plan or {}
    named = _PaperNames.load(session)
    return CopyContent(
        registry_number=letter.registry_number,
        kind=named(names.kind, letter.kind),
        sender=named.party(letter.sender),
        recipient=named.party(letter.recipient),
        letter_date=letter.letter_date,
        subject=letter.subject,
        body=document.body,
        letter_sha256=letter.sha256,
        certified_by=certified_by,
        certified_at=certified_at,
        verification_code=code,
        verification_url=url,
        attachments=tuple(
            Attachment(a.file_name, a.media_type, hashlib.sha256(a.content).hexdigest())
            for a in document.attachments
        ),
        signatures=_signature_lines(letter, named),
        countersignature=_countersignature(session, letter, named),
        route=tuple(named.party(code) for code in plan.get("route") or ()),
        route_rules=tuple(plan.get("rules") or ()),
        custody=_custody_rows(session, letter.registry_number, named),
        state=named(names.state, letter.state),
        test_registry=is_test_registry(session),
    )


def _refuse(actor: Actor, letter: Letter, reason: str) -> NoReturn:
    """Refuse (409); the refused attempt is recorded once the caller has rolled it back."""
    refused = Refusal(actor, ISSUED, letter.registry_number, letter.sha256, letter.state)
    raise Conflict(reason, code="copy_refused").refusing(refused)


def issue_copy(
    session: Session,
    principal: Principal | None,
    registry_number: str,
    *,
    base_url: str,
    kek: str,
    now: dt.datetime | None = None,
) -> IssuedCopy:
    """Issue a certified copy of a registered letter; ``principal`` None is the console.

    Who may: MFA clerks, the letter's own agency, administrators
    (``permissions.can_issue_copy``). A letter the person cannot see is "not found".
    """
    letter = _letter(session, registry_number)
    if principal is not None:
        check(principal, Action.COPY_ISSUE)
        if letter is None or not (
            can_see_letter(principal, letter) or principal.role is Role.ADMIN
        ):
            raise NotFound(f"no letter {registry_number}")
    elif letter is None:
        raise NotFound(f"no letter {registry_number}")
    actor, certified_by = _certifier(session, principal)
    if principal is not None and not can_issue_copy(principal, letter):
        _refuse(
            actor,
            letter,
            "only MFA, the letter's own agency or an administrator may certify a copy",
        )
    # A draft is not yet an electronic document anyone signed: nothing to certify.
    if letter.state == State.DRAFT or letter.xml is None or letter.sha256 is None:
        _refuse(actor, letter, f"letter {registry_number} has no signed original to copy yet")

    source = _Source(letter.registry_number, letter.sha256, letter.state, letter_id=letter.id)
    return _issue(
        session,
        principal,
        actor,
        source,
        lambda code, url, at: _content(
            session, letter, certified_by=certified_by, certified_at=at, code=code, url=url
        ),
        base_url=base_url,
        kek=kek,
        now=now,
    )


@dataclass(frozen=True)
class _Source:
    """What is copied: a letter, or a rule file's signed record, as the custody log names it."""

    registry_number: str  # the letter's, or the file's (the custody log's key)
    sha256: str
    state: str
    letter_id: int | None = None
    rule_file_event_id: int | None = None


def _issue(
    session: Session,
    principal: Principal | None,
    actor: Actor,
    source: _Source,
    content_of: Callable[[str, str, dt.datetime], CopyContent],
    *,
    base_url: str,
    kek: str,
    now: dt.datetime | None,
) -> IssuedCopy:
    """Render and seal the copy, append ``copy:issued`` and keep the copy's row: the one
    way a copy is made, of a letter or of a rule file's signed record."""
    seal = load_copy_seal(session, kek)
    certified_at = (now or utcnow()).replace(microsecond=0)
    code = new_code()
    url = verification_url(base_url, code)
    content = content_of(code, url, certified_at)
    pdf = sign_copy(render_copy(content), seal.key, seal.certificate, seal.chain)
    digest = hashlib.sha256(pdf).hexdigest()
    index = append_event(
        session,
        actor=actor,
        action=ISSUED,
        registry_number=source.registry_number,
        letter_sha256=source.sha256,
        state_before=source.state,
        state_after=source.state,
    )
    row = CertifiedCopy(
        letter_id=source.letter_id,
        rule_file_event_id=source.rule_file_event_id,
        registry_number=content.registry_number,
        code_sha256=lookup_key(code),
        pdf_sha256=digest,
        pdf_size=len(pdf),
        letter_sha256=source.sha256,
        letter_state=source.state,
        signatures=[_signature_json(line) for line in content.signatures],
        certified_by=content.certified_by,
        issued_by_id=principal.id if principal is not None else None,
        issued_at=certified_at,
        custody_index=index,
    )
    session.add(row)
    session.flush()
    return IssuedCopy(row.id, content.registry_number, pdf, digest, code, url)


def issue_record_copy(
    session: Session,
    principal: Principal,
    number: str,
    key: str,
    *,
    base_url: str,
    kek: str,
    now: dt.datetime | None = None,
) -> IssuedCopy:
    """Issue a certified paper copy of a rule file's signed record: above all the paper copy
    of PA's electronic approval sheet that ¶32-1 attaches to the President's paper draft,
    «"Электрондық құжаттың көшірмесі дұрыс" деген мөртабанмен куәландырылған».

    The same copy as a letter's (stamp, seal, QR code, ``/verify``). Who may: MFA's
    clerks and administrators, and the officers of the party that took the step.
    """
    check(principal, Action.COPY_ISSUE)
    file = ensure_can_see_file(
        principal, session.scalar(select(RuleFile).where(RuleFile.number == number)), number
    )
    event = next((e for e in file.events if e.key == key), None)
    copied = f"{number}/{key}"
    actor, certified_by = _certifier(session, principal)
    if event is None or event.xml is None or event.sha256 is None:
        refused = Refusal(actor, ISSUED, number, None, RECORDED)
        raise Conflict(f"{copied} has no signed record to copy", code="copy_refused").refusing(
            refused
        )
    record = read_record(parse_xml(event.xml))
    if principal.role not in (Role.ADMIN, Role.MFA_CLERK) and principal.agency_code != record.by:
        refused = Refusal(actor, ISSUED, number, event.sha256, RECORDED)
        raise Conflict(
            "only MFA, the party that took the step or an administrator may certify a copy",
            code="copy_refused",
        ).refusing(refused)
    duty = next(
        (d for d in chains.duties(Kind(file.kind), file.facts, events_of(file)) if d.key == key),
        None,
    )
    approvals = [f"{a.approver}: {a.name}, {a.day:%d.%m.%Y}" for a in record.approvals]
    body = "\n".join([record.body, *approvals])

    named = _PaperNames.load(session)

    def content_of(code: str, url: str, at: dt.datetime) -> CopyContent:
        return CopyContent(
            registry_number=copied,
            kind=f"{file.kind} record ({record.rule})",
            sender=named.party(record.by),
            recipient=", ".join(named.party(to) for to in duty.to) if duty is not None else "",
            letter_date=record.day,
            subject=file.title,
            body=body,
            letter_sha256=event.sha256 or "",
            certified_by=certified_by,
            certified_at=at,
            verification_code=code,
            verification_url=url,
            signatures=_signature_lines(event, named),
            route_rules=(record.rule,),
            custody=_custody_rows(session, number, named),
            state=RECORDED,
            test_registry=is_test_registry(session),
        )

    source = _Source(number, event.sha256, RECORDED, rule_file_event_id=event.id)
    return _issue(
        session, principal, actor, source, content_of, base_url=base_url, kek=kek, now=now
    )


def _signature_json(line: SignatureLine) -> dict[str, Any]:
    return {
        "signer": line.signer,
        "agency": line.agency,
        "signing_time": line.signing_time.isoformat(),
        "indication": line.indication,
        "sub_indication": line.sub_indication,
    }


def list_copies(
    session: Session, principal: Principal, registry_number: str
) -> list[CertifiedCopy]:
    """The copies issued of a letter, newest first, for someone who may issue them."""
    letter = _letter(session, registry_number)
    check(principal, Action.COPY_ISSUE)
    if letter is None or not can_issue_copy(principal, letter):
        raise NotFound(f"no letter {registry_number}")
    return list(
        session.scalars(
            select(CertifiedCopy)
            .where(CertifiedCopy.letter_id == letter.id)
            .order_by(CertifiedCopy.issued_at.desc(), CertifiedCopy.id.desc())
        )
    )


def issuer_name(session: Session, copy: CertifiedCopy) -> str:
    """The username of whoever issued ``copy`` ("console" for the command line)."""
    if copy.issued_by_id is None:
        return CONSOLE.user
    user = session.get(User, copy.issued_by_id)
    return user.username if user is not None else str(copy.issued_by_id)


def copies_of(rows: Sequence[CertifiedCopy]) -> list[dict[str, Any]]:
    """The API's JSON of issued copies (no code: it is not stored)."""
    return [
        {
            "id": row.id,
            "registry_number": row.registry_number,
            "sha256": row.pdf_sha256,
            "size": row.pdf_size,
            "letter_sha256": row.letter_sha256,
            "letter_state": row.letter_state,
            "certified_by": row.certified_by,
            "issued_at": row.issued_at.isoformat().replace("+00:00", "Z"),
            "custody_index": row.custody_index,
        }
        for row in rows
    ]


def configured_public_url(config: Mapping[str, Any]) -> str | None:
    """``ARNA_PUBLIC_URL`` from the app's configuration or the environment, if set."""
    configured = config.get("ARNA_PUBLIC_URL")
    return str(configured) if configured else None


def public_url(config: Mapping[str, Any]) -> str:
    """Where the QR codes of copies issued by the service point: ``ARNA_PUBLIC_URL`` only.

    Never the request's Host header, which the client chooses (issue 11, L5): a copy
    sealed with an attacker's address would send its holders to the attacker.
    """
    configured = configured_public_url(config)
    if configured is None:
        raise Conflict(
            "copies cannot be issued until ARNA_PUBLIC_URL names the registry's public "
            "address (where the QR codes point)",
            code="no_public_url",
        )
    return configured


def console_base_url(config: Mapping[str, Any]) -> str:
    """The verification site printed by ``flask letters copy``: ``ARNA_PUBLIC_URL``, else the
    address ``make run`` serves on (``PORT``, default 8000)."""
    return configured_public_url(config) or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"


def issue_copy_as(
    session: Session, registry_number: str, username: str | None, *, base_url: str, kek: str
) -> IssuedCopy:
    """``issue_copy`` for the command line: as ``username`` (with their rights), else as the
    console operator, who controls the server and so the registry anyway."""
    principal = None
    if username is not None:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise NotFound(f"no active user {username}")
        principal = Principal.of(user)
    return issue_copy(session, principal, registry_number, base_url=base_url, kek=kek)
