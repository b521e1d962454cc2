"""The chain of a special procedure's communication (Chapter 2-1, ¶14-5–¶14-9).

    MFA receives a communication (or recommendation)
      → ¶14-5: within 5 wd, to the competent bodies, and to the Ombudsman for information
      → ¶14-8: MFA's reply before the deadline stated in the communication (seeded here)
      → ¶14-9: within 10 wd of the reply, the report to PA (the Ombudsman for information)
      → ¶14-8 part 2: the communication and the reply are each published on MFA's site
        within 10 wd after OHCHR publishes it («… жарияланғаннан кейін он жұмыс күні ішінде»)

``communication_duties(communication, events)`` gives the dated duties;
routing.duties says what is late. The chain exists from 25.01.2022 (Chapter 2-1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from routing import parties as p
from routing.calendar import add_workdays, latest_workday_on_or_before
from routing.duties import N_, Duty
from routing.history import in_force

MFA_SITE = "MFA_WEBSITE"
"""Not a party: where ¶14-8 part 2's publication goes (the ``to`` of the publication duties)."""

#: What ¶14-8 part 2 has MFA publish, and within how many working days of OHCHR.
PUBLISHED = ("communication", "reply")
PUBLICATION_WORKDAYS = 10
_PUBLISH = {
    "communication": N_(
        "publish the communication on MFA's site within 10 wd of OHCHR's publication"
    ),
    "reply": N_("publish the reply on MFA's site within 10 wd of OHCHR's publication"),
}


class CommunicationError(ValueError):
    """A communication or its events that cannot be (names what is wrong)."""


@dataclass(frozen=True, slots=True)
class Communication:
    """A special procedure's communication as MFA received it."""

    received: date
    competent: tuple[str, ...]
    #: The deadline stated in the communication (¶14-8); the reply is due before it.
    reply_deadline: date | None = None

    def __post_init__(self) -> None:
        if not self.competent:
            raise CommunicationError("competent: at least one competent state body")
        for body in self.competent:
            if not p.is_state_body(body) or body == p.MFA:
                raise CommunicationError(f"competent: {body!r} is not a state body other than MFA")
        if not in_force("¶14-5", self.received):
            raise CommunicationError(
                f"received: {self.received.isoformat()} precedes Chapter 2-1 (25.01.2022)"
            )


@dataclass(frozen=True, slots=True)
class CommunicationEvents:
    """What has happened, each a date (absent: not yet)."""

    #: Competent body or OMBUDSMAN -> the day MFA sent the communication on.
    forwarded: Mapping[str, date] = field(default_factory=dict)
    reply_sent: date | None = None
    reported: date | None = None  # ¶14-9 report to PA
    ombudsman_reported: date | None = None
    #: OHCHR's and MFA's publication of the communication and of the reply.
    communication_published_ohchr: date | None = None
    communication_published_mfa: date | None = None
    reply_published_ohchr: date | None = None
    reply_published_mfa: date | None = None


def _after(start: date | None, workdays: int) -> date | None:
    return None if start is None else add_workdays(start, workdays)


def communication_duties(
    communication: Communication, events: CommunicationEvents | None = None
) -> tuple[Duty, ...]:
    """Every duty of the chain, dated where the communication and events make it known."""
    events = events or CommunicationEvents()
    addressees = (*sorted(communication.competent), p.OMBUDSMAN)
    unknown = sorted(set(events.forwarded) - set(addressees))
    if unknown:
        raise CommunicationError(f"forwarded: {unknown[0]} is not an addressee")
    forward_due = add_workdays(communication.received, 5)
    deadline = communication.reply_deadline
    duties = [
        Duty(
            key=f"forward:{body}",
            by=p.MFA,
            to=(body,),
            rule="¶14-5",
            what=(
                N_("send the communication on for information")
                if body == p.OMBUDSMAN
                else N_("send the communication on")
            ),
            due=forward_due,
            done=events.forwarded.get(body),
        )
        for body in addressees
    ]
    duties.append(
        Duty(
            key="reply",
            by=p.MFA,
            to=(p.SPECIAL_PROCEDURE,),
            rule="¶14-8",
            what=N_("reply before the deadline stated in the communication"),
            due=None if deadline is None else latest_workday_on_or_before(deadline),
            done=events.reply_sent,
        )
    )
    for key, to, done in (
        ("report", p.PA, events.reported),
        ("report:ombudsman", p.OMBUDSMAN, events.ombudsman_reported),
    ):
        duties.append(
            Duty(
                key=key,
                by=p.MFA,
                to=(to,),
                rule="¶14-9",
                what=(
                    N_("report the outcome for information")
                    if to == p.OMBUDSMAN
                    else N_("report the outcome")
                ),
                due=_after(events.reply_sent, 10),
                done=done,
            )
        )
    duties += [
        publication_duty("communication", events.communication_published_ohchr),
        publication_duty("reply", events.reply_published_ohchr),
    ]
    published = {
        "publish:communication": events.communication_published_mfa,
        "publish:reply": events.reply_published_mfa,
    }
    return tuple(replace(d, done=published[d.key]) if d.key in published else d for d in duties)


def publication_duty(what: str, ohchr_published: date | None) -> Duty:
    """¶14-8 part 2: MFA publishes the ``what`` ("communication" or "reply") on its site
    within 10 wd after OHCHR publishes it (undated until OHCHR has)."""
    if what not in PUBLISHED:
        raise CommunicationError(f"what: {what!r} is not one of {', '.join(PUBLISHED)}")
    return Duty(
        key=f"publish:{what}",
        by=p.MFA,
        to=(MFA_SITE,),
        rule="¶14-8",
        what=_PUBLISH[what],
        due=_after(ohchr_published, PUBLICATION_WORKDAYS),
    )
