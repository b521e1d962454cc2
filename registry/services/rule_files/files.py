"""Opening rule files, recording their events, and consent by silence (¶32).

Each action authorises, writes its row and one custody event in one transaction,
then commits; a refused attempt on an existing file is rolled back and recorded
as ``<tag>-refused`` (as for letters).

A step may be filed with its signed record (``signing.records``: a schema per
kind), e.g. PA's electronic approval sheet (¶32-1): the record is read through
``signing.xmlparse`` and its kind's schema, checked against the file and the
chain (its number, step, day, ¶ and party), and only then its signatures are
verified, one of them by an officer of the party that took the step. The bytes
are kept exactly as signed, with the verification report, as a letter's are.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from custody.event import Actor as CustodyActor
from registry.db import utcnow
from registry.models import RuleFile, RuleFileEvent
from registry.permissions import (
    Action,
    Principal,
    check,
    ensure_can_see_file,
    file_scope,
    parties_field,
)
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from registry.services.identity import standings
from registry.services.letters.actions import custody_actor, refusal
from registry.services.letters.records import report_reasons, sha256_hex
from registry.services.pki import trust_store
from registry.services.rule_files import chains
from registry.services.rule_files.chains import SILENCE, Kind
from registry.services.unit_of_work import release_write_lock
from routing import parties as p
from routing.agreements import Source, silent_consents
from routing.calendar import add_workdays
from routing.duties import Duty, DutyState
from routing.reporting import AgencyStanding, Exemption, mfa_overview
from signing.records import Record, RecordError, read_record
from signing.verify import VerificationResult, verify_letter
from signing.xmlparse import XMLInputError, parse_xml

#: Who the silence job acts as in the custody log.
SILENCE_JOB = CustodyActor(user="job:consent-by-silence", role="job", agency=None)


@dataclass(frozen=True)
class FileView:
    """A file with its events and the duties its chain computes from them."""

    file: RuleFile
    events: dict[str, date]
    duties: tuple[Duty, ...]
    #: A report the Rules do not ask for (¶50), with the reason; None otherwise.
    exemption: Exemption | None = None
    #: A draft decision: every approver agreed (¶8, ¶8-2); None for other kinds.
    agreed: bool | None = None


def events_of(file: RuleFile) -> dict[str, date]:
    return {e.key: e.day for e in file.events}


def _view(file: RuleFile) -> FileView:
    events, kind = events_of(file), Kind(file.kind)
    return FileView(
        file,
        events,
        chains.duties(kind, file.facts, events),
        chains.exemption(kind, file.facts),
        chains.draft_agreed(file.facts, events) if kind is Kind.DRAFT else None,
    )


def duties_of(file: RuleFile) -> tuple[Duty, ...]:
    """The duties the file's chain computes from its events (no permission check: for jobs)."""
    return _view(file).duties


def open_file(
    session: Session, principal: Principal, kind: str, title: str, facts: Mapping[str, Any]
) -> RuleFile:
    """Register an agreement reached (¶30), open a decision file (¶10) — MFA —, a report
    a central state body owes MFA (¶46, ¶48-49) — MFA or the body itself — or a draft
    decision whose agreement the opener's body runs (¶8-9) — any central state body."""
    try:
        file_kind = Kind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise Invalid(f"kind: not one of {allowed}: {kind!r}") from None
    if file_kind is Kind.REPORT:
        check(principal, Action.REPORT_OPEN)
        if principal.agency_code not in (p.MFA, facts.get("body")):
            raise Forbidden("a report file is opened by MFA or by the body that owes it")
    elif file_kind is Kind.DRAFT:
        check(principal, Action.DRAFT_OPEN)
        # ¶9: the body competent for the draft's subject runs its agreement: the opener's.
        facts = {**facts, "lead": principal.agency_code}
    else:
        check(principal, Action.FILE_OPEN)
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise Invalid("title: required, at most 500 characters")
    stored = chains.normalised_facts(file_kind, facts)
    if "event" in stored:
        _check_event_link(session, stored)
    opened_on = _opened_on(file_kind, stored)
    file = RuleFile(
        number=f"pending-{uuid.uuid4().hex}",
        kind=file_kind.value,
        opened_by_agency=principal.agency_code or "",
        opened_on=opened_on,
        title=title,
        facts=stored,
        parties=parties_field(chains.parties(file_kind, stored)),
    )
    session.add(file)
    session.flush()
    file.number = f"{chains.PREFIX[file_kind]}-{opened_on.year}-{file.id:06d}"
    append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.FILE_OPENED,
        registry_number=file.number,
        letter_sha256=None,
        state_before=None,
        state_after=file_kind.value,
    )
    return file


def _check_event_link(session: Session, facts: Mapping[str, Any]) -> None:
    """An agreement reached at a high-level event (¶28-29) links that event's file."""
    linked = _load(session, facts["event"])
    if linked is None or linked.kind != Kind.EVENT.value:
        raise Invalid(f"event: no high-level event file {facts['event']}")
    if facts["source"] != Source.REGISTERED.value:
        raise Invalid("event: only an agreement registered at the event (¶28-29) links it")
    if linked.facts["last_day"] != facts["event_ended"]:
        raise Invalid(f"event_ended: the event {linked.number} ended on {linked.facts['last_day']}")


