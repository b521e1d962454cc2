"""¶14-8 part 2 as a tracked step: MFA records OHCHR's publication, publishes within 10 wd.

«… жарияланғаннан кейін он жұмыс күні ішінде»: within ten working days after OHCHR
published the communication (or MFA's reply). Dates counted by hand on the 2026
calendar: OHCHR publishes on Friday 13 March 2026; Nauryz (21–23 March) falls on
Saturday, Sunday and Monday, so its weekend days move to Tuesday 24 and Wednesday
25 March. The ten working days are 16–20 March (5), 26, 27, 30, 31 March (9) and
1 April (10): due 2026-04-01.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.models import Letter
from registry.services import letters
from registry.services.deadlines import today_kz
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.unit_of_work import act

from .conftest import SIGNING_PASSPHRASE, csrf_token
from .factories import envelope
from .web_fixtures import api_token, browser  # noqa: F401
from .workflow_steps import AUDITOR, CLERK, OFFICER, Who, actions, refusals

RECEIVED = date(2026, 3, 2)
OHCHR_PUBLISHED = date(2026, 3, 13)
MFA_DUE = date(2026, 4, 1)


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def communication(s: Session, principal: Who) -> Letter:
    """MFA registers a special procedure's communication received on 2 March 2026 (¶14-5)."""
    clerk = principal(CLERK)
    return act(
        letters.register_incoming,
        s,
        clerk,
        envelope=envelope(
            clerk,
            kind="special-procedure-forward",
            recipient="AGENCY:MINECON",
            date=RECEIVED.isoformat(),
        ),
        subject="Communication of a special rapporteur",
    )


def test_ohchr_publication_starts_mfas_ten_day_step(s: Session, principal: Who) -> None:
    clerk = principal(CLERK)
    number = communication(s, principal).registry_number
    act(letters.forward_letter, s, clerk, number)  # ¶14-5 done: the inbox shows the next step
    step = act(letters.record_ohchr_publication, s, clerk, number, published_on=OHCHR_PUBLISHED)
    assert (step.rule, step.by_party, step.to_parties) == ("¶14-8", "MFA", ["MFA_WEBSITE"])
    assert (step.counted_from, step.due, step.done_at) == (OHCHR_PUBLISHED, MFA_DUE, None)
    assert actions(s, number)[-1] == ("letter:publication-recorded", "forwarded", "forwarded")

    # In MFA's inbox, overdue (1 April 2026 has passed), until MFA marks it published.
    (item,) = [i for i in letters.inbox(s, clerk) if i.deadline_id == step.id]
    assert (item.due, item.rule, item.overdue) == (MFA_DUE, "¶14-8", today_kz() > MFA_DUE)
    act(letters.complete_deadline, s, clerk, step.id)
    assert step.done_at is not None
    assert actions(s, number)[-1] == ("letter:deadline-met", "forwarded", "forwarded")
    assert step.id not in [i.deadline_id for i in letters.inbox(s, clerk)]


def test_the_reply_has_its_own_publication_step(s: Session, principal: Who) -> None:
    clerk = principal(CLERK)
    reply = act(
        letters.compose_letter,
        s,
        clerk,
        envelope=envelope(
            clerk,
            kind="special-procedure-reply",
            recipient="SPECIAL_PROCEDURE",
            date=RECEIVED.isoformat(),
            reply_deadline=(RECEIVED + timedelta(days=60)).isoformat(),
            communication_language="en",
            signed_by_first_head=True,
        ),
        subject="Reply",
        body="Reply to the communication.",
    )
    step = act(
        letters.record_ohchr_publication,
        s,
        clerk,
        reply.registry_number,
        published_on=OHCHR_PUBLISHED,
    )
    assert (step.rule, step.due) == ("¶14-8", MFA_DUE)


def test_refusals_are_named_and_logged(s: Session, principal: Who) -> None:
    clerk, officer = principal(CLERK), principal(OFFICER)
    number = communication(s, principal).registry_number
    with pytest.raises(Forbidden):  # an agency officer has no such action
        act(letters.record_ohchr_publication, s, officer, number, published_on=OHCHR_PUBLISHED)
    with pytest.raises(Forbidden):  # the auditor reads only
        act(
            letters.record_ohchr_publication,
            s,
            principal(AUDITOR),
            number,
            published_on=OHCHR_PUBLISHED,
        )
    with pytest.raises(Invalid) as bad:
        act(
            letters.record_ohchr_publication,
            s,
            clerk,
            number,
            published_on=today_kz() + timedelta(days=1),
        )
    assert bad.value.details == ["published_on: OHCHR's publication cannot be in the future"]
    with pytest.raises(Invalid) as bad:
        act(letters.record_ohchr_publication, s, clerk, number, published_on=date(2026, 3, 1))
    assert bad.value.details == ["published_on: before the letter's own date"]
    assert letters.get_letter(s, clerk, number).deadlines[-1].rule == "¶14-5"  # nothing stored
    act(letters.record_ohchr_publication, s, clerk, number, published_on=OHCHR_PUBLISHED)
    with pytest.raises(Conflict, match="already recorded"):
        act(letters.record_ohchr_publication, s, clerk, number, published_on=OHCHR_PUBLISHED)
    assert refusals(s).count("letter:publication-recorded-refused") == 3


