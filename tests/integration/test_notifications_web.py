"""Deadline e-mail settings on the web (own account, the admin's users page) and the
menu's count of due items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import User
from registry.permissions import Principal
from registry.services import accounts
from registry.services.deadlines import today_kz
from registry.services.errors import Invalid

from .conftest import PASSWORD
from .factories import a_court_request
from .web_fixtures import Browser, browser  # noqa: F401


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    session.refresh(user)
    return user


def test_a_person_sets_their_address_language_and_opts_out(
    browser: Callable[[str], Browser],  # noqa: F811
    db_session: Session,
) -> None:
    officer = browser("officer.minhealth")
    page = officer.get("/account/").get_data(as_text=True)
    assert "Deadline e-mails" in page
    form = {"email": "aigerim@arna.test", "notify": "y", "language": "ru", "current": PASSWORD}
    assert officer.post("/account/contact", data=form).status_code == 302
    user = _user(db_session, "officer.minhealth")
    assert (user.email, user.notify_deadlines, user.language) == ("aigerim@arna.test", True, "ru")

    # Unticked: no more e-mails; the address stays.
    form = {"email": "aigerim@arna.test", "language": "kk", "current": PASSWORD}
    officer.post("/account/contact", data=form)
    user = _user(db_session, "officer.minhealth")
    assert (user.notify_deadlines, user.language) == (False, "kk")

    # Without the current password, or with no address-like text, nothing changes.
    officer.post("/account/contact", data={**form, "email": "x@y.kz", "current": "wrong"})
    officer.post("/account/contact", data={**form, "email": "not an address"})
    assert _user(db_session, "officer.minhealth").email == "aigerim@arna.test"


def test_the_admin_sets_and_removes_an_address(
    browser: Callable[[str], Browser],  # noqa: F811
    db_session: Session,
) -> None:
    admin = browser("admin")
    clerk = _user(db_session, "clerk.mfa")
    response = admin.post(f"/admin/users/{clerk.id}/email", data={"email": "mfa@arna.test"})
    assert response.status_code == 302
    assert _user(db_session, "clerk.mfa").email == "mfa@arna.test"
    assert 'value="mfa@arna.test"' in admin.get("/admin/users").get_data(as_text=True)
    page = admin.post(
        f"/admin/users/{clerk.id}/email", data={"email": "nope"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "not an e-mail address" in page
    admin.post(f"/admin/users/{clerk.id}/email", data={"email": ""})
    assert _user(db_session, "clerk.mfa").email is None
    # Only the admin sets others' addresses.
    officer = browser("officer.minhealth")
    assert (
        officer.post(f"/admin/users/{clerk.id}/email", data={"email": "x@y.kz"}).status_code == 403
    )


def test_the_menu_counts_the_letters_due_soon_or_overdue(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
) -> None:
    court = browser("officer.court")
    assert "due soon or overdue" not in court.get("/inbox").get_data(as_text=True)
    # Received two weeks ago: the ¶36 forward (3 working days) is overdue.
    a_court_request(service_session, principal("officer.court"), "ICJ", today_kz() - timedelta(14))
    page = court.get("/account/").get_data(as_text=True)
    assert "letters due soon or overdue: 1" in page
    a_court_request(service_session, principal("officer.court"), "ITLOS", today_kz())
    assert "letters due soon or overdue: 1" in court.get("/inbox").get_data(as_text=True)
    a_court_request(service_session, principal("officer.court"), "ECHR", today_kz() - timedelta(7))
    assert "letters due soon or overdue: 2" in court.get("/inbox").get_data(as_text=True)


def test_the_auditor_owes_nothing_and_sees_no_count(
    browser: Callable[[str], Browser],  # noqa: F811
) -> None:
    page = browser("auditor").get("/inbox").get_data(as_text=True)
    assert "Inbox</a>" in page


@pytest.mark.parametrize(
    "address", ["a,b@arna.test", "x@y.kz, z@evil.test", "Name <x@y.kz>", "x@y", "x y@z.kz"]
)
def test_only_one_plain_address_is_taken(address: str, db_session: Session) -> None:
    user = _user(db_session, "clerk.mfa")
    with pytest.raises(Invalid):
        accounts.set_contact(db_session, user.id, email=address)
    accounts.set_contact(db_session, user.id, email="yerlan.tokayev@mfa.gov.kz")
    assert _user(db_session, "clerk.mfa").email == "yerlan.tokayev@mfa.gov.kz"