def agreements_of(session: Session, principal: Principal, number: str) -> list[RuleFile]:
    """The agreements reached at the event ``number`` (Chapter 4 files linking it)."""
    found = list_files(session, principal, Kind.AGREEMENT.value)
    return [f for f in found if f.facts.get("event") == number]


def _opened_on(kind: Kind, facts: Mapping[str, Any]) -> date:
    """The day the chain starts: the event's end, MFA's receipt, or the report's trigger."""
    if kind is Kind.AGREEMENT:
        return date.fromisoformat(facts["event_ended"])
    if kind in (Kind.DECISION, Kind.DRAFT):
        return date.fromisoformat(facts["received"])
    if kind is Kind.TREATY_CYCLE:
        return date(int(facts["year"]) + 1, 1, 1)
    if kind is Kind.EVENT:
        return date.fromisoformat(facts["first_day"])
    for name in ("event_ended", "departure", "meeting_day"):
        if name in facts:
            return date.fromisoformat(facts[name])
    return date(int(facts["year"]), 1, 1)


def _load(session: Session, number: str, *, lock: bool = False) -> RuleFile | None:
    query = select(RuleFile).where(RuleFile.number == number)
    return session.scalar(query.with_for_update() if lock else query)


def record_event(
    session: Session,
    principal: Principal,
    number: str,
    key: str,
    day: date,
    document: bytes | None = None,
) -> FileView:
    """Record that step ``key`` of the file's chain happened on ``day``, by its party,
    with the step's signed record (``document``) when there is one."""
    checked = _read_and_verify(session, document) if document is not None else None
    file = _load(session, number, lock=True)
    if file is None:
        raise NotFound(f"no file {number}")
    try:
        ensure_can_see_file(principal, file, number)
        check(principal, Action.FILE_RECORD)
        kind = Kind(file.kind)
        if key.startswith(f"{SILENCE}:"):
            raise Forbidden("consent by silence is recorded only by the registry itself (¶32)")
        party = chains.recorder(kind, file.facts, key)
        if principal.agency_code != party:
            raise Forbidden(f"only {party} records {key!r}")
        events = events_of(file)
        if key in events:
            raise Conflict(f"{key!r} is already recorded (on {events[key].isoformat()})")
        duties = chains.duties(kind, file.facts, {**events, key: day})  # checks the chain
        signed = None
        if checked is not None:
            duty = next((d for d in duties if d.key == key), None)
            duty = duty or chains.step(kind, file.facts, key)
            signed = _signed_record(session, file, key, day, duty, checked)
        _append(session, file, key, day, custody_actor(principal), Tag.FILE_EVENT_RECORDED, signed)
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.FILE_EVENT_RECORDED, number, None, None))
        raise
    except IntegrityError:
        raise Conflict(f"{key!r} is already recorded") from None
    session.refresh(file)
    return _view(file)


@dataclass(frozen=True)
class _Checked:
    """A record read through the parser's limits and its kind's schema and, if it passed,
    its signatures verified; ``refused`` says why it was not read."""

    document: bytes
    record: Record | None = None
    result: VerificationResult | None = None
    verified_at: datetime | None = None
    refused: Invalid | None = None


def _read_and_verify(session: Session, document: bytes) -> _Checked:
    """Read the record (cost limits and schema, before any cryptography), then verify it.

    Done before the file is locked, so that verification, the costliest step, holds no
    lock (SQLite's write lock included: ``release_write_lock``); a refusal is raised later, in
    ``_signed_record``, where it is recorded against the file.
    """
    try:
        record = read_record(parse_xml(document))
    except XMLInputError as exc:
        return _Checked(
            document, refused=Invalid("the record is not acceptable XML", details=[str(exc)])
        )
    except RecordError as exc:
        return _Checked(document, refused=Invalid("the record was refused", details=exc.errors))
    store = trust_store(session)
    release_write_lock(session)
    verified_at = utcnow()
    return _Checked(document, record, verify_letter(document, store, at=verified_at), verified_at)


def _signed_record(
    session: Session, file: RuleFile, key: str, day: date, duty: Duty | None, checked: _Checked
) -> RuleFileEvent:
    """The step's signed record, checked against the file and the step, then its signatures
    (Invalid with every reason): the event's signed columns, completed by ``_append``."""
    if checked.refused is not None:
        raise checked.refused
    record, result = checked.record, checked.result
    assert record is not None
    assert result is not None
    expected = {
        "kind": file.kind,
        "file_number": file.number,
        "key": key,
        "day": day,
        "rule": duty.rule if duty else None,
        "by": duty.by if duty else None,
    }
    errors = [
        f"{name}: the record says {getattr(record, name)!s}, the step is {value!s}"
        for name, value in expected.items()
        if getattr(record, name) != value
    ]
    if errors:
        raise Invalid("the record is not this step's", details=errors)
    if not result.passed or result.signed_root is None:
        raise Invalid(
            "the record's signature does not verify", details=report_reasons(result.report)
        )
    if read_record(result.signed_root) != record:
        raise Invalid("the record was refused", details=["its signatures do not cover it"])
    # Who the signatures count as, read as for letters: by BIN (NCA), the anchor's scope
    # (other CAs) or the registry CA's party code.
    signers = [s.to_signed_by() for s in standings(session, result, checked.verified_at)]
    if not any(s["agency"] == record.by for s in signers):
        raise Invalid(
            "the record was refused",
            details=[f"no signature of an officer of {record.by}, who takes the step"],
        )
    return RuleFileEvent(
        xml=checked.document,
        sha256=sha256_hex(checked.document),
        verification=result.report,
        verified_at=checked.verified_at,
        signed_by=signers,
    )


