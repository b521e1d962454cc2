"""Central state bodies' reporting to MFA (Chapter 6: ¶46, ¶48–49, ¶50).

- ¶46(2): once a year, «20 желтоқсаннан кешіктірмей» (no later than 20 December),
  the past period's international activity and next year's planned events.
- ¶46(3): on MFA's request, the report on an event the body held, «іс-шара
  аяқталған күннен бастап жеті жұмыс күнінен кешіктірмей» (no later than 7 wd from
  the day it ended). Reading for a late request: the 7 wd run from the event's end
  as the text says; a request that arrives after that day gets 7 wd from the
  request instead, since a duty cannot be late before it exists.
- ¶48: before leaving for an event abroad, the head of the delegation consults
  MFA in writing, «кеткенге дейін» (before departure): read as by the last working
  day before the departure day.
- ¶49: the host of a meeting with foreign visitors informs the next host
  «дереу» (immediately; orally when the next meeting is the same day, in writing
  otherwise); where MFA was absent, participants and agreements go to MFA
  «кездесуден … кейін бес жұмыс күні ішінде» (within 5 wd after the meeting).
  Read as every such meeting (part 2 is a sentence of its own), sent by the host.
- ¶50: Chapter 6 does not bind PA and GO; ¶46 does not apply to the subjects it
  lists (by subject, not by body); ¶48-49 do not apply to special state bodies.
  An exempt duty is returned as an ``Exemption`` with its reason, never dropped.

Chapter 6 entered the Rules on 14.01.2016 (Decree No. 175): a duty whose trigger
(the event's end, the departure, the meeting, 20 December) came earlier keeps no
date and says why (routing.history).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from routing import parties as p
from routing.calendar import DEFAULT_SHIFT, DayOffShift, add_workdays, on_workday
from routing.duties import N_, Duty, DutyState
from routing.history import as_of

EVENT_REPORT_WD: Final = 7  # ¶46(3)
MEETING_REPORT_WD: Final = 5  # ¶49


class ReportingError(ValueError):
    """Input that cannot be (names what is wrong)."""


class Subject(StrEnum):
    """What an international activity is about; all but GENERAL are ¶50 part 2's exemptions."""

    GENERAL = "general"
    CRIMINAL_PROCEEDINGS = "criminal-proceedings"  # «қылмыстық сот ісін жүргізу»
    INTELLIGENCE = "intelligence"  # «қарсы барлау және барлау қызметі»
    OPERATIONAL_SEARCH = "operational-search"  # «жедел-іздестіру, тергеу сипатындағы ақпарат»
    LAW_ENFORCEMENT_TRAINING = "law-enforcement-training"  # «…оқыту және кадрлық қамтамасыз ету»
    LAW_ENFORCEMENT_OPERATIONS = "law-enforcement-operations"  # «…жедел-қызметтік жұмысын»
    PROTECTED_PERSONS = "protected-persons"  # «қорғалатын адамдар мен объектілердің қауіпсіздігі»
    INVESTMENT = "investment"  # «инвестициялық саясаты мен ынтымақтастығы»
    TRADE_IN_ORGANISATIONS = "trade-in-organisations"  # «…оның ішінде ЕАЭО пен ДСҰ шеңберінде»


@dataclass(frozen=True, slots=True)
class Exemption:
    """A duty the Rules do not impose here, and why (¶50)."""

    key: str
    by: str
    rule: str
    reason: str


def _exemption(key: str, body: str, rule: str, subject: Subject, special: bool) -> Exemption | None:
    if body in p.CHAPTER_6_EXEMPT:
        return Exemption(key, body, "¶50 part 1", "Chapter 6 does not apply to PA and GO")
    if not p.is_central_state_body(body):
        raise ReportingError(f"body: {body!r} is not a central state body (¶46, ¶48-49)")
    if rule == "¶46" and subject is not Subject.GENERAL:
        return Exemption(key, body, "¶50 part 2", f"¶46 does not apply to the subject {subject}")
    if rule in ("¶48", "¶49") and special:
        return Exemption(key, body, "¶50 part 3", f"{rule} does not apply to special state bodies")
    return None


