"""¶14-8 part 2: MFA publishes a special procedure's communication and its reply on its site
within 10 working days after OHCHR publishes them («… жарияланғаннан кейін он жұмыс күні ішінде»).

MFA records the day OHCHR published the item; that starts a tracked step on the
letter (a ``Deadline`` owed by MFA to ``MFA_WEBSITE``, in the inbox like any
other), which MFA marks met once its site carries the item (``complete_deadline``).
The communication's step sits on the registered ¶14-5 item, the reply's on MFA's
¶14-8 reply. The date comes from routing's chain (``publication_duty``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from registry.models import Deadline, Letter
from registry.permissions import Action, Principal, allowed, check
from registry.services import deadlines
from registry.services.custody.tags import Tag
from registry.services.deadlines import Basis
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.letters.actions import run_recorded
from registry.services.letters.records import keep_parties
from routing import parties
from routing.kinds import SPECIAL_PROCEDURE_FORWARD, SPECIAL_PROCEDURE_REPLY
from routing.special_procedure import PUBLICATION_WORKDAYS, publication_duty

#: The letter that carries each publication step: the communication, MFA's reply.
PUBLISHED_BY_KIND = {SPECIAL_PROCEDURE_FORWARD: "communication", SPECIAL_PROCEDURE_REPLY: "reply"}

RECORDED = Tag.LETTER_PUBLICATION_RECORDED


def publication_step(letter: Letter) -> Deadline | None:
    """The letter's ¶14-8 publication step, once OHCHR's publication is recorded."""
    return next((d for d in letter.deadlines if d.basis == Basis.PUBLICATION), None)


def awaits_publication(principal: Principal, letter: Letter) -> bool:
    """Whether ``principal`` may record OHCHR's publication of this letter now."""
    return (
        letter.kind in PUBLISHED_BY_KIND
        and principal.agency_code == parties.MFA
        and publication_step(letter) is None
        and allowed(principal.role, Action.PUBLICATION_RECORD)
    )


def _add_step(letter: Letter, principal: Principal, published_on: date) -> Deadline:
    if principal.agency_code != parties.MFA:
        raise Forbidden("only MFA records OHCHR's publication (¶14-8)")
    what = PUBLISHED_BY_KIND.get(letter.kind)
    if what is None:
        raise Invalid(
            f"kind: a {letter.kind} letter has no publication step (¶14-8 part 2 covers "
            "a special procedure's communication and MFA's reply)",
            code="no_publication_step",
        )
    if publication_step(letter) is not None:
        raise Conflict(f"OHCHR's publication of this {what} is already recorded")
    errors = []
    if published_on > deadlines.today_kz():
        errors.append("published_on: OHCHR's publication cannot be in the future")
    if published_on < letter.letter_date:
        errors.append("published_on: before the letter's own date")
    if errors:
        raise Invalid("OHCHR's publication cannot be recorded", details=errors)
    duty = publication_duty(what, published_on)
    step = Deadline(
        position=max((d.position for d in letter.deadlines), default=-1) + 1,
        rule=duty.rule,
        by_party=duty.by,
        to_parties=list(duty.to),
        basis=Basis.PUBLICATION,
        workdays=PUBLICATION_WORKDAYS,
        due=duty.due,
        counted_from=published_on,
    )
    letter.deadlines.append(step)
    keep_parties(letter)
    return step


def record_ohchr_publication(
    session: Session, principal: Principal, registry_number: str, *, published_on: date
) -> Deadline:
    """Record the day OHCHR published the letter's communication or reply: MFA's
    10-wd publication step starts (custody: ``letter:publication-recorded``)."""
    check(principal, Action.PUBLICATION_RECORD)
    added: list[Deadline] = []
    run_recorded(
        session,
        principal,
        RECORDED,
        registry_number,
        lambda letter: added.append(_add_step(letter, principal, published_on)),
    )
    return added[0]
