"""Court case files (Chapter 5): a court's request, the ¶36 forwards and answers, the ¶37
reply, MOJ's ¶40 hand-over for the EAEU Court and MFA's dispatch — as one chain.

A case is opened on the registered ``court-request-forward`` item by the body that
received it; the reply (a ``court-reply`` or ``court-practice-reply`` letter of that
body) joins it. The chain's duties and what is late are routing.court_case's, fed
with what the letters record: the request's ¶36 deadlines (forwards and answers),
the reply's custody events (submitted; MOJ received and handed on) and MFA's note
date. The court's own deadline becomes a deadline on the reply owed by MFA, so
it is in MFA's inbox. Each action appends its custody event on the letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import CaseFile, Deadline, Letter
from registry.permissions import Action, Principal, allowed, can_see_letter, check
from registry.services.custody import letter_entries
from registry.services.custody.tags import Tag
from registry.services.deadlines import Basis, today_kz
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound
from registry.services.letters.actions import run_recorded
from registry.services.letters.records import keep_parties
from routing import parties
from routing.court_case import COURT_DEADLINE, CaseError, CaseEvents, CourtCase, case_duties
from routing.duties import Duty, late
from routing.kinds import COURT_PRACTICE_REPLY, COURT_REPLY, COURT_REQUEST_FORWARD

#: The three bodies ¶36 always names; the request's other addressees are "other interested".
_NAMED = frozenset({parties.MFA, parties.MOJ, parties.MTI})


@dataclass(frozen=True)
class CaseView:
    """A case file as its page shows it: the letters and the chain's duties on ``today``."""

    case: CaseFile
    request: Letter
    replies: list[Letter]
    duties: tuple[Duty, ...]
    late: list[Duty]
    today: date


def _forward_step(request: Letter) -> Deadline | None:
    return next((d for d in request.deadlines if d.by_party == request.sender), None)


def court_case(case: CaseFile, request: Letter) -> CourtCase:
    """The routing engine's view of the case (raises CaseError for what cannot be)."""
    step = _forward_step(request)
    addressees = set(step.to_parties) if step is not None else {request.recipient}
    return CourtCase(
        court=case.court,
        receiver=request.sender,
        received=request.letter_date,
        interested=tuple(sorted(addressees - _NAMED - {request.sender})),
        court_deadline=case.court_deadline,
        judicial_practice=case.judicial_practice,
    )


def _day(moment: datetime | str) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return today_kz(moment)


def _events(session: Session, request: Letter, reply: Letter | None) -> CaseEvents:
    forwarded: dict[str, date] = {}
    answered: dict[str, date] = {}
    step = _forward_step(request)
    for d in request.deadlines:
        if d.done_at is None or d.rule != "¶36":
            continue
        if d is step:
            forwarded.update((body, _day(d.done_at)) for body in d.to_parties)
        else:
            answered[d.by_party] = _day(d.done_at)
    forwarded.pop(request.sender, None)
    if reply is None:
        return CaseEvents(forwarded=forwarded, answered=answered)
    first: dict[tuple[str, str | None], date] = {}
    for _index, leaf in letter_entries(session, reply.registry_number):
        event = decode_leaf(leaf)
        first.setdefault((event.action, event.actor.agency), _day(event.time))
    return CaseEvents(
        forwarded=forwarded,
        answered=answered,
        reply_submitted=first.get((Tag.LETTER_SUBMITTED, reply.sender)),
        moj_received=first.get((Tag.LETTER_RECEIVED, parties.MOJ)),
        moj_submitted=first.get((Tag.LETTER_FORWARDED, parties.MOJ)),
        dispatched=reply.note_date,
    )


def _replies(session: Session, request: Letter) -> list[Letter]:
    return list(session.scalars(select(Letter).where(Letter.parent_id == request.id)))


def view_case(session: Session, principal: Principal, case_id: int) -> CaseView:
    """The case, its letters and its chain, for anyone who may see the request."""
    check(principal, Action.LETTER_READ)
    case = session.get(CaseFile, case_id)
    if case is None or not can_see_letter(principal, case.request):
        raise NotFound(f"no case file {case_id}")
    replies = _replies(session, case.request)
    events = _events(session, case.request, replies[0] if replies else None)
    duties = case_duties(court_case(case, case.request), events)
    today = today_kz()
    return CaseView(case, case.request, replies, duties, late(duties, today), today)


