"""What every page shares: the chosen language, the names of codes, the `may` test.

Codes (parties, kinds, roles, states, custody actions, verification results, legal
bases) become names through the Jinja filters registered here, in the reader's
language (registry/names.py holds the names); templates never show a code as a name.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, request
from flask_babel import get_locale, lazy_gettext
from sqlalchemy.exc import SQLAlchemyError

from registry.config import MAX_UPLOAD_BYTES
from registry.permissions import Action, Role, allowed
from registry.services.errors import ServiceError
from registry.services.pki import is_test_registry
from registry.web.choices import INVITATION_SOURCE_LABELS
from registry.web.database import get_session
from registry.web.names import FILTERS, language, service_message

#: The largest request Arna takes (registry.config.MAX_UPLOAD_BYTES), as people read it.
UPLOAD_LIMIT = f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"

LANGUAGES: tuple[tuple[str, str], ...] = (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English"))
LANGUAGE_CODES = tuple(code for code, _label in LANGUAGES)
LANGUAGE_COOKIE = "lang"

# A signer's role and PKI as the verification report names them (signing.profile, pki_marks).
SIGNER_ROLE_LABELS: dict[str, Any] = {
    "first_head": lazy_gettext("first head"),
    "signatory": lazy_gettext("signatory (right to sign)"),
    "employee": lazy_gettext("employee of the organisation"),
    "individual": lazy_gettext("individual"),
}
PKI_LABELS: dict[str, Any] = {
    "nca-production": lazy_gettext("NCA PKI"),
    "nca-test": lazy_gettext("NCA test PKI"),
    "registry": lazy_gettext("the registry's CA"),
    "other": lazy_gettext("another CA"),
}

# The heading of the error page, by HTTP status.
ERROR_TITLES: dict[int, Any] = {
    400: lazy_gettext("The request could not be used"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("You may not do this"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Not possible here"),
    409: lazy_gettext("Not possible in the letter's current state"),
    413: lazy_gettext("Too large"),
    422: lazy_gettext("Refused"),
    429: lazy_gettext("Too many attempts; try again later"),
    500: lazy_gettext("Something went wrong on our side"),
}
# Messages of errors raised by the web layer itself (the services' messages are specific).
ERROR_MESSAGES: dict[str, Any] = {
    "request_entity_too_large": lazy_gettext(
        "The file is larger than the %(limit)s Arna accepts. Make it smaller (fewer or "
        "smaller attachments) and send it again.",
        limit=UPLOAD_LIMIT,
    ),
    "csrf_failed": lazy_gettext("The form expired or was not sent by Arna. Reload and try again."),
    "internal_error": lazy_gettext("The error was logged. Please try again later."),
    "bad_credentials": lazy_gettext("Wrong username or password."),
    "throttled": lazy_gettext("Too many failed sign-ins; try again later."),
    "too_many_attempts": lazy_gettext("Too many attempts; try again later"),
    "unauthenticated": lazy_gettext("Please sign in."),
    # The services' stable codes (registry/services/errors.py and the services).
    "invalid": lazy_gettext("The input is not valid."),
    "invalid_state": lazy_gettext("Not possible in the letter's current state."),
    "refused": lazy_gettext("The Rules do not allow this."),
    "refused_by_plan": lazy_gettext("The Rules do not allow this."),
    "letter_refused": lazy_gettext("The letter was refused."),
    "number_used": lazy_gettext("The registry number is already used."),
    "reasons_required": lazy_gettext("Say why the letter is returned."),
    "no_key": lazy_gettext("You have no signing key yet: create one on your account page."),
    "wrong_passphrase": lazy_gettext("The signing passphrase is wrong."),
    "already_signed": lazy_gettext(
        "You have signed this letter already: it needs no second signature of yours."
    ),
    "certificate_revoked": lazy_gettext("Your signing certificate is revoked."),
    "server_signing_off": lazy_gettext(
        "This registry holds no signing keys: sign with your own key in NCALayer, or upload."
    ),
    "wrong_key_type": lazy_gettext(
        "Wrong key type: that is an authentication key. Choose your signing key (RSA or GOST "
        "signing certificate) in NCALayer."
    ),
    "not_this_letter": lazy_gettext("The signed XML is not this letter as Arna holds it."),
    "not_this_record": lazy_gettext("The signed dispatch record does not match this dispatch."),
    "wrong_password": lazy_gettext("The current password is wrong."),
    "invalid_email": lazy_gettext("That is not an e-mail address."),
    "username_taken": lazy_gettext("That username is taken."),
    "agency_exists": lazy_gettext("That agency exists already."),
    "anchor_exists": lazy_gettext("That root is already trusted."),
    "forbidden": lazy_gettext("You may not do this."),
    "not_found": lazy_gettext("Not found."),
}


# Errors whose translated headline says all there is (the service's English words would
# only repeat it in a second language): the web layer's own, and refusals of one cause.
_FIXED_WORDING = frozenset(
    {
        "request_entity_too_large",
        "csrf_failed",
        "internal_error",
        "bad_credentials",
        "throttled",
        "unauthenticated",
        "wrong_passphrase",
        "no_key",
        "certificate_revoked",
        "already_signed",
        "wrong_password",
        "username_taken",
        "agency_exists",
        "anchor_exists",
    }
)


def error_title(status: int) -> str:
    return str(ERROR_TITLES.get(status, ERROR_TITLES[400 if status < 500 else 500]))


def describe(exc: ServiceError) -> list[str]:
    """A refusal as lines for the page: a headline in the reader's language, then the reasons."""
    return explain(exc.code, exc.message, exc.details)


