"""Court case files (Chapter 5): the request, the ¶36 forwards and answers, the ¶37 reply to
MOJ for the EAEU Court, MOJ's 5 wd (¶40 part 3), MFA's dispatch by the court's deadline.

Hand-counted from the Kazakh text and the 2026 calendar: a request received on Thursday
5 March 2026 is forwarded «үш жұмыс күні ішінде» (¶36): Friday 6 March (1); 8 March falls
on a Sunday, so Monday 9 March is a day off; Tuesday 10 (2), Wednesday 11 March (3) —
due 2026-03-11. Events recorded today count from today (routing.calendar).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.services import case_files, letters
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.unit_of_work import act
from routing.calendar import add_workdays
from routing.duties import DutyState

from .conftest import SIGNING_PASSPHRASE, csrf_token
from .factories import a_court_request, a_signed_letter
from .web_fixtures import api_token  # noqa: F401
from .workflow_steps import (
    CLERK,
    COURT,
    MOJ,
    OFFICER,
    Who,
    actions,
    refusals,
)

RECEIVED = date(2026, 3, 5)
FORWARD_DUE = date(2026, 3, 11)
COURT_DEADLINE = date(2027, 2, 1)


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def test_an_eaeu_court_case_from_request_to_dispatch(s: Session, principal: Who) -> None:
    court, moj, clerk = principal(COURT), principal(MOJ), principal(CLERK)
    request = a_court_request(s, court, "Request of the EAEU Court", received=RECEIVED)
    number = request.registry_number
    case = act(
        case_files.open_case, s, court, number, court="EAEU_COURT", court_deadline=COURT_DEADLINE
    )
    assert actions(s, number)[-1] == ("letter:case-opened", "received", "received")
    view = case_files.view_case(s, court, case.id)
    duties = {d.key: d for d in view.duties}
    assert {d.due for k, d in duties.items() if k.startswith("forward:")} == {FORWARD_DUE}
    assert sorted(k for k in duties if k.startswith("answer:")) == [
        "answer:AGENCY:MINHEALTH",
        "answer:MFA",
        "answer:MOJ",
        "answer:MTI",
    ]
    assert duties["answer:MFA"].due is None  # counts from MFA's own receipt of the forward
    assert duties["reply"].to == ("MOJ",)  # ¶37 part 2: to MOJ for the EAEU Court
    assert (duties["dispatch"].rule, duties["dispatch"].due) == ("court's deadline", COURT_DEADLINE)
    assert {d.key for d in view.late} == {k for k in duties if k.startswith("forward:")}

    # ¶36: forwarded today, each addressee's 10 wd start; MOJ answers at once.
    act(letters.forward_letter, s, court, number)
    (moj_answer,) = [d for d in request.deadlines if d.by_party == "MOJ"]
    act(letters.complete_deadline, s, moj, moj_answer.id)
    today = today_kz()
    duties = {d.key: d for d in case_files.view_case(s, court, case.id).duties}
    assert duties["forward:MFA"].state(today) is DutyState.DONE_LATE
    assert duties["answer:MFA"].due == add_workdays(today, 10)
    assert duties["answer:MOJ"].state(today) is DutyState.DONE

    # The consolidated reply joins the case and goes SUPREME_COURT → MOJ → MFA → the Court.
    reply = a_signed_letter(s, court, kind="court-reply", recipient="EAEU_COURT")
    joined = act(case_files.join_case, s, court, case.id, reply)
    assert actions(s, reply)[-1] == ("letter:case-joined", "signed", "signed")
    (mfa_step,) = [d for d in joined.deadlines if d.rule == "court's deadline"]
    assert (mfa_step.by_party, mfa_step.due) == ("MFA", COURT_DEADLINE)
    act(letters.submit_letter, s, court, reply)
    act(letters.receive_letter, s, moj, reply)
    act(letters.forward_letter, s, moj, reply)
    act(letters.receive_letter, s, clerk, reply)
    act(
        letters.dispatch_letter,
        s,
        clerk,
        reply,
        note_number="EAEU-7",
        note_date=today,
        passphrase=SIGNING_PASSPHRASE,
    )
    view = case_files.view_case(s, principal(OFFICER), case.id)  # an addressee sees the case
    duties = {d.key: d for d in view.duties}
    assert duties["reply"].done == today
    assert (duties["moj-hand-over"].due, duties["moj-hand-over"].done) == (
        add_workdays(today, 5),
        today,
    )
    assert duties["dispatch"].state(today) is DutyState.DONE
    assert view.late == []
    assert [r.registry_number for r in view.replies] == [reply]


def test_case_refusals_are_named_and_logged(s: Session, principal: Who) -> None:
    court, officer = principal(COURT), principal(OFFICER)
    number = a_court_request(s, court, "Request", received=RECEIVED).registry_number
    with pytest.raises(Forbidden):  # an addressee, not the body that received it
        act(case_files.open_case, s, officer, number, court="INTL_COURT")
    with pytest.raises(Invalid, match="court"):
        act(case_files.open_case, s, court, number, court="SUPREME_COURT")
    case = act(case_files.open_case, s, court, number, court="INTL_COURT")
    with pytest.raises(Conflict, match="already open"):
        act(case_files.open_case, s, court, number, court="INTL_COURT")
    wrong = a_signed_letter(s, court, kind="court-reply", recipient="EAEU_COURT")
    with pytest.raises(Invalid) as bad:
        act(case_files.join_case, s, court, case.id, wrong)
    assert bad.value.details == ["recipient: the case's court is INTL_COURT, not EAEU_COURT"]
    assert refusals(s).count("letter:case-opened-refused") == 3
    assert refusals(s).count("letter:case-joined-refused") == 1


def test_the_case_in_the_api_and_the_pages(
    app: Flask,
    client: FlaskClient,
    login: Callable[[str], FlaskClient],
    db_session: Session,
    principal: Who,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    with app.app_context():
        number = a_court_request(db_session, principal(COURT), "Request", RECEIVED).registry_number
    api = app.test_client()
    path = f"/api/v1/letters/{number}/case"
    bad = api.post(path, headers=api_token(COURT), json={"court": "X", "court_deadline": "soon"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"] == [
        "court: one of EAEU_COURT, INTL_COURT",
        "court_deadline: an ISO date YYYY-MM-DD or null",
    ]
    made = api.post(path, headers=api_token(COURT), json={"court": "INTL_COURT"})
    assert made.status_code == 201, made.get_json()
    case = made.get_json()
    assert case["request"] == number
    forward = next(d for d in case["duties"] if d["key"] == "forward:MFA")
    assert (forward["due"], forward["state"]) == ("2026-03-11", "late")
    assert forward["what"] == "send the request for consideration"  # the API stays English
    assert "forward:MFA" in case["late"]
    seen = api.get(f"/api/v1/cases/{case['id']}", headers=api_token(OFFICER))
    assert seen.status_code == 200
    assert (
        api.get(f"/api/v1/cases/{case['id']}", headers=api_token("officer.minecon")).status_code
        == 404
    )

    login(COURT)
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "11 нау. 2026" in page  # the day as a Kazakh page reads it
    # The Rules' duty in Kazakh (routing's wordings are message ids), not in English.
    assert "сұрауды қарау үшін жіберу" in page
    assert "send the request for consideration" not in page
    assert number in page
    letter_page = client.get(f"/letters/{number}").get_data(as_text=True)
    assert f"/cases/{case['id']}" in letter_page
    join = f"/cases/{case['id']}/letters"
    assert client.post(join, data={"registry_number": "X"}).status_code == 400  # no CSRF token
    posted = client.post(
        join,
        data={"registry_number": "X", "csrf_token": csrf_token(client, f"/cases/{case['id']}")},
    )
    assert posted.status_code == 302
    # The refusal in the reader's language (Kazakh by default): "There is no letter X …"
    assert "Сізге көрінетін X хаты жоқ." in client.get(f"/cases/{case['id']}").get_data(
        as_text=True
    )
