"""How every action on a letter runs: authorise, apply, record one custody event — or refuse.

A refused attempt on an existing letter is rolled back and then recorded as
``<tag>-refused`` in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from custody.event import Actor as CustodyActor
from registry.models import Letter
from registry.permissions import Principal, can_see_letter, check
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Forbidden, NotFound, ServiceError
from registry.services.letters.numbers import number_taken
from registry.services.lifecycle import (
    TRANSITIONS,
    WORDING,
    State,
    Transition,
    acting_party,
    guard,
)


def custody_actor(principal: Principal) -> CustodyActor:
    return CustodyActor(
        user=principal.username, role=principal.role.value, agency=principal.agency_code
    )


def authorise(principal: Principal, name: Transition, letter: Letter) -> None:
    spec = TRANSITIONS[name]
    check(principal, spec.action)
    verb, done = WORDING[name]
    if State(letter.state) not in spec.sources:
        allowed_from = ", ".join(sorted(s.value for s in spec.sources if s is not None))
        raise Conflict(
            f"a {letter.state} letter cannot be {done} (only a letter that is {allowed_from})"
        )
    if principal.agency_code != acting_party(name, letter):
        raise Forbidden(f"only {acting_party(name, letter)} may {verb} this letter now")
    reason = guard(name, letter)
    if reason is not None:
        raise Conflict(reason, code="refused_by_plan")


def record_refusal(
    session: Session,
    principal: Principal,
    tag: Tag,
    registry_number: str | None,
    sha256: str | None,
    state: str | None,
) -> None:
    """Record a refused attempt in a transaction of its own (the attempt itself rolled back)."""
    append_event(
        session,
        actor=custody_actor(principal),
        action=tag.refused,
        registry_number=registry_number,
        letter_sha256=sha256,
        state_before=state,
        state_after=state,
    )
    session.commit()


def load_for_update(session: Session, registry_number: str) -> Letter | None:
    return session.scalar(
        select(Letter).where(Letter.registry_number == registry_number).with_for_update()
    )


def run_transition(
    session: Session,
    principal: Principal,
    registry_number: str,
    name: Transition,
    apply: Callable[[Letter], State],
) -> Letter:
    """Run one transition: load and lock, authorise, apply, record, commit — or refuse."""
    spec = TRANSITIONS[name]
    letter = load_for_update(session, registry_number)
    if letter is None:
        session.rollback()
        raise NotFound(f"no letter {registry_number}")
    before, sha = letter.state, letter.sha256
    try:
        if not can_see_letter(principal, letter):
            raise NotFound(f"no letter {registry_number}")
        authorise(principal, name, letter)
        after = apply(letter)
        assert after in spec.targets, (name, after)
        letter.state = after.value
        append_event(
            session,
            actor=custody_actor(principal),
            action=spec.tag,
            registry_number=letter.registry_number,
            letter_sha256=letter.sha256,
            state_before=before,
            state_after=after.value,
        )
        session.commit()
    except ServiceError:
        session.rollback()
        record_refusal(session, principal, spec.tag, registry_number, sha, before)
        raise
    except BaseException:
        session.rollback()
        raise
    return letter


def run_registration(
    session: Session,
    principal: Principal,
    name: Transition,
    build: Callable[[], Letter],
    *,
    tag: Tag | None = None,
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
            actor=custody_actor(principal),
            action=tag,
            registry_number=letter.registry_number,
            letter_sha256=letter.sha256,
            state_before=None,
            state_after=letter.state,
        )
        session.commit()
    except ServiceError:
        session.rollback()
        record_refusal(session, principal, tag, None, refused_sha256, None)
        raise
    except IntegrityError as exc:
        session.rollback()
        if not number_taken(exc):
            raise
        record_refusal(session, principal, tag, None, refused_sha256, None)
        raise Conflict("the registry number is already used", code="number_used") from exc
    except BaseException:
        session.rollback()
        raise
    return letter


def run_recorded(
    session: Session,
    principal: Principal,
    tag: Tag,
    registry_number: str,
    change: Callable[[Letter], None],
) -> None:
    """An action on a letter that is not a transition (its state stays): lock the letter,
    apply ``change``, record ``tag`` and commit — or roll back and record ``tag.refused``."""
    letter = load_for_update(session, registry_number)
    if letter is None or not can_see_letter(principal, letter):
        session.rollback()
        raise NotFound(f"no letter {registry_number}")
    number, sha, state = letter.registry_number, letter.sha256, letter.state
    try:
        change(letter)
        append_event(
            session,
            actor=custody_actor(principal),
            action=tag,
            registry_number=number,
            letter_sha256=sha,
            state_before=state,
            state_after=state,
        )
        session.commit()
    except ServiceError:
        session.rollback()
        record_refusal(session, principal, tag, number, sha, state)
        raise
    except BaseException:
        session.rollback()
        raise