#: Refusals a person can put right on the page they came from (a form's input, the letter's
#: state); anything else goes on to the error page.
FIXABLE = (400, 409, 422)


def refusal_text(exc: ServiceError) -> str:
    """A refusal as one line for a flash message."""
    return "; ".join(describe(exc))


def flash_fixable(exc: ServiceError, fixable: tuple[int, ...] = FIXABLE) -> None:
    """Flash a refusal the person can put right where they return to; re-raise any other."""
    if exc.status not in fixable:
        raise exc
    flash(refusal_text(exc), "error")


def explain(code: str, message: str, details: list[str] | None = None) -> list[str]:
    """Headline first, then the reasons.

    The services word their specific reasons in English (they are also the API's
    messages); outside English the translated headline comes first and the
    service's own message follows as the first reason, in the reader's language where
    its wording is known (registry.web.names.service_message).
    """
    reasons = list(details or [])
    headline = ERROR_MESSAGES.get(code)
    if headline is None:
        return [message, *reasons]
    if code in _FIXED_WORDING:
        return [str(headline), *reasons]
    if str(get_locale() or "en") == "en":
        return [message, *reasons]
    said = service_message(message)
    return [str(headline), *([said] if said else []), *reasons]


def flash_refusal(exc: ServiceError) -> None:
    """Show a refusal on the next page (one line)."""
    lines = describe(exc)
    flash(lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else ""), "error")


def select_locale() -> str:
    """The user's choice (a cookie), else the browser's preference, else Kazakh."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGE_CODES:
        return chosen
    return request.accept_languages.best_match(LANGUAGE_CODES) or "kk"


def _may(action: str) -> bool:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return False
    return allowed(Role(current_user.role), Action(action))


def _test_registry() -> bool:
    """Whether the banner says this is a TEST registry (read only where a page shows it)."""
    try:
        return is_test_registry(get_session())
    except SQLAlchemyError:  # an error page about the database itself still renders
        return False


def init_app(app: Flask) -> None:
    """Expose the shared helpers and the name filters to every template."""
    app.jinja_env.filters.update(FILTERS)

    @app.context_processor
    def _chrome() -> dict[str, Any]:
        return {
            "may": _may,
            "languages": LANGUAGES,
            "current_language": language(),
            "role_label": FILTERS["role"],
            "state_label": FILTERS["state"],
            "invitation_source_label": lambda code: INVITATION_SOURCE_LABELS.get(code, code),
            "action_label": lambda name: FILTERS["action"](str(name)),
            "error_title": error_title,
            "upload_limit": UPLOAD_LIMIT,
            "signer_role_label": lambda role: SIGNER_ROLE_LABELS.get(role, role),
            "pki_label": lambda mark: PKI_LABELS.get(mark, mark),
            "test_registry": _test_registry,
            "server_signing": bool(app.config["ARNA_SERVER_SIGNING"]),
            "ncalayer_url": app.config["ARNA_NCALAYER_URL"],
        }
