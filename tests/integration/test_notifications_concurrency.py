"""Two runs of the deadline e-mail job at once, on a database of their own (committed):
each e-mail still goes once (the claim row's unique constraint)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import create_db_engine
from registry.mail import Mailer
from registry.models import NotificationSent, User
from registry.permissions import Principal
from registry.services import accounts
from registry.services.notifications import Notice, RunReport, send_due
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_demo_users, ensure_registry
from registry.services.unit_of_work import unit_of_work

from .conftest import ADMIN_PASSWORD, KEK
from .factories import a_court_request
from .test_notifications import Inbox, smtp  # noqa: F401

pytestmark = pytest.mark.slow
D = date.fromisoformat


@pytest.fixture(scope="module")
def committed(databases: Any, base_config: dict[str, Any]) -> Iterator[tuple[Flask, Engine]]:
    url = databases.new("notify")
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    app = create_app({**base_config, "DATABASE_URL": url})
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        with unit_of_work(session):
            ensure_registry(session, kek=KEK, admin_password=ADMIN_PASSWORD)
            ensure_demo_users(session)
        court = session.scalar(select(User).where(User.username == "officer.court"))
        assert court is not None
        with unit_of_work(session):
            accounts.set_contact(session, court.id, email="court@arna.test")
        a_court_request(session, Principal.of(court), "ICJ", D("2026-03-20"))
    yield app, engine
    engine.dispose()


def test_two_runs_at_once_send_each_email_once(
    committed: tuple[Flask, Engine],
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    app, engine = committed
    inbox, port = smtp
    config = {
        **app.config,
        "ARNA_SMTP_HOST": "127.0.0.1",
        "ARNA_SMTP_PORT": port,
        "ARNA_SMTP_STARTTLS": 0,
    }
    reports: list[RunReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with (
                app.app_context(),
                Session(engine, expire_on_commit=False) as session,
                Mailer(config) as mailer,
            ):

                def slow(notice: Notice) -> None:
                    mailer(notice)
                    time.sleep(0.5)  # the claim stays uncommitted while the other run goes on

                start.wait()
                with unit_of_work(session):
                    reports.append(send_due(session, D("2026-03-26"), 2, slow))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(inbox.to("court@arna.test")) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(NotificationSent)) == 1


def test_the_command_sends_what_is_overdue_once_and_says_so(
    committed: tuple[Flask, Engine],
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    app, _engine = committed
    inbox, port = smtp
    app.config.update(ARNA_SMTP_HOST="127.0.0.1", ARNA_SMTP_PORT=port, ARNA_SMTP_STARTTLS=0)
    runner = app.test_cli_runner()
    changed = runner.invoke(args=["users", "set-email", "officer.court", "gulnara@arna.test"])
    assert changed.exit_code == 0, changed.output
    refused = runner.invoke(args=["users", "set-email", "officer.court", "not-an-address"])
    assert refused.exit_code == 2
    assert "not an e-mail address" in refused.output

    first = runner.invoke(args=["notify", "deadlines", "--today", "2026-03-31"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "sent 1, already sent 0, failed 0"
    (overdue,) = inbox.to("gulnara@arna.test")
    assert "SUPREMECOURT-2026-" in overdue["Subject"]
    again = runner.invoke(args=["notify", "deadlines", "--today", "2026-04-01"])
    assert again.output.strip() == "sent 0, already sent 1, failed 0"

    app.config.update(ARNA_SMTP_HOST="")
    unset = runner.invoke(args=["notify", "deadlines"])
    assert unset.exit_code == 2
    assert "ARNA_SMTP_HOST" in unset.output
