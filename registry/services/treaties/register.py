"""The treaty register, the yearly returns on Appendices 1–5 and MFA's Appendix 6 (Chapter 1).

MFA registers treaties (``register_treaty``) and opens each reporting year's
cycle, a rule file of kind ``treaty-cycle`` whose duties are routing.treaties'
(``open_cycle``: the bodies that owe returns are the consolidating bodies of the
register). A consolidating body files one return per treaty (``file_return``);
when its last one is in, the cycle records its ``returns:<body>`` step on that
day, so its lateness is the cycle's. MFA adds its foreign-policy assessment
(``assess``) and gets the Appendix 6 summary generated from the returns
(``consolidation``).

Each action writes its rows and one custody event; the caller's unit of work
commits, and a refusal is recorded as ``<tag>-refused``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import RuleFile, Treaty, TreatyReturn, TreatySummary, User
from registry.permissions import Action, Principal, check
from registry.services import rule_files
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from registry.services.identity import standings
from registry.services.letters.actions import custody_actor, refusal
from registry.services.letters.records import report_reasons, sha256_hex
from registry.services.pki import trust_store, unlock_charged, with_passphrase
from registry.services.rule_files import Kind
from registry.services.throttle import Attempt
from registry.services.treaties import forms, xlsx
from routing import treaties as tr
from routing.duties import DutyState
from signing.sign import SigningError, sign_document
from signing.verify import verify_letter


def _kind_status(kind: str, status: str) -> tuple[tr.TreatyKind, tr.TreatyStatus]:
    try:
        return tr.TreatyKind(kind), tr.TreatyStatus(status)
    except ValueError:
        kinds = ", ".join(k.value for k in tr.TreatyKind)
        statuses = ", ".join(s.value for s in tr.TreatyStatus)
        raise Invalid(f"kind/status: kind one of {kinds}; status one of {statuses}") from None


def register_treaty(
    session: Session,
    principal: Principal,
    *,
    title: str,
    kind: str,
    status: str,
    concluded_on: date,
    responsible: list[str],
    consolidating: str | None = None,
) -> Treaty:
    """MFA enters a treaty in the register."""
    try:
        check(principal, Action.TREATY_MANAGE)
        treaty_kind, treaty_status = _kind_status(kind, status)
        title = (title or "").strip()
        if not title or len(title) > 1000:
            raise Invalid("title: required, at most 1000 characters")
        try:
            bodies = list(dict.fromkeys(responsible))
            lead = tr.consolidating_body(bodies, consolidating or None)
        except tr.TreatyError as exc:
            raise Invalid(str(exc)) from None
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.TREATY_REGISTERED, None, None, None))
        raise
    treaty = Treaty(
        number=f"pending-{uuid.uuid4().hex}",
        title=title,
        kind=treaty_kind.value,
        status=treaty_status.value,
        concluded_on=concluded_on,
        responsible=bodies,
        consolidating=lead,
        registered_by=principal.username,
    )
    session.add(treaty)
    session.flush()
    treaty.number = f"TRT-{treaty.id:06d}"
    append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.TREATY_REGISTERED,
        registry_number=treaty.number,
        letter_sha256=None,
        state_before=None,
        state_after=f"{treaty.kind}:{treaty.status}",
    )
    session.flush()
    return treaty


def list_treaties(session: Session, principal: Principal) -> list[Treaty]:
    """The register: every treaty (MFA, auditors) or those the body is responsible for."""
    check(principal, Action.FILE_READ)
    treaties = session.scalars(select(Treaty).order_by(Treaty.id)).all()
    if principal.agency_code in (None, "MFA"):
        return list(treaties)
    return [t for t in treaties if principal.agency_code in t.responsible]


def get_treaty(session: Session, principal: Principal, number: str) -> Treaty:
    found = session.scalar(select(Treaty).where(Treaty.number == number))
    if found is None or found not in list_treaties(session, principal):
        raise NotFound(f"no treaty {number}")
    return found


def form_of(treaty: Treaty) -> int:
    """The Appendix (1–5) of the treaty's return (¶2)."""
    return tr.form_for(tr.TreatyKind(treaty.kind), tr.TreatyStatus(treaty.status))


