"""Deadline e-mails written in the recipient's language and sent through SMTP.

``registry.services.notifications`` decides what is due and to whom; this module
words each notice (Flask-Babel, forced to the person's language) and hands it to
the SMTP server of the ``ARNA_SMTP_*`` settings, over one connection per run.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from types import TracebackType
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from registry.services.notifications import DeliveryFailed, Notice

LANGUAGES = ("kk", "ru", "en")


def render(notice: Notice, public_url: str | None) -> tuple[str, str]:
    """(subject, text) of the e-mail, in the recipient's language (Kazakh when unknown)."""
    item = notice.item
    language = notice.language if notice.language in LANGUAGES else "kk"
    with force_locale(language):
        day = format_date(item.due, "long")
        if notice.urgency == "overdue":
            subject = _(
                "Overdue since %(date)s: %(reference)s (%(rule)s)",
                date=day,
                reference=item.reference,
                rule=item.rule,
            )
            lead = _(
                "A step of %(reference)s is overdue: it was due on %(date)s under %(rule)s.",
                reference=item.reference,
                date=day,
                rule=item.rule,
            )
        else:
            subject = _(
                "Due on %(date)s: %(reference)s (%(rule)s)",
                date=day,
                reference=item.reference,
                rule=item.rule,
            )
            lead = _(
                "A step of %(reference)s is due on %(date)s under %(rule)s.",
                reference=item.reference,
                date=day,
                rule=item.rule,
            )
        lines = [
            _("Dear %(name)s,", name=notice.full_name),
            "",
            lead,
            item.title,
        ]
        if public_url:
            path = "letters" if item.is_letter else "files"
            lines += ["", f"{public_url.rstrip('/')}/{path}/{item.reference}"]
        lines += [
            "",
            _("You receive this because you have an e-mail address in Arna."),
            _("To stop these e-mails, turn them off on your account page."),
        ]
    return subject, "\n".join(lines) + "\n"


class Mailer:
    """One SMTP connection for a run of the job: ``with Mailer(config) as m: m(notice)``."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = str(config["ARNA_SMTP_HOST"])
        if not self.host:
            raise RuntimeError("ARNA_SMTP_HOST is not set: deadline e-mails have no server")
        self.port = int(config["ARNA_SMTP_PORT"])
        self.user = str(config["ARNA_SMTP_USER"])
        self.password = str(config["ARNA_SMTP_PASSWORD"])
        self.starttls = bool(int(config["ARNA_SMTP_STARTTLS"]))
        self.sender = str(config["ARNA_SMTP_FROM"]) or f"arna@{config['ARNA_ORIGIN']}"
        self.timeout = float(config["ARNA_SMTP_TIMEOUT"])
        self.public_url = config.get("ARNA_PUBLIC_URL")
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            self._smtp = smtp
        return self._smtp

    def __call__(self, notice: Notice) -> None:
        """Send one notice; ``DeliveryFailed`` when the server does not take it."""
        subject, text = render(notice, self.public_url)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = notice.email
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(text)
        try:
            self._connection().send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            self.__exit__(None, None, None)  # a broken connection is opened again for the next
            raise DeliveryFailed(str(exc)) from exc
