"""Opening rule files, recording their events, and consent by silence (¶32).

Each action authorises, writes its row and one custody event in one transaction,
then commits; a refused attempt on an existing file is rolled back and recorded
as ``<tag>-refused`` (as for letters).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from custody.event import Actor as CustodyActor
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
from registry.services.letters.actions import custody_actor, refusal
from registry.services.rule_files import chains
from registry.services.rule_files.chains import SILENCE, Kind
from routing import parties as p
from routing.agreements import silent_consents
from routing.duties import Duty
from routing.reporting import AgencyStanding, Exemption, mfa_overview

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


def events_of(file: RuleFile) -> dict[str, date]:
    return {e.key: e.day for e in file.events}


def _view(file: RuleFile) -> FileView:
    events, kind = events_of(file), Kind(file.kind)
    return FileView(
        file,
        events,
        chains.duties(kind, file.facts, events),
        chains.exemption(kind, file.facts),
    )


def duties_of(file: RuleFile) -> tuple[Duty, ...]:
    """The duties the file's chain computes from its events (no permission check: for jobs)."""
    return _view(file).duties


def open_file(
    session: Session, principal: Principal, kind: str, title: str, facts: Mapping[str, Any]
) -> RuleFile:
    """Register an agreement reached (¶30), open a decision file (¶10) — MFA — or a report
    a central state body owes MFA (¶46, ¶48-49) — MFA or the body itself."""
    try:
        file_kind = Kind(kind)
    except ValueError:
        raise Invalid(f"kind: not agreement, decision or report: {kind!r}") from None
    if file_kind is Kind.REPORT:
        check(principal, Action.REPORT_OPEN)
        if principal.agency_code not in (p.MFA, facts.get("body")):
            raise Forbidden("a report file is opened by MFA or by the body that owes it")
    else:
        check(principal, Action.FILE_OPEN)
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise Invalid("title: required, at most 500 characters")
    stored = chains.normalised_facts(file_kind, facts)
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


def _opened_on(kind: Kind, facts: Mapping[str, Any]) -> date:
    """The day the chain starts: the event's end, MFA's receipt, or the report's trigger."""
    if kind is Kind.AGREEMENT:
        return date.fromisoformat(facts["event_ended"])
    if kind is Kind.DECISION:
        return date.fromisoformat(facts["received"])
    for name in ("event_ended", "departure", "meeting_day"):
        if name in facts:
            return date.fromisoformat(facts[name])
    return date(int(facts["year"]), 1, 1)


def _load(session: Session, number: str, *, lock: bool = False) -> RuleFile | None:
    query = select(RuleFile).where(RuleFile.number == number)
    return session.scalar(query.with_for_update() if lock else query)


def record_event(
    session: Session, principal: Principal, number: str, key: str, day: date
) -> FileView:
    """Record that step ``key`` of the file's chain happened on ``day``, by its party."""
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
        chains.duties(kind, file.facts, {**events, key: day})  # the engine checks the chain
        _append(session, file, key, day, custody_actor(principal), Tag.FILE_EVENT_RECORDED)
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.FILE_EVENT_RECORDED, number, None, None))
        raise
    except IntegrityError:
        raise Conflict(f"{key!r} is already recorded") from None
    session.refresh(file)
    return _view(file)


def _append(
    session: Session, file: RuleFile, key: str, day: date, actor: CustodyActor, tag: Tag
) -> None:
    index = append_event(
        session,
        actor=actor,
        action=tag,
        registry_number=file.number,
        letter_sha256=None,
        state_before=None,
        state_after=f"{key}@{day.isoformat()}",
    )
    session.add(
        RuleFileEvent(file=file, key=key, day=day, recorded_by=actor.user, custody_index=index)
    )
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