def open_cycle(session: Session, principal: Principal, year: int) -> RuleFile:
    """MFA opens the reporting year's cycle; every consolidating body of the register owes."""
    bodies = sorted(set(session.scalars(select(Treaty.consolidating)).all()))
    if not bodies:
        raise Invalid("the treaty register is empty: no body owes a return")
    if cycle_file(session, year) is not None:
        raise Conflict(f"the {year} cycle is already open")
    return rule_files.open_file(
        session,
        principal,
        Kind.TREATY_CYCLE.value,
        f"Treaty-implementation returns on {year} (¶2-6)",
        {"year": year, "bodies": bodies},
    )


def cycle_file(session: Session, year: int) -> RuleFile | None:
    files = session.scalars(select(RuleFile).where(RuleFile.kind == Kind.TREATY_CYCLE.value))
    return next((f for f in files if f.facts.get("year") == year), None)


def _filed(session: Session, year: int, treaty_number: str) -> TreatyReturn:
    """The return filed for ``year`` on the treaty; NotFound when there is none."""
    found = session.scalar(
        select(TreatyReturn)
        .join(Treaty)
        .where(TreatyReturn.year == year, Treaty.number == treaty_number)
    )
    if found is None:
        raise NotFound(f"no {year} return on {treaty_number}")
    return found


def _returns(session: Session, year: int) -> list[TreatyReturn]:
    return list(
        session.scalars(
            select(TreatyReturn).where(TreatyReturn.year == year).order_by(TreatyReturn.id)
        )
    )


def return_xml(treaty: Treaty, year: int, values: dict[str, str]) -> bytes:
    return forms.build_xml(
        form_of(treaty),
        year=year,
        treaty=treaty.number,
        body=treaty.consolidating,
        values=values,
        responsible=list(treaty.responsible),
        consolidating=treaty.consolidating,
    )


def file_return(
    session: Session,
    principal: Principal,
    *,
    year: int,
    treaty_number: str,
    values: dict[str, Any],
    day: date,
) -> TreatyReturn:
    """The consolidating body files its return on ``treaty_number`` for ``year`` (¶2).

    The values are checked as the form's schema checks them (every fault named);
    the return's XML is built and validated. When the body's last return of the
    year is in, the cycle records ``returns:<body>`` on ``day``.
    """
    try:
        check(principal, Action.TREATY_RETURN)
        treaty = session.scalar(select(Treaty).where(Treaty.number == treaty_number))
        if treaty is None:
            raise NotFound(f"no treaty {treaty_number}")
        if principal.agency_code != treaty.consolidating:
            raise Forbidden(f"the return on {treaty_number} is filed by {treaty.consolidating}")
        cycle = cycle_file(session, year)
        if cycle is None:
            raise Conflict(f"MFA has not opened the {year} cycle")
        existing = session.scalar(
            select(TreatyReturn).where(
                TreatyReturn.year == year, TreatyReturn.treaty_id == treaty.id
            )
        )
        if existing is not None:
            raise Conflict(f"the {year} return on {treaty_number} is already filed")
        form = form_of(treaty)
        try:
            cleaned = forms.clean(form, values)
            xml = return_xml(treaty, year, cleaned)
        except forms.FormError as exc:
            raise Invalid(f"the Appendix {form} return is not valid", details=exc.errors) from None
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.TREATY_RETURN_FILED, treaty_number, None, None))
        raise
    filed = TreatyReturn(
        year=year,
        treaty=treaty,
        body=treaty.consolidating,
        form=form,
        fields=cleaned,
        assessment="",
        xml=xml.decode(),
        submitted_on=day,
        submitted_by=principal.username,
    )
    session.add(filed)
    session.flush()
    append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.TREATY_RETURN_FILED,
        registry_number=treaty.number,
        letter_sha256=None,
        state_before=None,
        state_after=f"{year}:appendix-{form}",
    )
    owed = set(session.scalars(select(Treaty.id).where(Treaty.consolidating == filed.body)))
    done = {r.treaty_id for r in _returns(session, year) if r.body == filed.body}
    key = f"returns:{filed.body}"
    recorded = {e.key for e in cycle.events}
    if owed <= done and filed.body in cycle.facts["bodies"] and key not in recorded:
        rule_files.record_event(session, principal, cycle.number, key, day)
    return filed


def _validate_for_signing(root: etree._Element) -> None:
    try:
        forms.validate_return(root)
    except forms.FormError as exc:
        raise SigningError(f"the return does not fit its form: {exc}") from None