def annual_report(body: str, year: int, shift: DayOffShift = DEFAULT_SHIFT) -> Duty | Exemption:
    """¶46(2): the year's report, due 20 December (moved off a day off by ``shift``).

    Subjects exempt under ¶50 part 2 are left out of its content, not the report itself.
    """
    key = f"annual:{year}"
    return _exemption(key, body, "¶46", Subject.GENERAL, False) or as_of(
        Duty(
            key=key,
            by=body,
            to=(p.MFA,),
            rule="¶46(2)",
            what=N_("report the year's international activity and next year's planned events"),
            due=on_workday(date(year, 12, 20), shift),
        ),
        date(year, 12, 20),
    )


def event_report(
    body: str,
    event_ended: date,
    requested: date,
    subject: Subject = Subject.GENERAL,
    done: date | None = None,
) -> Duty | Exemption:
    """¶46(3): the report on an event the body held, on MFA's request."""
    key = f"event-report:{event_ended.isoformat()}"
    exempt = _exemption(key, body, "¶46", subject, False)
    if exempt:
        return exempt
    due = add_workdays(event_ended, EVENT_REPORT_WD)
    if requested > due:
        due = add_workdays(requested, EVENT_REPORT_WD)
    duty = Duty(
        key=key,
        by=body,
        to=(p.MFA,),
        rule="¶46(3)",
        what=N_("report on the event held (participants, issues, agreements, position)"),
        due=due,
        done=done,
    )
    return as_of(duty, event_ended)


def consultation(
    body: str, departure: date, special: bool = False, done: date | None = None
) -> Duty | Exemption:
    """¶48: the written consultation with MFA before the delegation leaves."""
    key = f"consultation:{departure.isoformat()}"
    return _exemption(key, body, "¶48", Subject.GENERAL, special) or as_of(
        Duty(
            key=key,
            by=body,
            to=(p.MFA,),
            rule="¶48",
            what=N_("consult MFA in writing before departure"),
            due=add_workdays(departure, -1),
            done=done,
        ),
        departure,
    )


def meeting_report(
    host: str,
    meeting_day: date,
    mfa_present: bool,
    special: bool = False,
    done: date | None = None,
) -> Duty | Exemption | None:
    """¶49 part 2: participants and agreements to MFA within 5 wd, where MFA was absent."""
    if mfa_present:
        return None
    key = f"meeting-report:{meeting_day.isoformat()}"
    return _exemption(key, host, "¶49", Subject.GENERAL, special) or as_of(
        Duty(
            key=key,
            by=host,
            to=(p.MFA,),
            rule="¶49",
            what=N_("send MFA the participants and agreements of a meeting it did not attend"),
            due=add_workdays(meeting_day, MEETING_REPORT_WD),
            done=done,
        ),
        meeting_day,
    )


@dataclass(frozen=True, slots=True)
class AgencyStanding:
    """What MFA sees for one agency on a day."""

    due: int  # open, not yet late
    late: int
    received: int  # done, on time or late
    received_late: int


def mfa_overview(duties: Iterable[Duty], today: date) -> dict[str, AgencyStanding]:
    """Per reporting body (``Duty.by``): what is due, late and received on ``today``."""
    counts: dict[str, Counter[DutyState]] = {}
    for duty in duties:
        counts.setdefault(duty.by, Counter())[duty.state(today)] += 1
    return {
        body: AgencyStanding(
            due=c[DutyState.DUE] + c[DutyState.OPEN],
            late=c[DutyState.LATE],
            received=c[DutyState.DONE] + c[DutyState.DONE_LATE],
            received_late=c[DutyState.DONE_LATE],
        )
        for body, c in sorted(counts.items())
    }
