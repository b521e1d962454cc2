"""Configuration from the environment (contracts/service-cli.md).

``DATABASE_URL``   the database; default a SQLite file in the instance folder.
``SECRET_KEY``     signs session cookies; default generated once into the instance folder.
``ARNA_INSTANCE``  the instance folder; default ``./instance``.
``ARNA_KEK``       the key-encryption key that wraps the registry's private keys (CA,
                   log, PDF signing) at rest; default generated once into the instance folder.
``ARNA_COOKIE_SECURE``  ``0`` to drop the Secure cookie flag (plain-http development only).
``ARNA_*``         every other setting of ``load_config`` (due-soon window, log origin, public
                   URL, proxy hops, login throttling, the SMTP server of deadline e-mails)
                   may be given in the environment too.

The generated secrets are created with mode 0600 and never logged: losing the
KEK file means losing the registry's keys, so it is kept beside the database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _persistent_secret(path: Path) -> str:
    """Read the secret stored at ``path``, creating it (0600, exclusively) on first use.

    ``O_EXCL`` makes two gunicorn workers starting together agree on one value.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        raise RuntimeError(f"{path} is empty; remove it to generate a new secret") from None
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


def instance_folder(overrides: dict[str, Any] | None = None) -> Path:
    """The instance folder (created 0700 if missing)."""
    raw = (overrides or {}).get("ARNA_INSTANCE") or os.environ.get("ARNA_INSTANCE") or "instance"
    path = Path(raw).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def database_url(overrides: dict[str, Any] | None = None) -> str:
    """The database URL the app (and Alembic, and the CLI) use."""
    given = (overrides or {}).get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if given:
        return str(given)
    return f"sqlite:///{instance_folder(overrides) / 'arna.db'}"


def _from_environment(defaults: dict[str, Any]) -> dict[str, Any]:
    """The ``ARNA_*`` settings given in the environment, as the type of their default."""
    given: dict[str, Any] = {}
    for name, default in defaults.items():
        raw = os.environ.get(name)
        if not name.startswith("ARNA_") or name == "ARNA_INSTANCE" or raw in (None, ""):
            continue
        try:
            given[name] = type(default)(raw) if isinstance(default, int | str) else raw
        except ValueError:
            raise ValueError(f"{name} must be {type(default).__name__}, not {raw!r}") from None
    return given


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Flask configuration: explicit ``overrides`` win over the environment."""
    overrides = dict(overrides or {})
    instance = instance_folder(overrides)
    secure_cookies = os.environ.get("ARNA_COOKIE_SECURE", "1") != "0"
    config: dict[str, Any] = {
        "ARNA_INSTANCE": str(instance),
        "DATABASE_URL": database_url(overrides),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "arna_session",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "WTF_CSRF_ENABLED": True,
        # Throttling (sign-in, copy look-ups, re-authentication, signing passphrases):
        # after this many attempts in the window a person's key (or, with the larger
        # number, a client address) must wait out the lock.
        "ARNA_THROTTLE_MAX_ATTEMPTS": 5,
        "ARNA_THROTTLE_MAX_PER_ADDRESS": 20,
        "ARNA_THROTTLE_WINDOW_SECONDS": 15 * 60,
        "ARNA_THROTTLE_LOCK_SECONDS": 15 * 60,
        # Deadlines due within this many working days are flagged "due soon".
        "ARNA_DUE_SOON_WORKDAYS": 2,
        "ARNA_ORIGIN": "arna.gov.kz",
        # Where the QR codes of paper copies point; None: the issuing request's address.
        "ARNA_PUBLIC_URL": None,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "ARNA_PROXY_HOPS": 0,
        # 1: officers may hold signing keys in Arna (created, wrapped with their passphrase,
        # used by passphrase signing and the dispatch countersignature) — `make run`'s demo
        # and the tests; 0: people sign with their own keys only (NCALayer or upload) and
        # no request creates or uses an Arna-held key (registry.services.pki refuses).
        "ARNA_SERVER_SIGNING": 0,
        # Where the page finds NCALayer's WebSocket (tests point it at a local stand-in).
        "ARNA_NCALAYER_URL": "wss://127.0.0.1:13579/",
        # 1: accept signatures of the NCA RK *test* PKI (demos, trials); never in production.
        "ARNA_ACCEPT_TEST_PKI": 0,
        # How custody verifications run: "thread" in the background of the worker that
        # started them (progress kept in the database), "inline" within the request.
        "ARNA_CUSTODY_JOBS": "thread",
        # RFC 3161 time-stamping: the TSA's URL ("" = none) and a PEM file of its root(s).
        "ARNA_TSA_URL": "",
        # `crl refresh`: http URLs of CRLs no anchor names (an intermediate's own), space-separated.
        "ARNA_CRL_URLS": "",
        # Ask the OCSP responder a signer's certificate names when a letter is received
        # (0: CRLs only, e.g. an offline demo; without a current CRL an unanswered OCSP
        # request refuses the letter as TRY_LATER).
        "ARNA_OCSP_AT_RECEIPT": 1,
        "ARNA_TSA_ROOTS": "",
        # Witnesses of the custody log: "URL VERIFIER-KEY" entries separated by ';'.
        "ARNA_WITNESSES": "",
        # Seconds to wait for a TSA or a witness before recording the failure.
        "ARNA_PROOF_TIMEOUT": 5,
        # Deadline e-mails (`flask --app wsgi notify deadlines`): the SMTP server ("" = none),
        # its port, the login ("" = none), STARTTLS (1, the default, or 0 for a local relay
        # on loopback), the From address, and seconds to wait for the server.
        "ARNA_SMTP_HOST": "",
        "ARNA_SMTP_PORT": 587,
        "ARNA_SMTP_USER": "",
        "ARNA_SMTP_PASSWORD": "",
        "ARNA_SMTP_STARTTLS": 1,
        "ARNA_SMTP_FROM": "",
        "ARNA_SMTP_TIMEOUT": 30,
    }
    config.update(_from_environment(config))
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _persistent_secret(
            instance / "secret_key"
        )
    if not config.get("ARNA_KEK"):
        config["ARNA_KEK"] = os.environ.get("ARNA_KEK") or _persistent_secret(instance / "kek")
    return config


def current_setting(name: str) -> Any:
    """A setting of the running app. Outside one it refuses (it never reads the
    environment there, which would create ``instance/`` secrets wherever the code runs)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        raise RuntimeError(f"{name} is a setting of the app: pass it explicitly outside one")
    return current_app.config[name]
