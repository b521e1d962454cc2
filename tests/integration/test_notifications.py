"""Deadline e-mails through a real SMTP server (aiosmtpd on 127.0.0.1).

A court's request registered on Friday 20 March 2026 owes its ¶36 forward by the
Supreme Court three working days later; an agreement reached whose event ended
that day owes MINHEALTH's ¶31 proposals two working days later. Each gives one
"due soon" e-mail and, after its date, one "overdue" e-mail to the people of the
party that owes it — never twice, never to someone who opted out or to another
party.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.mail import Mailer
from registry.models import Deadline, NotificationSent, User
from registry.permissions import Principal
from registry.services import accounts, rule_files
from registry.services.notifications import RunReport, send_due
from registry.services.unit_of_work import act, unit_of_work

from .factories import a_court_request

D = date.fromisoformat
REFUSED = "refused@arna.test"


class Inbox:
    """An aiosmtpd handler keeping every message it accepts; it refuses ``REFUSED``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _plain(text: str) -> str:
    """``text`` with every run of spaces (CLDR dates use no-break ones) as one space."""
    return " ".join(text.split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def run(
    app: Flask, service_session: Session, smtp: tuple[Inbox, int]
) -> Callable[[date], RunReport]:
    """One run of the job on ``today``, as ``flask notify deadlines`` runs it."""
    config = {
        **app.config,
        "ARNA_SMTP_HOST": "127.0.0.1",
        "ARNA_SMTP_PORT": smtp[1],
        "ARNA_SMTP_STARTTLS": 0,
        "ARNA_SMTP_FROM": "registry@arna.test",
    }

    def once(today: date) -> RunReport:
        with Mailer(config) as mailer, unit_of_work(service_session):
            return send_due(service_session, today, 2, mailer)

    return once


def _contact(session: Session, username: str, email: str, **settings: Any) -> int:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    act(accounts.set_contact, session, user.id, email=email, **settings)
    return user.id


def test_a_due_soon_and_an_overdue_letter_deadline_each_mail_the_right_people_once(
    service_session: Session,
    principal: Callable[[str], Principal],
    smtp: tuple[Inbox, int],
    run: Callable[[date], RunReport],
) -> None:
    inbox, _port = smtp
    _contact(service_session, "officer.court", "court@arna.test")
    second = act(
        accounts.create_user,
        service_session,
        username="officer2.court",
        full_name="Asel Nurova",
        role="agency_officer",
        password="a-long-password-2026",
        agency_code="SUPREME_COURT",
    )
    act(accounts.set_contact, service_session, second.id, email="asel@arna.test", language="ru")
    _contact(service_session, "clerk.mfa", "mfa@arna.test", language="en")  # owes no dated step
    optout = act(
        accounts.create_user,
        service_session,
        username="officer3.court",
        full_name="Opted Out",
        role="agency_officer",
        password="a-long-password-2026",
        agency_code="SUPREME_COURT",
    )
    act(accounts.set_contact, service_session, optout.id, email="quiet@arna.test", notify=False)

    letter = a_court_request(service_session, principal("officer.court"), "ICJ", D("2026-03-20"))
    forward = service_session.scalar(
        select(Deadline).where(
            Deadline.letter_id == letter.id, Deadline.by_party == "SUPREME_COURT"
        )
    )
    assert forward is not None
    # ¶36 «үш жұмыс күні ішінде» from Friday 20 March: 26, 27, 30 March (23-25 are Nauryz).
    assert forward.due == D("2026-03-30")

    # Too early: 26 March is three working days before.
    assert run(D("2026-03-25")).sent == 0
    assert inbox.messages == []

    report = run(D("2026-03-26"))  # two working days before: due soon
    assert (report.sent, report.failed) == (2, 0)
    (kazakh,) = inbox.to("court@arna.test")
    (russian,) = inbox.to("asel@arna.test")
    assert kazakh["From"] == "registry@arna.test"
    # Kazakh by default, Russian for the one who chose it; the letter, the ¶ and the date.
    number = letter.registry_number
    assert _plain(kazakh["Subject"]) == f"Мерзімі 2026 ж. 30 наурыз: {number} (¶36)"
    assert _plain(russian["Subject"]) == f"Срок 30 марта 2026 г.: {number} (¶36)"
    assert f"https://arna.test/letters/{number}" in kazakh.get_content()
    assert inbox.to("quiet@arna.test") == []  # opted out
    assert inbox.to("mfa@arna.test") == []  # another party

    assert run(D("2026-03-27")).sent == 0  # a second run sends nothing
    assert run(D("2026-03-30")).sent == 0  # the due day is still "due soon"
    assert len(inbox.messages) == 2

    report = run(D("2026-03-31"))  # the day after: overdue
    assert report.sent == 2
    assert _plain(inbox.to("court@arna.test")[1]["Subject"]).startswith(
        "Мерзімі өтті (2026 ж. 30 наурыз)"
    )
    assert len(inbox.to("asel@arna.test")) == 2
    assert run(D("2026-04-01")).sent == 0
    assert len(inbox.messages) == 4

    kinds = service_session.scalars(
        select(NotificationSent.kind).where(NotificationSent.item == f"deadline:{forward.id}")
    ).all()
    assert sorted(kinds) == ["due_soon", "due_soon", "overdue", "overdue"]


def test_rule_file_duties_are_mailed_and_a_refused_address_is_tried_again(
    service_session: Session,
    principal: Callable[[str], Principal],
    smtp: tuple[Inbox, int],
    run: Callable[[date], RunReport],
) -> None:
    inbox, _port = smtp
    _contact(service_session, "officer.minhealth", "aigerim@arna.test", language="en")
    _contact(service_session, "head.minhealth", REFUSED)
    file = act(
        rule_files.open_file,
        service_session,
        principal("clerk.mfa"),
        "agreement",
        "Joint statement of the state visit",
        {
            "source": "joint-statement",
            "event_ended": "2026-03-20",
            "interested": ["AGENCY:MINHEALTH"],
        },
    )
    # ¶31 proposals due 27 March; on 26 March they are due soon.
    report = run(D("2026-03-26"))
    assert (report.sent, report.failed) == (1, 1)
    (mail,) = inbox.to("aigerim@arna.test")
    assert mail["Subject"] == f"Due on March 27, 2026: {file.number} (¶31)"
    assert f"https://arna.test/files/{file.number}" in mail.get_content()

    # The refused address was not marked sent: once fixed, the next run tells that person.
    head = _contact(service_session, "head.minhealth", "nurlan@arna.test")
    report = run(D("2026-03-26"))
    assert (report.sent, report.already_sent, report.failed) == (1, 1, 0)
    assert len(inbox.to("nurlan@arna.test")) == 1
    claimed = service_session.scalars(
        select(NotificationSent.item).where(NotificationSent.user_id == head)
    ).all()
    assert claimed == [f"file:{file.id}:proposals:AGENCY:MINHEALTH"]

    # Opting out stops the overdue e-mail.
    act(accounts.set_contact, service_session, head, email="nurlan@arna.test", notify=False)
    report = run(D("2026-03-30"))
    assert report.sent == 1
    assert inbox.to("nurlan@arna.test")[1:] == []
    assert len(inbox.to("aigerim@arna.test")) == 2
