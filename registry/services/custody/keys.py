"""The log's Ed25519 signing key: created once, wrapped with the KEK, cached unwrapped."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from custody.note import LogKey, VerifierKey
from registry.models.keys import RegistryKey
from registry.services.custody.store import CustodyStateError

LOG_KEY_NAME = "custody-log"
ORIGIN_SUFFIX = "/custody"

# Decrypted log keys by the SHA-256 of their wrapped form: unwrapping runs PBKDF2,
# far too slow to repeat on every append.
_KEYS: dict[bytes, LogKey] = {}


def _wrap(key: Ed25519PrivateKey, kek: str) -> bytes:
    """Encrypted PKCS#8, as signing.keys does for RSA/ECDSA (whose loader refuses Ed25519)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(kek.encode()),
    )


def _unwrap(row: RegistryKey, kek: str) -> LogKey:
    cache_key = hashlib.sha256(row.wrapped_private).digest()
    cached = _KEYS.get(cache_key)
    if cached is not None:
        return cached
    try:
        private = serialization.load_pem_private_key(row.wrapped_private, kek.encode())
    except (TypeError, ValueError):
        raise CustodyStateError(
            "the custody log key cannot be decrypted with the configured ARNA_KEK"
        ) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise CustodyStateError("the stored custody log key is not an Ed25519 key")
    key = LogKey(VerifierKey.parse(row.public).name, private)
    if key.verifier_key != row.public:
        raise CustodyStateError("the stored custody log key does not match its verifier key")
    _KEYS[cache_key] = key
    return key


def _configured() -> tuple[str, str]:
    """(KEK, origin) of the running app, or of the environment outside one (CLI, scripts)."""
    from flask import current_app, has_app_context

    from registry.config import load_config

    config = current_app.config if has_app_context() else load_config()
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
    if kek is None or origin is None:
        configured_kek, configured_origin = _configured()
        kek = kek or configured_kek
        origin = origin or configured_origin
    if row is not None:
        return _unwrap(row, kek)
    key = LogKey.generate(origin)
    wrapped = _wrap(key.private_key, kek)
    session.add(RegistryKey(name=LOG_KEY_NAME, wrapped_private=wrapped, public=key.verifier_key))
    session.flush()
    _KEYS[hashlib.sha256(wrapped).digest()] = key
    return key


def verifier_key(session: Session) -> str | None:
    """The verifier key auditors pin (``<name>+<id>+<key>``), or None before the first event."""
    row = session.get(RegistryKey, LOG_KEY_NAME)
    return row.public if row is not None else None
