"""Court case files (Chapter 5) and special-procedure chains (Chapter 2-1): duties and lateness."""

from __future__ import annotations

from datetime import date

import pytest

from routing.court_case import COURT_DEADLINE, CaseError, CaseEvents, CourtCase, case_duties
from routing.duties import DutyState, late, outstanding
from routing.special_procedure import (
    MFA_SITE,
    Communication,
    CommunicationError,
    CommunicationEvents,
    communication_duties,
)

A = "AGENCY:MINHEALTH"
B = "AGENCY:MINECOLOGY"
C = "AGENCY:MINFIN"
THU = date(2026, 3, 19)  # Nauryz 21-25 Mar is off


def by_key(duties: tuple) -> dict:
    return {d.key: d for d in duties}


def test_case_forwards_each_addressee_and_counts_its_answer_from_its_own_receipt() -> None:
    """¶36 «үш жұмыс күнінен кешіктірілмейтін» and «он жұмыс күні ішінде», several bodies."""
    case = CourtCase("INTL_COURT", A, THU, interested=(B, C))
    events = CaseEvents(forwarded={"MFA": THU, "MOJ": date(2026, 3, 27)})
    duties = by_key(case_duties(case, events))
    assert sorted(k for k in duties if k.startswith("forward:")) == [
        f"forward:{x}" for x in sorted(["MFA", "MOJ", "MTI", B, C])
    ]
    assert duties["forward:MTI"].due == date(2026, 3, 27)  # 20, 26, 27 Mar
    assert duties["answer:MFA"].due == date(2026, 4, 7)  # 10 wd from 19 Mar
    assert duties["answer:MOJ"].due == date(2026, 4, 10)  # 10 wd from 27 Mar
    assert duties["answer:MTI"].due is None  # not forwarded yet: open, never late
    assert duties["answer:MTI"].state(date(2027, 1, 1)) is DutyState.OPEN


def test_case_shows_what_is_late() -> None:
    case = CourtCase("INTL_COURT", A, THU, court_deadline=date(2026, 5, 15))
    events = CaseEvents(
        forwarded={"MFA": THU, "MOJ": THU, "MTI": date(2026, 3, 30)},
        answered={"MFA": date(2026, 4, 1)},
    )
    duties = case_duties(case, events)
    today = date(2026, 4, 9)
    late_keys = {d.key for d in late(duties, today)}
    assert late_keys == {"answer:MOJ"}  # MTI's forward was done late, MOJ's answer is late
    assert by_key(duties)["forward:MTI"].state(today) is DutyState.DONE_LATE
    assert outstanding(duties, today)[0].key == "answer:MOJ"
    dispatch = by_key(duties)["dispatch"]
    assert (dispatch.rule, dispatch.due) == (COURT_DEADLINE, date(2026, 5, 15))
    assert by_key(duties)["reply"].to == ("MFA",)


def test_eaeu_case_goes_to_moj_then_mfa_in_5_wd() -> None:
    """¶37 part 2 «Әділет министрлігіне жіберіледі» and ¶40 part 3 «5 (бес) жұмыс күні ішінде»."""
    case = CourtCase("EAEU_COURT", "MFA", THU)
    duties = by_key(case_duties(case, CaseEvents(reply_submitted=date(2026, 4, 1))))
    assert duties["reply"].to == ("MOJ",)  # MFA's own reply too
    assert duties["moj-hand-over"].due == date(2026, 4, 8)
    assert duties["dispatch"].due is None  # no court deadline, none in the Rules


def test_judicial_practice_case_has_two_copies_and_no_moj_leg() -> None:
    """¶38 «сұрау салудың және тиісті жауаптың көшірмелерін … хабардар ету мақсатында»."""
    case = CourtCase("EAEU_COURT", "SUPREME_COURT", THU, interested=(A,), judicial_practice=True)
    duties = by_key(case_duties(case, CaseEvents(request_copied=THU)))
    assert duties["copy:request"].to == ("AGENCY:MINHEALTH", "MFA", "MOJ", "MTI")
    assert duties["copy:request"].state(THU) is DutyState.DONE
    assert duties["copy:reply"].due is None
    assert "moj-hand-over" not in duties
    assert not any(k.startswith("answer:") for k in duties)


def test_case_before_chapter_5_owes_nothing() -> None:
    assert case_duties(CourtCase("INTL_COURT", A, date(2014, 6, 2))) == ()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: CourtCase("INTL_ORG", A, THU), "court"),
        (lambda: CourtCase("INTL_COURT", "NCE", THU), "receiver"),
        (lambda: CourtCase("INTL_COURT", A, THU, judicial_practice=True), "judicial_practice"),
        (
            lambda: case_duties(CourtCase("INTL_COURT", A, THU), CaseEvents(forwarded={"PA": THU})),
            "forwarded",
        ),
        (
            lambda: case_duties(
                CourtCase("INTL_COURT", A, THU), CaseEvents(dispatched=date(2026, 1, 1))
            ),
            "events",
        ),
    ],
)
def test_case_errors_name_what_is_wrong(make, field: str) -> None:
    with pytest.raises(CaseError, match=f"^{field}"):
        make()


def test_special_procedure_chain_seeds_the_reply_and_tracks_publication() -> None:
    """¶14-5 5 wd, ¶14-8 reply before the stated deadline and publication «жарияланғаннан кейін
    он жұмыс күні ішінде», ¶14-9 report 10 wd after the reply."""
    communication = Communication(THU, (A, B), reply_deadline=date(2026, 5, 9))
    events = CommunicationEvents(
        forwarded={A: THU},
        reply_sent=date(2026, 5, 4),
        communication_published_ohchr=date(2026, 6, 1),
    )
    duties = by_key(communication_duties(communication, events))
    assert duties["forward:OMBUDSMAN"].due == date(2026, 3, 31)
    assert duties["reply"].due == date(2026, 5, 8)  # Sat 9 May (Victory Day) moves back
    assert duties["reply"].state(date(2026, 5, 20)) is DutyState.DONE
    assert duties["report"].due == date(2026, 5, 20)
    publish = duties["publish:communication"]
    assert (publish.to, publish.due, publish.rule) == ((MFA_SITE,), date(2026, 6, 15), "¶14-8")
    assert duties["publish:reply"].state(date(2030, 1, 1)) is DutyState.OPEN
    assert {d.key for d in late(duties.values(), date(2026, 6, 16))} == {
        "forward:AGENCY:MINECOLOGY",
        "forward:OMBUDSMAN",
        "report",
        "report:ombudsman",
        "publish:communication",
    }


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Communication(THU, ()), "competent"),
        (lambda: Communication(THU, ("MFA",)), "competent"),
        (lambda: Communication(date(2021, 6, 1), (A,)), "received"),
        (
            lambda: communication_duties(
                Communication(THU, (A,)), CommunicationEvents(forwarded={B: THU})
            ),
            "forwarded",
        ),
    ],
)
def test_communication_errors_name_what_is_wrong(make, field: str) -> None:
    with pytest.raises(CommunicationError, match=f"^{field}"):
        make()