def sign_return(
    session: Session, principal: Principal, *, year: int, treaty_number: str, passphrase: str
) -> TreatyReturn:
    """The consolidating body's officer signs its filed return with the key Arna holds for
    them, as letters are signed (XAdES-B, verified at once, the report's signers kept);
    a further signature (the first head's) covers the earlier ones."""

    def signed_with(attempt: Attempt) -> TreatyReturn:
        try:
            check(principal, Action.LETTER_SIGN)
            found = _filed(session, year, treaty_number)
            if principal.agency_code != found.body:
                raise Forbidden(f"the return on {treaty_number} is signed by {found.body}")
            user = session.get(User, principal.id)
            assert user is not None
            unlocked = unlock_charged(session, user, passphrase, attempt)
            try:
                signed = sign_document(
                    found.xml.encode(),
                    unlocked.key,
                    unlocked.certificate,
                    validate=_validate_for_signing,
                    description=f"Arna treaty return ({forms.NAMESPACE})",
                )
            except SigningError as exc:
                raise Invalid(f"the return cannot be signed: {exc}") from None
            result = verify_letter(signed, trust_store(session), at=utcnow())
            if not result.passed:
                raise Invalid(
                    "the signature does not verify", details=report_reasons(result.report)
                )
        except ServiceError as exc:
            exc.refusing(refusal(principal, Tag.TREATY_RETURN_SIGNED, treaty_number, None, None))
            raise
        found.xml = signed.decode()
        found.signed_at = utcnow()
        found.signed_by = [s.to_signed_by() for s in standings(session, result, found.signed_at)]
        append_event(
            session,
            actor=custody_actor(principal),
            action=Tag.TREATY_RETURN_SIGNED,
            registry_number=treaty_number,
            letter_sha256=sha256_hex(signed),
            state_before=None,
            state_after=str(year),
        )
        session.flush()
        return found

    return with_passphrase(session, principal.id, signed_with)


def assess(
    session: Session, principal: Principal, *, year: int, treaty_number: str, text: str
) -> TreatyReturn:
    """MFA's foreign-policy assessment of a return on App.1–3 (its own row, ¶4)."""
    try:
        check(principal, Action.TREATY_MANAGE)
        found = _filed(session, year, treaty_number)
        if found.form not in forms.ASSESSMENT.rows:
            raise Invalid(f"Appendix {found.form} has no foreign-policy assessment row")
        text = (text or "").strip()
        if not text or len(text) > 20000:
            raise Invalid("assessment: required, at most 20000 characters")
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.TREATY_ASSESSED, treaty_number, None, None))
        raise
    # MFA's row is a second author's: kept beside the body's XML (and its signatures).
    found.assessment = text
    append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.TREATY_ASSESSED,
        registry_number=treaty_number,
        letter_sha256=None,
        state_before=None,
        state_after=str(year),
    )
    session.flush()
    return found


def returns_of(session: Session, principal: Principal, year: int) -> list[TreatyReturn]:
    """The year's returns the person may see: all (MFA, auditors) or the body's own."""
    check(principal, Action.FILE_READ)
    found = _returns(session, year)
    if principal.agency_code in (None, "MFA"):
        return found
    return [r for r in found if r.body == principal.agency_code]


@dataclass(frozen=True)
class Lateness:
    """A body's standing in the cycle: when its returns were due and came (or not)."""

    body: str
    due: date
    filed: date | None
    late: bool


@dataclass(frozen=True)
class Consolidation:
    """Appendix 6: MFA's summary for GO, generated from the year's returns (¶4).

    1.1 the totals and the treaties in force (conclusion date, counterparty, areas);
    1.2 the problems and proposals; 1.3 the proposals' tally (MFA adds its
    conclusions); 2. every treaty with its status; with MFA's assessments.
    """

    year: int
    total: int
    in_force: int
    signed_not_in_force: int
    by_form: dict[int, int]
    in_force_rows: list[dict[str, str]]
    problems: list[dict[str, str]]
    proposals: dict[str, int]
    treaties: list[dict[str, str]]
    missing: list[str]  # treaties with no return yet
    lateness: list[Lateness]
    conclusions: str = ""  # MFA's own (1.3)
    recommendations: str = ""  # organisations' recommendations MFA attaches (¶4)


