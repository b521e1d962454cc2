"""The log's Ed25519 signing key: created once, wrapped with the KEK, cached unwrapped."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from custody.note import LogKey, VerifierKey
from registry.keyring import Keyring
from registry.models.keys import RegistryKey
from registry.services.custody.store import CustodyStateError
from signing.keys import KeyLoadError

LOG_KEY_NAME = "custody-log"
ORIGIN_SUFFIX = "/custody"

# Decrypted log keys by the SHA-256 of their wrapped form: unwrapping runs PBKDF2,
# far too slow to repeat on every append.
_KEYS: dict[bytes, LogKey] = {}


def _unwrap(row: RegistryKey, kek: str) -> LogKey:
    cache_key = hashlib.sha256(row.wrapped_private).digest()
    cached = _KEYS.get(cache_key)
    if cached is not None:
        return cached
    try:
        private = Keyring(kek).unwrap_log_key(row.wrapped_private)
    except KeyLoadError as exc:
        raise CustodyStateError(f"the custody log key: {exc}") from None
    key = LogKey(VerifierKey.parse(row.public).name, private)
    if key.verifier_key != row.public:
        raise CustodyStateError("the stored custody log key does not match its verifier key")
    _KEYS[cache_key] = key
    return key


def _configured() -> tuple[str, str]:
    """(KEK, origin) of the running app. Outside one, the caller must pass them: nothing
    here reads the environment or creates an ``instance/kek`` wherever the code runs."""
    from flask import current_app, has_app_context

    if not has_app_context():
        raise CustodyStateError(
            "the custody log key needs the KEK: pass kek= and origin= outside the app"
        )
    config = current_app.config
    return str(config["ARNA_KEK"]), str(config["ARNA_ORIGIN"]) + ORIGIN_SUFFIX


def ensure_log_key(
    session: Session, *, kek: str | None = None, origin: str | None = None
) -> LogKey:
    """The log's signing key, created (Ed25519, wrapped with ``kek``) on first call.

    ``kek`` and ``origin`` default to the configuration (``ARNA_KEK``, and
    ``ARNA_ORIGIN`` + ``/custody``). The origin is the key's name and is fixed
    once the key exists: every checkpoint carries it. Flushes, never commits.
    """
    row = session.get(RegistryKey, LOG_KEY_NAME)
    if row is not None and kek is None:
        cached = _KEYS.get(hashlib.sha256(row.wrapped_private).digest())
        if cached is not None:
            return cached
    if row is not None:  # the origin is the existing key's; only the KEK is needed
        return _unwrap(row, kek or _configured()[0])
    if kek is None or origin is None:
        configured_kek, configured_origin = _configured()
        kek = kek or configured_kek
        origin = origin or configured_origin
    key = LogKey.generate(origin)
    wrapped = Keyring(kek).wrap(key.private_key)
    session.add(RegistryKey(name=LOG_KEY_NAME, wrapped_private=wrapped, public=key.verifier_key))
    session.flush()
    _KEYS[hashlib.sha256(wrapped).digest()] = key
    return key


def existing_log_key(session: Session) -> LogKey | None:
    """The log's signing key if it exists yet (needs the running app's KEK), else None."""
    return ensure_log_key(session) if session.get(RegistryKey, LOG_KEY_NAME) else None


def verifier_key(session: Session) -> str | None:
    """The verifier key auditors pin (``<name>+<id>+<key>``), or None before the first event."""
    row = session.get(RegistryKey, LOG_KEY_NAME)
    return row.public if row is not None else None
