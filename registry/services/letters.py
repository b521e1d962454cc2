"""The letter lifecycle in motion: every transition, and the queries of letters and inboxes.

The machine itself — states, transitions, who acts, the custody tags and the
plan's guards — is data in registry.services.lifecycle. The functions here are
the only way a letter changes: each takes the caller's Session, checks role,
plan and state, applies the change, appends exactly one custody event through
``services.custody.append_event`` in the same transaction, and commits. A
refused attempt on an existing letter is rolled back and then recorded as
``<tag>-refused`` in a transaction of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from registry.auth import (
    Action,
    Principal,
    Role,
    can_see_letter,
    check,
    ensure_can_see,
    letter_scope,
    parties_field,
)
from registry.config import current_setting
from registry.custody.event import Actor as CustodyActor
from registry.custody.event import decode_leaf
from registry.db import utcnow
from registry.models import (
    Agency,
    Deadline,
    Letter,
    RegistryNumber,
    RegistrySequence,
    User,
)
from registry.services import deadlines
from registry.services.countersign import countersign_dispatch
from registry.services.custody import append_event, letter_entries
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from registry.services.lifecycle import (
    HUBS,
    INCOMING_KINDS,
    TRANSITIONS,
    State,
    Transition,
    acting_party,
    guard,
    next_party,
    signature_problems,
)
from registry.services.pki import trust_store, unlock_signing_key
from routing.calendar import add_workdays
from routing.envelope import Envelope, EnvelopeError, parse_envelope
from routing.planner import Plan, plan
from signing.ca import OfficerIdentity
from signing.letter import Attachment, LetterError, Reference, build_letter, read_letter
from signing.sign import SigningError
from signing.sign import sign_letter as sign_xml
from signing.verify import verify_letter
from signing.xmlparse import XMLInputError, parse_xml

# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RoutePreview:
    """What the compose form shows before signing: the plan and the ¶ that decide it."""

    plan: dict[str, Any]
    explanations: list[str]


@dataclass(frozen=True)
class InboxItem:
    """One line of a person's inbox: a letter and what is due on it, most urgent first."""

    letter: Letter
    next_action: Transition | None
    due: date | None
    rule: str | None
    overdue: bool
    due_soon: bool
    deadline_id: int | None = None


@dataclass(frozen=True)
class LetterFilter:
    """Filters of the letter list (every field optional)."""

    state: State | None = None
    kind: str | None = None
    direction: Literal["outgoing", "incoming"] | None = None
    holder: str | None = None
    text: str | None = None  # in the registry number or subject
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class HistoryEntry:
    """One custody event of a letter, as the log holds it."""

    index: int
    time: str
    user: str
    role: str
    agency: str | None
    action: str
    state_before: str | None
    state_after: str | None
    letter_sha256: str | None


# ----------------------------------------------------------------------------- helpers