def _counterparty(r: TreatyReturn) -> str:
    return r.fields.get("states_parties") or r.fields.get("donor") or ""


def consolidation(session: Session, principal: Principal, year: int, today: date) -> Consolidation:
    """Appendix 6 for ``year``, generated from the returns (MFA and auditors)."""
    if principal.agency_code not in (None, "MFA"):
        raise Forbidden("the Appendix 6 summary is MFA's")
    check(principal, Action.FILE_READ)
    treaties = session.scalars(select(Treaty).order_by(Treaty.id)).all()
    returns = {r.treaty_id: r for r in _returns(session, year)}
    by_status = Counter(t.status for t in treaties)
    in_force_rows, problems = [], []
    for t in treaties:
        r = returns.get(t.id)
        if r is None:
            continue
        if t.status == tr.TreatyStatus.IN_FORCE:
            in_force_rows.append(
                {
                    "treaty": t.number,
                    "title": r.fields["title"],
                    "concluded_on": r.fields["concluded_on"],
                    "counterparty": _counterparty(r),
                    "areas": r.fields.get("subject", ""),
                    "assessment": r.assessment,
                }
            )
        text = r.fields.get("problems") or r.fields.get("procedure_problems") or ""
        problems.append({"treaty": t.number, "body": r.body, "problems": text})
    proposals = Counter(r.fields["proposal"] for r in returns.values() if "proposal" in r.fields)
    own = session.scalar(select(TreatySummary).where(TreatySummary.year == year))
    cycle = cycle_file(session, year)
    lateness = []
    if cycle is not None:
        view = rule_files.get_file(session, principal, cycle.number)
        for duty in view.duties:
            if duty.key.startswith("returns:") and duty.due is not None:
                state = duty.state(today)
                lateness.append(
                    Lateness(
                        duty.by,
                        duty.due,
                        duty.done,
                        state in (DutyState.LATE, DutyState.DONE_LATE),
                    )
                )
    return Consolidation(
        year=year,
        total=len(treaties),
        in_force=by_status[tr.TreatyStatus.IN_FORCE],
        signed_not_in_force=by_status[tr.TreatyStatus.SIGNED],
        by_form=dict(sorted(Counter(r.form for r in returns.values()).items())),
        in_force_rows=in_force_rows,
        problems=problems,
        proposals={p.value: proposals[p.value] for p in forms.Proposal if proposals[p.value]},
        treaties=[
            {"treaty": t.number, "title": t.title, "kind": t.kind, "status": t.status}
            for t in treaties
        ],
        missing=[t.number for t in treaties if t.id not in returns],
        lateness=lateness,
        conclusions=own.conclusions if own else "",
        recommendations=own.recommendations if own else "",
    )


def conclude(
    session: Session, principal: Principal, *, year: int, conclusions: str, recommendations: str
) -> TreatySummary:
    """MFA writes its own parts of the year's Appendix 6 (1.3, and ¶4's attachments)."""
    try:
        check(principal, Action.TREATY_MANAGE)
        conclusions, recommendations = conclusions.strip(), recommendations.strip()
        if not conclusions or len(conclusions) > 20000 or len(recommendations) > 20000:
            raise Invalid("conclusions: required; each text at most 20000 characters")
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.TREATY_ASSESSED, f"appendix-6:{year}", None, None))
        raise
    own = session.scalar(select(TreatySummary).where(TreatySummary.year == year))
    if own is None:
        own = TreatySummary(year=year, updated_by=principal.username)
        session.add(own)
    own.conclusions, own.recommendations = conclusions, recommendations
    own.updated_by = principal.username
    append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.TREATY_ASSESSED,
        registry_number=f"appendix-6:{year}",
        letter_sha256=None,
        state_before=None,
        state_after=str(year),
    )
    session.flush()
    return own


def import_returns(
    session: Session, principal: Principal, data: bytes, day: date
) -> list[TreatyReturn]:
    """File every return of an XLSX workbook (one sheet each), all or none."""
    try:
        sheets = xlsx.import_returns(data)
    except xlsx.XlsxError as exc:
        raise Invalid("the workbook was refused", details=exc.errors) from None
    filed = []
    for sheet in sheets:
        filed.append(
            file_return(
                session,
                principal,
                year=sheet.year,
                treaty_number=sheet.treaty,
                values=sheet.values,
                day=day,
            )
        )
    return filed