def _append(
    session: Session,
    file: RuleFile,
    key: str,
    day: date,
    actor: CustodyActor,
    tag: Tag,
    signed: RuleFileEvent | None = None,
) -> None:
    row = signed or RuleFileEvent()
    index = append_event(
        session,
        actor=actor,
        action=tag,
        registry_number=file.number,
        letter_sha256=row.sha256,
        state_before=None,
        state_after=f"{key}@{day.isoformat()}",
    )
    row.file = file
    row.key = key
    row.day = day
    row.recorded_by = actor.user
    row.custody_index = index
    session.add(row)
    session.flush()


def record_silences(session: Session, today: date) -> list[tuple[str, str, date]]:
    """¶32: for every recipient whose 2 wd ended before ``today`` without a written answer,
    record its consent by silence (dated the window's last day): (file, body, day) rows.

    Idempotent: a silence already recorded is not recorded again.
    """
    done: list[tuple[str, str, date]] = []
    numbers = session.scalars(
        select(RuleFile.number).where(RuleFile.kind == Kind.AGREEMENT.value).order_by(RuleFile.id)
    ).all()
    for number in numbers:
        file = _load(session, number, lock=True)
        assert file is not None
        agreement = chains.agreement(file.facts)
        silent = silent_consents(agreement, chains.agreement_events(events_of(file)), today)
        for body, day in sorted(silent.items()):
            _append(session, file, f"{SILENCE}:{body}", day, SILENCE_JOB, Tag.FILE_DEEMED_AGREED)
            done.append((number, body, day))
        session.flush()
    return done


def get_file(session: Session, principal: Principal, number: str) -> FileView:
    check(principal, Action.FILE_READ)
    file = ensure_can_see_file(principal, _load(session, number), number)
    return _view(file)


def list_files(session: Session, principal: Principal, kind: str | None = None) -> list[RuleFile]:
    """The files ``principal`` may see, newest first (at most 200)."""
    check(principal, Action.FILE_READ)
    query = select(RuleFile).where(file_scope(principal))
    if kind:
        query = query.where(RuleFile.kind == kind)
    return list(session.scalars(query.order_by(RuleFile.id.desc()).limit(200)))


def reports_overview(
    session: Session, principal: Principal, today: date
) -> tuple[dict[str, AgencyStanding], list[Exemption]]:
    """What MFA sees per agency: reports due, late and received on ``today``, and the
    reports ¶50 exempts, each with its reason (an agency sees its own)."""
    check(principal, Action.FILE_READ)
    files = session.scalars(
        select(RuleFile).where(file_scope(principal), RuleFile.kind == Kind.REPORT.value)
    ).all()
    views = [_view(f) for f in files]
    standing = mfa_overview([d for v in views for d in v.duties], today)
    return standing, [v.exemption for v in views if v.exemption is not None]


@dataclass(frozen=True)
class OwedDuty:
    """A dated duty of a rule file the person's body owes, for the inbox."""

    file: RuleFile
    duty: Duty
    overdue: bool
    due_soon: bool


def owed(
    session: Session, principal: Principal, today: date, due_soon_workdays: int
) -> list[OwedDuty]:
    """The open, dated duties of every file in scope that the person's body owes (an
    auditor: every overdue one), late first, then by due date: the reminders and the
    "late" of the inbox. ``due_soon``: due within ``due_soon_workdays`` working days.
    A draft decision's agreements have no date (¶8): they follow the dated duties."""
    check(principal, Action.FILE_READ)
    files = session.scalars(select(RuleFile).where(file_scope(principal))).all()
    soon = add_workdays(today, due_soon_workdays)
    out = []
    for file in files:
        undated = file.kind == Kind.DRAFT.value
        for duty in _view(file).duties:
            if duty.done is not None or (duty.due is None and not undated):
                continue
            overdue = duty.state(today) is DutyState.LATE
            by = duty.by
            if by in chains.NOT_USERS:
                by = file.facts["lead"]  # it records what they said (¶9)
            if by != principal.agency_code and not (principal.agency_code is None and overdue):
                continue
            soon_ = not overdue and duty.due is not None and duty.due <= soon
            out.append(OwedDuty(file, duty, overdue, soon_))
    return sorted(out, key=lambda o: (not o.overdue, o.duty.due or date.max, o.file.number))