def _custody_actor(principal: Principal) -> CustodyActor:
    return CustodyActor(
        user=principal.username, role=principal.role.value, agency=principal.agency_code
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plan(envelope: Mapping[str, Any]) -> tuple[Envelope, Plan]:
    try:
        parsed = parse_envelope(envelope)
    except EnvelopeError as exc:
        raise Invalid(f"the envelope is not valid: {exc}", details=[str(exc)]) from None
    return parsed, plan(parsed)


def _refusal_text(route_plan: Plan) -> str:
    assert route_plan.refusal is not None
    return f"{route_plan.refusal.rule}: {route_plan.refusal.reason}"


def _involved(route_plan: dict[str, Any]) -> list[str]:
    parties = [*route_plan["route"], *route_plan["copies"]]
    for step in route_plan["steps"]:
        parties.extend([step["by"], *step["to"]])
    parties.extend(a["party"] for a in route_plan["after_send"])
    return parties


def _new_letter(
    principal: Principal,
    *,
    number: str,
    direction: str,
    envelope: dict[str, Any],
    parsed: Envelope,
    route_plan: Plan,
    subject: str,
    xml: bytes,
    state: State,
) -> Letter:
    plan_dict = route_plan.to_dict()
    letter = Letter(
        registry_number=number,
        direction=direction,
        kind=parsed.kind,
        agency_code=parsed.sender,
        sender=parsed.sender,
        recipient=parsed.recipient,
        subject=subject,
        letter_date=parsed.date,
        state=state.value,
        hop=0,
        holder=parsed.sender,
        parties=parties_field(_involved(plan_dict)),
        envelope=dict(envelope),
        plan=plan_dict,
        xml=xml,
        sha256=_sha256(xml),
        notice_required=any(a["rule"] == "¶44" for a in plan_dict["after_send"]),
        created_by_id=principal.id,
        # An empty list, not an unloaded collection: a plan without steps would
        # otherwise cost a lazy load (a second transaction) when the answer lists them.
        deadlines=[],
    )
    deadlines.instantiate(letter, plan_dict)
    return letter


def _next_number(session: Session, principal: Principal, agency_code: str) -> str:
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


def _signers(identities: Sequence[OfficerIdentity]) -> list[dict[str, Any]]:
    return [{"name": s.name, "agency": s.agency, "first_head": s.first_head} for s in identities]


def _report_reasons(report: dict[str, Any]) -> list[str]:
    reasons = [
        f"signature {i + 1}: {reason}"
        for i, signature in enumerate(report.get("signatures", []))
        for reason in signature.get("reasons", [])
    ]
    return reasons or [f"signature: {report['indication']} / {report['sub_indication']}"]


def _authorise(principal: Principal, name: Transition, letter: Letter) -> None:
    spec = TRANSITIONS[name]
    check(principal, spec.action)
    if State(letter.state) not in spec.sources:
        allowed_from = ", ".join(sorted(s.value for s in spec.sources if s is not None))
        raise Conflict(
            f"a {letter.state} letter cannot be {name.value.replace('_', ' ')}ed "
            f"(only a letter that is {allowed_from})"
        )
    if principal.agency_code != acting_party(name, letter):
        raise Forbidden(
            f"only {acting_party(name, letter)} may {name.value.replace('_', ' ')} this letter now"
        )
    reason = guard(name, letter)
    if reason is not None:
        raise Conflict(reason, code="refused_by_plan")


def _record_refusal(
    session: Session,
    principal: Principal,
    tag: str,
    registry_number: str | None,
    sha256: str | None,
    state: str | None,
) -> None:
    """Record a refused attempt in a transaction of its own (the attempt itself rolled back)."""
    append_event(
        session,
        actor=_custody_actor(principal),
        action=f"{tag}-refused",
        registry_number=registry_number,
        letter_sha256=sha256,
        state_before=state,
        state_after=state,
    )
    session.commit()


def _load(session: Session, registry_number: str) -> Letter | None:
    return session.scalar(
        select(Letter).where(Letter.registry_number == registry_number).with_for_update()
    )


def _transition(
    session: Session,
    principal: Principal,
    registry_number: str,
    name: Transition,
    apply: Callable[[Letter], State],
) -> Letter:
    """Run one transition: load and lock, authorise, apply, record, commit — or refuse."""
    spec = TRANSITIONS[name]
    letter = _load(session, registry_number)
    if letter is None:
        session.rollback()
        raise NotFound(f"no letter {registry_number}")
    before, sha = letter.state, letter.sha256
    try:
        if not can_see_letter(principal, letter):
            raise NotFound(f"no letter {registry_number}")
        _authorise(principal, name, letter)
        after = apply(letter)
        assert after in spec.targets, (name, after)
        letter.state = after.value
        append_event(
            session,
            actor=_custody_actor(principal),
            action=spec.tag,
            registry_number=letter.registry_number,
            letter_sha256=letter.sha256,
            state_before=before,
            state_after=after.value,
        )
        session.commit()
    except ServiceError:
        session.rollback()
        _record_refusal(session, principal, spec.tag, registry_number, sha, before)
        raise
    except BaseException:
        session.rollback()
        raise
    return letter


def _register(
    session: Session,
    principal: Principal,
    name: Transition,
    build: Callable[[], Letter],
    *,
    tag: str | None = None,
    refused_sha256: str | None = None,
) -> Letter:
    """Run a transition that creates the letter (state_before None) — or refuse it."""
    spec = TRANSITIONS[name]
    tag = tag or spec.tag
    try:
        check(principal, spec.action)
        if principal.agency_code is None:
            raise Forbidden("only people of an agency register letters")
        letter = build()
        session.add(letter)
        session.flush()
        append_event(
            session,
            actor=_custody_actor(principal),
            action=tag,
            registry_number=letter.registry_number,
            letter_sha256=letter.sha256,
            state_before=None,
            state_after=letter.state,
        )
        session.commit()
    except ServiceError:
        session.rollback()
        _record_refusal(session, principal, tag, None, refused_sha256, None)
        raise
    except IntegrityError as exc:
        session.rollback()
        _record_refusal(session, principal, tag, None, refused_sha256, None)
        raise Conflict("the registry number is already used", code="number_used") from exc
    except BaseException:
        session.rollback()
        raise
    return letter


# ----------------------------------------------------------------------------- queries


def preview_route(envelope: Mapping[str, Any]) -> RoutePreview:
    """Plan ``envelope`` without storing anything; Invalid (naming the field) on a bad envelope."""
    _parsed, route_plan = _plan(envelope)
    plan_dict = route_plan.to_dict()
    lines = [f"route: {' → '.join(plan_dict['route'])} ({plan_dict['channel']})"]
    if route_plan.refusal is not None:
        lines.append(f"refused by {_refusal_text(route_plan)}")
    for step in plan_dict["steps"]:
        when = (
            f"within {step['within_wd']} working days of {step['from']}"
            if "within_wd" in step
            else f"{step['before_send_wd']} working days before sending"
            if "before_send_wd" in step
            else "by the stated date"
        )
        due = f" (due {step['due']})" if "due" in step else ""
        lines.append(f"{step['rule']}: {step['by']} → {', '.join(step['to'])} {when}{due}")
    lines.extend(
        f"{a['rule']}: afterwards {a['party']} must be informed" for a in plan_dict["after_send"]
    )
    if plan_dict["copies"]:
        lines.append(f"copies for information: {', '.join(plan_dict['copies'])}")
    return RoutePreview(plan=plan_dict, explanations=lines)


def get_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The letter, or NotFound when missing or outside the person's scope (indistinguishable)."""
    letter = session.scalar(select(Letter).where(Letter.registry_number == registry_number))
    return ensure_can_see(principal, letter, registry_number)


def list_letters(session: Session, principal: Principal, flt: LetterFilter) -> list[Letter]:
    """Letters in the person's scope, newest first, filtered."""
    query = select(Letter).where(letter_scope(principal))
    if flt.state is not None:
        query = query.where(Letter.state == flt.state.value)
    if flt.kind is not None:
        query = query.where(Letter.kind == flt.kind)
    if flt.direction is not None:
        query = query.where(Letter.direction == flt.direction)
    if flt.holder is not None:
        query = query.where(Letter.holder == flt.holder)
    if flt.text:
        query = query.where(
            or_(
                Letter.registry_number.contains(flt.text, autoescape=True),
                Letter.subject.contains(flt.text, autoescape=True),
            )
        )
    limit = max(1, min(flt.limit, 1000))
    query = query.order_by(Letter.id.desc()).limit(limit).offset(max(0, flt.offset))
    return list(session.scalars(query))


def letter_history(
    session: Session, principal: Principal, registry_number: str
) -> list[HistoryEntry]:
    """The letter's custody events, in log order (refused attempts included)."""
    get_letter(session, principal, registry_number)
    entries = []
    for index, leaf in letter_entries(session, registry_number):
        event = decode_leaf(leaf)
        entries.append(
            HistoryEntry(
                index=index,
                time=event.time,
                user=event.actor.user,
                role=event.actor.role,
                agency=event.actor.agency,
                action=event.action,
                state_before=event.state_before,
                state_after=event.state_after,
                letter_sha256=event.letter_sha256,
            )
        )
    return entries


def available_transitions(principal: Principal, letter: Letter) -> list[Transition]:
    """The transitions this person may attempt on this letter now (the UI's buttons)."""
    possible = []
    for name, spec in TRANSITIONS.items():
        if None in spec.sources:
            continue
        try:
            _authorise(principal, name, letter)
        except ServiceError:
            continue
        possible.append(name)
    return possible


def inbox(
    session: Session,
    principal: Principal,
    today: date | None = None,
    *,
    due_soon_workdays: int | None = None,
    limit: int = 200,
    kind: str | None = None,
    state: State | None = None,
    urgency: Literal["overdue", "due_soon"] | None = None,
) -> list[InboxItem]:
    """What waits for this person, most urgent first: open deadlines and letters to act on.

    Overdue items first, then by due date (undated last; newest first among equals);
    ``due_soon`` flags items due within ``due_soon_workdays`` working days
    (``ARNA_DUE_SOON_WORKDAYS``). The database sorts and cuts at ``limit`` lines:
    ordering by the earliest open due date already puts every overdue item first.
    ``kind``, ``state`` and ``urgency`` narrow the query itself, before that cut, so
    no match is lost behind ``limit`` other lines.
    """
    today = today or deadlines.today_kz()
    if due_soon_workdays is None:
        due_soon_workdays = int(current_setting("ARNA_DUE_SOON_WORKDAYS"))
    party = principal.agency_code
    everyone = principal.role is Role.AUDITOR or party is None
    owed = select(Deadline.letter_id, func.min(Deadline.due).label("due")).where(
        Deadline.done_at.is_(None)
    )
    if not everyone:
        owed = owed.where(Deadline.by_party == party)
    owed_due = owed.group_by(Deadline.letter_id).subquery()
    waiting = owed_due.c.letter_id.is_not(None)
    if not everyone:
        waiting = or_(
            waiting,
            and_(Letter.holder == party, Letter.state.in_([State.SUBMITTED, State.RECEIVED])),
            and_(
                Letter.agency_code == party,
                Letter.state.in_([State.DRAFT, State.SIGNED, State.RETURNED, State.FORWARDED]),
            ),
            and_(
                Letter.agency_code == party,
                Letter.notice_required.is_(True),
                Letter.notice_filed_at.is_(None),
                Letter.state == State.SENT,
            ),
        )
    narrowed = []
    if kind is not None:
        narrowed.append(Letter.kind == kind)
    if state is not None:
        narrowed.append(Letter.state == state)
    if urgency == "overdue":  # as deadlines.urgency decides it, on the earliest open due date
        narrowed.append(owed_due.c.due < today)
    elif urgency == "due_soon":
        narrowed.append(owed_due.c.due.between(today, add_workdays(today, due_soon_workdays)))
    letters = session.scalars(
        select(Letter)
        .outerjoin(owed_due, owed_due.c.letter_id == Letter.id)
        .where(letter_scope(principal), waiting, Letter.state != State.CLOSED, *narrowed)
        .order_by(owed_due.c.due.is_(None), owed_due.c.due, Letter.id.desc())
        .limit(max(1, limit))
        .options(selectinload(Letter.deadlines))
    )
    items = []
    for letter in letters:
        open_steps = [
            d for d in letter.deadlines if d.done_at is None and (everyone or d.by_party == party)
        ]
        first = min(open_steps, key=lambda d: (d.due is None, d.due or date.max), default=None)
        due = first.due if first else None
        overdue, soon = deadlines.urgency(due, today, due_soon_workdays)
        actions = available_transitions(principal, letter)
        items.append(
            InboxItem(
                letter=letter,
                next_action=actions[0] if actions else None,
                due=due,
                rule=first.rule if first else None,
                overdue=overdue,
                due_soon=soon,
                deadline_id=first.id if first else None,
            )
        )
    return items


# ----------------------------------------------------------------------------- transitions


def reserve_number(session: Session, principal: Principal) -> str:
    """Reserve the next registry number of the person's agency, for a letter signed outside."""
    check(principal, Action.LETTER_UPLOAD)
    if principal.agency_code is None:
        raise Forbidden("only people of an agency reserve registry numbers")
    number = _next_number(session, principal, principal.agency_code)
    session.commit()
    return number


def _outgoing_plan(principal: Principal, envelope: Mapping[str, Any]) -> tuple[Envelope, Plan]:
    """The envelope parsed and planned; Invalid with every reason it cannot be sent."""
    parsed, route_plan = _plan(envelope)
    errors = []
    if parsed.sender != principal.agency_code:
        errors.append(f"sender: {parsed.sender} is not your agency ({principal.agency_code})")
    if parsed.kind in INCOMING_KINDS:
        errors.append(f"kind: a {parsed.kind} is registered as an incoming item")
    if not route_plan.allowed:
        errors.append(_refusal_text(route_plan))
    if errors:
        raise Invalid("the letter cannot be sent as asked", details=errors, code="refused")
    return parsed, route_plan


def compose_letter(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    references: Sequence[Reference] = (),
) -> Letter:
    """Draft a letter (state ``draft``): number assigned, XML built, route planned.

    Refused with every reason (Invalid) when the envelope is bad, the sender is not
    the person's agency, or the plan forbids the route (the refusal's ¶ cited).
    """

    def build() -> Letter:
        parsed, route_plan = _outgoing_plan(principal, envelope)
        number = _next_number(session, principal, parsed.sender)
        try:
            xml = build_letter(
                envelope,
                registry_number=number,
                subject=subject,
                body=body,
                attachments=attachments,
                references=references,
            )
        except LetterError as exc:
            raise Invalid("the letter is not valid", details=exc.errors) from None
        return _new_letter(
            principal,
            number=number,
            direction="outgoing",
            envelope=dict(envelope),
            parsed=parsed,
            route_plan=route_plan,
            subject=subject,
            xml=xml,
            state=State.DRAFT,
        )

    return _register(session, principal, Transition.COMPOSE, build)


def sign_letter(
    session: Session, principal: Principal, registry_number: str, *, passphrase: str
) -> Letter:
    """Sign a draft (or co-sign a signed letter) with the person's own key held by Arna."""

    def apply(letter: Letter) -> State:
        user = session.get(User, principal.id)
        assert user is not None
        unlocked = unlock_signing_key(user, passphrase)
        assert letter.xml is not None
        try:
            signed = sign_xml(letter.xml, unlocked.key, unlocked.certificate)
        except SigningError as exc:
            raise Invalid(f"the letter cannot be signed: {exc}") from None
        result = verify_letter(signed, trust_store(session), at=utcnow())
        if not result.passed:
            raise Invalid("the signature does not verify", details=_report_reasons(result.report))
        letter.xml = signed
        letter.sha256 = _sha256(signed)
        letter.verification = result.report
        letter.verified_at = utcnow()
        letter.signed_by = _signers(result.signers)
        return State.SIGNED

    return _transition(session, principal, registry_number, Transition.SIGN, apply)


def _uploaded(session: Session, principal: Principal, xml: bytes) -> Letter:
    """Check an uploaded signed letter completely; Invalid with every reason, else the Letter."""
    errors: list[str] = []
    verified_at = utcnow()
    store = trust_store(session)
    # Nothing is written yet: end the reads' transaction so that verification, the
    # costliest step, does not hold SQLite's write lock (BEGIN IMMEDIATE, registry/db.py).
    session.commit()
    try:
        result = verify_letter(xml, store, at=verified_at)
    except XMLInputError as exc:
        raise Invalid("the upload is not acceptable XML", details=[str(exc)]) from None
    if not result.passed:
        errors.extend(_report_reasons(result.report))
    try:
        # Read what the verifier proved signed, never the input tree, when it passed; when
        # it did not, the input is still read, so that every other reason is reported too.
        content = read_letter(
            result.signed_root if result.signed_root is not None else parse_xml(xml)
        )
    except LetterError as exc:
        raise Invalid("the letter was refused", details=[*exc.errors, *errors]) from None
    parsed: Envelope | None = None
    route_plan: Plan | None = None
    try:
        parsed, route_plan = _outgoing_plan(principal, content.envelope)
    except Invalid as exc:
        errors.extend(exc.details or [exc.message])
    number = content.registry_number
    reserved = session.execute(
        select(RegistryNumber.agency_code, Letter.id)
        .outerjoin(Letter, Letter.registry_number == RegistryNumber.number)
        .where(RegistryNumber.number == number)
    ).first()
    if reserved is None or reserved.agency_code != principal.agency_code:
        errors.append(f"registry_number: {number} was not reserved by your agency in Arna")
    elif reserved.id is not None:
        errors.append(f"registry_number: {number} is already used by another letter")
    signers = _signers(result.signers)
    if result.passed and parsed is not None and route_plan is not None:
        errors.extend(signature_problems(route_plan.to_dict(), parsed.sender, signers))
    if errors or parsed is None or route_plan is None:
        raise Invalid("the letter was refused", details=errors, code="letter_refused")
    letter = _new_letter(
        principal,
        number=number,
        direction="outgoing",
        envelope=content.envelope,
        parsed=parsed,
        route_plan=route_plan,
        subject=content.subject,
        xml=xml,
        state=State.SIGNED,
    )
    letter.verification = result.report
    letter.verified_at = verified_at
    letter.signed_by = signers
    return letter


def upload_letter(
    session: Session, principal: Principal, xml: bytes, *, submit: bool = False
) -> Letter:
    """Register a letter signed with the agency's own tools; ``submit`` also submits it.

    Schema check, signature verification (the report kept), routing; the bytes are
    stored untouched. Anything invalid: Invalid with all reasons, nothing stored.
    With ``submit`` the one custody event is ``letter:submitted`` (from no state).
    """

    def build() -> Letter:
        letter = _uploaded(session, principal, xml)
        if submit:
            letter.state = _submit(letter, principal).value
        return letter

    tag = TRANSITIONS[Transition.SUBMIT].tag if submit else None
    return _register(
        session, principal, Transition.UPLOAD, build, tag=tag, refused_sha256=_sha256(xml)
    )


def _submit(letter: Letter, principal: Principal) -> State:
    """Move a signed letter off its agency as its plan says (¶37, ¶40, ¶42, ¶44)."""
    route = letter.plan["route"]
    first = route[1]
    if letter.plan["channel"] == "diplomatic" and letter.sender == "MFA":
        # MFA's own letter (¶14-8 reply): its registry already holds it for dispatch.
        letter.holder, letter.hop = "MFA", 0
        return State.RECEIVED
    if first in HUBS:
        letter.holder, letter.hop = first, 1
        deadlines.meet(letter, letter.sender, [first], principal.id)
        return State.SUBMITTED
    # A direct channel (WTO, a recorded legal basis, the five-day exception, ¶50).
    letter.holder, letter.hop = route[-1], len(route) - 1
    deadlines.meet(letter, letter.sender, [route[-1]], principal.id)
    deadlines.start_clocks(
        letter, {d.by_party for d in letter.deadlines}, "send", deadlines.today_kz()
    )
    return State.SENT


def submit_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Submit a signed letter: to the first hub of its route, or send it directly."""
    return _transition(
        session,
        principal,
        registry_number,
        Transition.SUBMIT,
        lambda letter: _submit(letter, principal),
    )


def register_incoming(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str = "",
    document: Attachment | None = None,
) -> Letter:
    """Register a court's request (¶36) or a special procedure's communication (¶14-5).

    The envelope's ``date`` is the day of receipt; the item is kept as an Arna
    record (unsigned: it came from outside) with the received document attached.
    """

    def build() -> Letter:
        parsed, route_plan = _plan(envelope)
        errors = []
        if parsed.kind not in INCOMING_KINDS:
            errors.append(
                f"kind: {parsed.kind} is not an incoming item ({', '.join(sorted(INCOMING_KINDS))})"
            )
        if parsed.sender != principal.agency_code:
            errors.append(
                f"sender: the receiving body must be your agency ({principal.agency_code})"
            )
        if not route_plan.allowed:
            errors.append(_refusal_text(route_plan))
        if errors:
            raise Invalid("the item cannot be registered", details=errors, code="refused")
        number = _next_number(session, principal, parsed.sender)
        try:
            xml = build_letter(
                envelope,
                registry_number=number,
                subject=subject,
                body=body or subject,
                attachments=[document] if document is not None else [],
            )
        except LetterError as exc:
            raise Invalid("the item is not valid", details=exc.errors) from None
        return _new_letter(
            principal,
            number=number,
            direction="incoming",
            envelope=dict(envelope),
            parsed=parsed,
            route_plan=route_plan,
            subject=subject,
            xml=xml,
            state=State.RECEIVED,
        )

    return _register(session, principal, Transition.REGISTER_INCOMING, build)


def receive_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """The hub holding the next hop takes the letter in (its receipt deadlines start)."""

    def apply(letter: Letter) -> State:
        deadlines.start_clocks(letter, [letter.holder], "receipt", deadlines.today_kz())
        return State.RECEIVED

    return _transition(session, principal, registry_number, Transition.RECEIVE, apply)


def forward_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Pass the letter on: MOJ → MFA (¶40), or an incoming item to its addressees (¶36, ¶14-5)."""

    def apply(letter: Letter) -> State:
        if letter.direction == "incoming":
            targets = [*letter.plan["route"][1:], *letter.plan["copies"]]
            deadlines.meet(letter, letter.holder, targets, principal.id)
            deadlines.start_clocks(letter, targets, "receipt", deadlines.today_kz())
            return State.FORWARDED
        nxt = next_party(letter)
        assert nxt is not None
        deadlines.meet(letter, letter.holder, [nxt], principal.id)
        letter.holder, letter.hop = nxt, letter.hop + 1
        return State.SUBMITTED

    return _transition(session, principal, registry_number, Transition.FORWARD, apply)


def dispatch_letter(
    session: Session,
    principal: Principal,
    registry_number: str,
    *,
    note_number: str,
    note_date: date,
    passphrase: str,
) -> Letter:
    """MFA dispatches through diplomatic channels; the clerk's key countersigns the record."""

    def apply(letter: Letter) -> State:
        errors = []
        note_number_clean = note_number.strip()
        if not note_number_clean or len(note_number_clean) > 64:
            errors.append("note_number: the diplomatic note's number (1 to 64 characters)")
        if note_date > deadlines.today_kz():
            errors.append("note_date: a note cannot be dated in the future")
        if note_date < letter.letter_date:
            errors.append("note_date: before the letter's own date")
        if errors:
            raise Invalid("the dispatch cannot be recorded", details=errors)
        user = session.get(User, principal.id)
        assert user is not None
        unlocked = unlock_signing_key(user, passphrase)
        letter.note_number = note_number_clean
        letter.note_date = note_date
        letter.dispatch_record = countersign_dispatch(
            letter, unlocked, principal, note_number_clean, note_date
        )
        route = letter.plan["route"]
        deadlines.meet(letter, "MFA", [route[-1]], principal.id)
        deadlines.start_clocks(letter, {d.by_party for d in letter.deadlines}, "send", note_date)
        letter.holder, letter.hop = route[-1], len(route) - 1
        return State.DISPATCHED

    return _transition(session, principal, registry_number, Transition.DISPATCH, apply)


def return_letter(
    session: Session, principal: Principal, registry_number: str, *, reasons: Sequence[str]
) -> Letter:
    """A hub returns the letter to its sender with (at least one) reason."""

    def apply(letter: Letter) -> State:
        given = [r.strip() for r in reasons if r.strip()]
        if not given:
            raise Invalid("reasons: say why the letter is returned", code="reasons_required")
        letter.return_reasons = given
        letter.holder, letter.hop = letter.sender, 0
        return State.RETURNED

    return _transition(session, principal, registry_number, Transition.RETURN, apply)


def file_notice(
    session: Session, principal: Principal, registry_number: str, *, text: str
) -> Letter:
    """File the ¶44 notice to MFA of a five-day urgent direct send."""

    def apply(letter: Letter) -> State:
        if not text.strip():
            raise Invalid("text: what MFA is told of the letter and its content (¶44)")
        letter.notice_text = text.strip()
        letter.notice_filed_at = utcnow()
        return State.SENT

    return _transition(session, principal, registry_number, Transition.FILE_NOTICE, apply)


def close_letter(session: Session, principal: Principal, registry_number: str) -> Letter:
    """Close a letter that needs nothing more."""
    return _transition(
        session, principal, registry_number, Transition.CLOSE, lambda _letter: State.CLOSED
    )


DEADLINE_MET = "letter:deadline-met"


def complete_deadline(session: Session, principal: Principal, deadline_id: int) -> None:
    """Mark a deadline the person's party owes as met.

    Not a transition (the letter's state stays), but an action on the letter, so it
    is recorded in the custody log like one — and so is a refused attempt.
    """
    check(principal, Action.DEADLINE_COMPLETE)
    deadline = session.get(Deadline, deadline_id)
    if deadline is None or not can_see_letter(principal, deadline.letter):
        raise NotFound(f"no deadline {deadline_id}")
    letter = deadline.letter
    number, sha, state = letter.registry_number, letter.sha256, letter.state
    if deadline.by_party != principal.agency_code:
        owed_by = deadline.by_party
        session.rollback()
        _record_refusal(session, principal, DEADLINE_MET, number, sha, state)
        raise Forbidden(f"the deadline is owed by {owed_by}")
    if deadline.done_at is None:
        deadline.done_at = utcnow()
        deadline.done_by_id = principal.id
        append_event(
            session,
            actor=_custody_actor(principal),
            action=DEADLINE_MET,
            registry_number=number,
            letter_sha256=sha,
            state_before=state,
            state_after=state,
        )
    session.commit()
