"""¶23: the draft theses for the Head of State's talks, initialled on every page.

MFA records, for each body's thesis document of a high-level event, how many
pages it has and which pages carry the initials of the body's head or
supervising deputy («басшысы немесе басшының жетекшілік ететін орынбасары әр
параққа бұрыштама қол қояды»); the check (routing.high_level.ThesisDocument) is
stored with its result and one custody event, so a document that fails it stays
on the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import RuleFile, ThesisCheck
from registry.permissions import Action, Principal, check, ensure_can_see_file
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Invalid, NotFound, ServiceError
from registry.services.letters.actions import custody_actor, refusal
from registry.services.rule_files import chains
from registry.services.rule_files.chains import Kind
from routing.high_level import ThesisDocument

MAX_PAGES = 1000


def record_theses(
    session: Session,
    principal: Principal,
    number: str,
    *,
    body: str,
    pages: int,
    initialled: Iterable[int],
    day: date,
) -> ThesisCheck:
    """MFA checks ``body``'s thesis document of the event ``number``; the result is kept."""
    file = session.scalar(select(RuleFile).where(RuleFile.number == number))
    if file is None:
        raise NotFound(f"no file {number}")
    try:
        ensure_can_see_file(principal, file, number)
        check(principal, Action.FILE_OPEN)
        if file.kind != Kind.EVENT.value:
            raise Invalid(f"{number} is not a high-level event")
        if body not in chains.event(file.facts).interested:
            raise Invalid(f"body: {body} was not asked for materials (¶22)")
        if not 1 <= pages <= MAX_PAGES:
            raise Invalid(f"pages: 1-{MAX_PAGES}")
        signed = sorted(set(initialled))
        if any(not 1 <= page <= pages for page in signed):
            raise Invalid(f"initialled: page numbers are 1-{pages}")
    except ServiceError as exc:
        exc.refusing(refusal(principal, Tag.FILE_THESES_CHECKED, number, None, None))
        raise
    document = ThesisDocument(body, pages, frozenset(signed))
    ok = document.initialled_on_every_page()
    missing = ",".join(str(page) for page in document.missing())
    index = append_event(
        session,
        actor=custody_actor(principal),
        action=Tag.FILE_THESES_CHECKED,
        registry_number=number,
        letter_sha256=None,
        state_before=None,
        state_after=f"{body}:{'every-page' if ok else 'missing:' + missing}",
    )
    row = ThesisCheck(
        file_id=file.id,
        body=body,
        pages=pages,
        initialled_pages=signed,
        initialled_on_every_page=ok,
        checked_on=day,
        recorded_by=principal.username,
        custody_index=index,
    )
    session.add(row)
    session.flush()
    return row


def theses_of(session: Session, principal: Principal, number: str) -> list[ThesisCheck]:
    """The event's thesis checks, in the order made."""
    check(principal, Action.FILE_READ)
    file = ensure_can_see_file(
        principal, session.scalar(select(RuleFile).where(RuleFile.number == number)), number
    )
    return list(
        session.scalars(
            select(ThesisCheck).where(ThesisCheck.file_id == file.id).order_by(ThesisCheck.id)
        )
    )