def test_a_letter_without_a_publication_duty_is_refused(s: Session, principal: Who) -> None:
    clerk = principal(CLERK)
    item = act(
        letters.register_incoming,
        s,
        principal("officer.court"),
        envelope={
            "kind": "court-request-forward",
            "sender": "SUPREME_COURT",
            "recipient": "AGENCY:MINHEALTH",
            "date": RECEIVED.isoformat(),
        },
        subject="A court's request",
    )
    with pytest.raises(Invalid, match="no publication step"):
        act(
            letters.record_ohchr_publication,
            s,
            clerk,
            item.registry_number,
            published_on=OHCHR_PUBLISHED,
        )


def test_api_records_the_publication(
    app: Flask,
    db_session: Session,
    principal: Who,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    with app.app_context():  # its own: each request below must authenticate afresh
        number = communication(db_session, principal).registry_number
    client = app.test_client()
    path = f"/api/v1/letters/{number}/ohchr-publication"
    officer = client.post(path, headers=api_token(OFFICER), json={"published_on": "2026-03-13"})
    assert officer.status_code == 403
    bad = client.post(path, headers=api_token(CLERK), json={"published_on": "13.03.2026"})
    assert (bad.status_code, bad.get_json()["error"]["message"]) == (
        422,
        "published_on: an ISO date YYYY-MM-DD is required",
    )
    done = client.post(path, headers=api_token(CLERK), json={"published_on": "2026-03-13"})
    assert done.status_code == 201, done.get_json()
    (step,) = [d for d in done.get_json()["deadlines"] if d["basis"] == "publication"]
    assert (step["counted_from"], step["due"], step["to"]) == (
        "2026-03-13",
        "2026-04-01",
        ["MFA_WEBSITE"],
    )


def test_letter_page_form_needs_csrf(
    app: Flask,
    client: FlaskClient,
    login: Callable[[str], FlaskClient],
    db_session: Session,
    principal: Who,
) -> None:
    with app.app_context():
        number = communication(db_session, principal).registry_number
    s = db_session
    login(CLERK)
    page = f"/letters/{number}"
    assert "ohchr-publication" in client.get(page).get_data(as_text=True)
    path = f"{page}/ohchr-publication"
    assert client.post(path, data={"published_on": "2026-03-13"}).status_code == 400
    assert letters.publication_step(letters.get_letter(s, principal(CLERK), number)) is None
    posted = client.post(
        path, data={"published_on": "2026-03-13", "csrf_token": csrf_token(client, page)}
    )
    assert posted.status_code == 302
    s.expire_all()
    step = letters.publication_step(letters.get_letter(s, principal(CLERK), number))
    assert step is not None
    assert step.due == MFA_DUE
    assert "ohchr-publication" not in client.get(page).get_data(as_text=True)


def test_an_invitations_source_is_chosen_on_the_form_and_shown(browser) -> None:  # noqa: F811
    """¶14-10: MFA's invitation to visit records whose proposal it answers."""
    clerk = browser(CLERK)
    form = {
        "kind": "foreign-letter",
        "recipient": "SPECIAL_PROCEDURE",
        "date": today_kz().isoformat(),
        "subject": "Invitation to visit Kazakhstan",
        "body": "The Government invites the Special Rapporteur to visit.",
        "language": "en",
        "legal_basis_kind": "",
        "invitation_source": "",
    }
    missing = clerk.post("/compose", data={**form, "step": "preview"}).get_data(as_text=True)
    assert "invitation_source" in missing
    form["invitation_source"] = "mfa-initiative"
    signed = clerk.post("/compose", data={**form, "step": "sign", "passphrase": SIGNING_PASSPHRASE})
    assert signed.status_code == 302, signed.get_data(as_text=True)
    page = clerk.get(signed.headers["Location"]).get_data(as_text=True)
    assert "MFA's initiative, agreed with the competent bodies (¶14-10 2)" in page