def case_of(session: Session, letter: Letter) -> CaseFile | None:
    """The case file a letter opened or joined, if any."""
    request_id = letter.parent_id or letter.id
    return session.scalar(select(CaseFile).where(CaseFile.request_id == request_id))


def may_open(principal: Principal, letter: Letter) -> bool:
    """Whether ``principal`` may open a case file on this letter (a court's request it received)."""
    return (
        letter.kind == COURT_REQUEST_FORWARD
        and letter.agency_code == principal.agency_code
        and allowed(principal.role, Action.CASE_OPEN)
    )


def open_case(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    court: str,
    court_deadline: date | None = None,
    judicial_practice: bool = False,
) -> CaseFile:
    """Open the case file of a registered court request (by the body that received it)."""
    check(principal, Action.CASE_OPEN)
    opened: list[CaseFile] = []

    def change(request: Letter) -> None:
        if request.kind != COURT_REQUEST_FORWARD:
            raise Invalid(f"kind: a {request.kind} letter does not open a case (a court's does)")
        if request.agency_code != principal.agency_code:
            raise Forbidden(f"only {request.agency_code}, which received the request, opens it")
        if case_of(session, request) is not None:
            raise Conflict("the request's case file is already open")
        case = CaseFile(
            request=request,
            court=court,
            court_deadline=court_deadline,
            judicial_practice=judicial_practice,
            opened_by_id=principal.id,
        )
        try:
            court_case(case, request)
        except CaseError as exc:
            raise Invalid(f"the case cannot be opened: {exc}", details=[str(exc)]) from None
        session.add(case)
        session.flush()
        opened.append(case)

    run_recorded(session, principal, Tag.LETTER_CASE_OPENED, registry_number, change)
    return opened[0]


def join_case(session: Session, principal: Principal, case_id: int, registry_number: str) -> Letter:
    """The receiver's reply to the court joins the case; the court's deadline, if it set
    one, becomes MFA's deadline for the dispatch (in MFA's inbox)."""
    check(principal, Action.CASE_JOIN)
    case = session.get(CaseFile, case_id)
    if case is None or not can_see_letter(principal, case.request):
        raise NotFound(f"no case file {case_id}")
    request_id, receiver = case.request.id, case.request.sender
    court, court_deadline = case.court, case.court_deadline
    kind = COURT_PRACTICE_REPLY if case.judicial_practice else COURT_REPLY

    def change(reply: Letter) -> None:
        problems = []
        if reply.kind != kind:
            problems.append(f"kind: the case's reply is a {kind} letter, not {reply.kind}")
        if reply.sender != receiver:
            problems.append(f"sender: the reply comes from {receiver}, which received the request")
        if reply.recipient != court:
            problems.append(f"recipient: the case's court is {court}, not {reply.recipient}")
        if problems:
            raise Invalid("the letter cannot join the case", details=problems)
        if principal.agency_code != receiver:
            raise Forbidden(f"only {receiver} joins its reply to the case")
        if reply.parent_id is not None:
            raise Conflict("the letter already belongs to a case")
        if session.scalar(select(Letter.id).where(Letter.parent_id == request_id)) is not None:
            raise Conflict("the case already has its reply")
        reply.parent_id = request_id
        if court_deadline is not None and parties.MFA in reply.plan["route"]:
            reply.deadlines.append(
                Deadline(
                    position=max((d.position for d in reply.deadlines), default=-1) + 1,
                    rule=COURT_DEADLINE,
                    by_party=parties.MFA,
                    to_parties=[court],
                    basis=Basis.FIXED,
                    due=court_deadline,
                )
            )
            keep_parties(reply)

    run_recorded(session, principal, Tag.LETTER_CASE_JOINED, registry_number, change)
    letter = session.scalar(select(Letter).where(Letter.registry_number == registry_number))
    assert letter is not None
    return letter
