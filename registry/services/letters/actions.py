"""How every action on a letter runs: authorise, apply, record one custody event — or refuse.

Nothing here commits. A refused attempt raises a ServiceError carrying its
``Refusal``; the caller's unit of work (registry.services.unit_of_work) rolls the
attempt back and records ``<tag>-refused`` in a transaction of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from custody.event import Actor as CustodyActor
from registry.models import Letter
from registry.permissions import Principal, Role, can_see_letter, check
from registry.services.custody import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Forbidden, NotFound, Refusal, ServiceError
from registry.services.letters.numbers import number_taken
from registry.services.lifecycle import (
    TRANSITIONS,
    WORDING,
    State,
    Transition,
    acting_party,
    guard,
)

log = logging.getLogger(__name__)


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
    if name is Transition.SIGN and _signed_already(principal, letter):
        raise Conflict("you have signed this letter already", code="already_signed")


def _signed_already(principal: Principal, letter: Letter) -> bool:
    """True when the letter carries this person's signature (or, for a first head, their
    agency's first head's): a second one adds nothing and would travel on to MFA."""
    for signer in letter.signed_by or []:
        if not isinstance(signer, dict) or signer.get("agency") != principal.agency_code:
            continue
        if signer.get("name") == principal.full_name:
            return True
        if principal.role is Role.FIRST_HEAD and signer.get("first_head"):
            return True
    return False


def refusal(
    principal: Principal,
    tag: Tag,
    registry_number: str | None,
    sha256: str | None,
    state: str | None,
) -> Refusal:
    """The refused attempt to record once the attempt itself is rolled back."""
    return Refusal(custody_actor(principal), tag, registry_number, sha256, state)


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
    """Run one transition: load and lock, authorise, apply, record — or refuse.

    Flushes, never commits: a refusal leaves the ServiceError carrying what to
    record once the caller's unit of work has rolled the attempt back.
    """
    spec = TRANSITIONS[name]
    letter = load_for_update(session, registry_number)
    if letter is None or not can_see_letter(principal, letter):
        # Missing and out of scope answer alike, after the same work, and nothing is
        # written into a letter the caller cannot see (issue 11, L6): the probe is
        # logged against the caller instead.
        log.info(
            "%s (%s) asked to %s %s: no such letter in their scope",
            principal.username,
            principal.role.value,
            name.value,
            registry_number,
        )
        raise NotFound(f"no letter {registry_number}")
    before, sha = letter.state, letter.sha256
    try:
        authorise(principal, name, letter)
        after = apply(letter)
    except ServiceError as exc:
        if exc.record_refusal:
            exc.refusing(refusal(principal, spec.tag, registry_number, sha, before))
        raise
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
    refused = refusal(principal, tag, None, refused_sha256, None)
    try:
        check(principal, spec.action)
        if principal.agency_code is None:
            raise Forbidden("only people of an agency register letters")
        letter = build()
        session.add(letter)
        session.flush()
    except ServiceError as exc:
        exc.refusing(refused)
        raise
    except IntegrityError as exc:
        if not number_taken(exc):
            raise
        taken = Conflict("the registry number is already used", code="number_used")
        raise taken.refusing(refused) from exc
    append_event(
        session,
        actor=custody_actor(principal),
        action=tag,
        registry_number=letter.registry_number,
        letter_sha256=letter.sha256,
        state_before=None,
        state_after=letter.state,
    )
    return letter


def run_recorded(
    session: Session,
    principal: Principal,
    tag: Tag,
    registry_number: str,
    change: Callable[[Letter], None],
) -> None:
    """An action on a letter that is not a transition (its state stays): lock the letter,
    apply ``change``, record ``tag`` — or refuse, the error carrying ``tag.refused``.

    Flushes, never commits (the caller's unit of work ends it), like run_transition.
    """
    letter = load_for_update(session, registry_number)
    if letter is None or not can_see_letter(principal, letter):
        raise NotFound(f"no letter {registry_number}")
    number, sha, state = letter.registry_number, letter.sha256, letter.state
    try:
        change(letter)
    except ServiceError as exc:
        if exc.record_refusal:
            exc.refusing(refusal(principal, tag, number, sha, state))
        raise
    append_event(
        session,
        actor=custody_actor(principal),
        action=tag,
        registry_number=number,
        letter_sha256=sha,
        state_before=state,
        state_after=state,
    )
