"""Signing keys: generated, encrypted at rest, loaded, and checked for strength.

Private keys are stored wrapped by :func:`encrypt_private_key` in Arna's versioned
format (``-----BEGIN ARNA ENCRYPTED PRIVATE KEY-----``, version 2): the unencrypted
PKCS#8 DER sealed with AES-256-GCM under a key derived from the passphrase by
Argon2id at OWASP's recommended strength (19 MiB, 2 passes, 1 lane). Argon2id is
memory-hard, so a copy of the database no longer gives thousands of guesses a
second per core, as the encrypted PKCS#8 of version 1 (PBKDF2 at 2,048 iterations,
what cryptography's BestAvailableEncryption writes) did.

:func:`load_private_key` reads both versions, and PEM private keys from outside
(unencrypted or PKCS#8) for the signing CLI; :func:`needs_rewrap` tells a caller
holding the passphrase that a stored key is still in an older format and should
be wrapped again. The passphrase is either the officer's own or a key-encryption
key from configuration; either way it is bytes handed in by the caller and never
appears in an exception message or a log line.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
KeyAlgorithm = Literal["ecdsa-p256", "rsa-2048", "rsa-3072"]

MIN_RSA_BITS = 2048
ALLOWED_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})

WRAPPED_LABEL = "ARNA ENCRYPTED PRIVATE KEY"
WRAP_VERSION = 2
# OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PASSES = 2
ARGON2_LANES = 1
_WRAPPED = re.compile(
    rf"-----BEGIN {WRAPPED_LABEL}-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END {WRAPPED_LABEL}-----"
)


class KeyLoadError(ValueError):
    """A key could not be loaded or is too weak; the message never contains secret material."""


def generate_signing_key(algorithm: KeyAlgorithm = "ecdsa-p256") -> SigningKey:
    """A fresh key of one of the algorithms Arna signs with."""
    if algorithm == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(65537, int(algorithm.removeprefix("rsa-")))


def check_key_strength(key: SigningKey | PublicKey) -> None:
    """Refuse what the policy forbids: RSA under 2048 bits, curves other than NIST P-256+."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise KeyLoadError(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} required")
    elif isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name not in ALLOWED_CURVES:
            raise KeyLoadError(f"elliptic curve {key.curve.name} is not allowed")
    else:
        raise KeyLoadError(f"{type(key).__name__} keys are not allowed; use RSA or ECDSA")


def encrypt_private_key(key: SigningKey, passphrase: bytes) -> bytes:
    """The private key wrapped for storage at rest (format version 2, Argon2id + AES-GCM)."""
    if not passphrase:
        raise KeyLoadError("an empty passphrase would leave the key unprotected")
    header = {
        "v": WRAP_VERSION,
        "kdf": "argon2id",
        "m": ARGON2_MEMORY_KIB,
        "t": ARGON2_PASSES,
        "p": ARGON2_LANES,
        "salt": _b64(os.urandom(16)),
        "nonce": _b64(os.urandom(12)),
    }
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    sealed = AESGCM(_derive(passphrase, header)).encrypt(
        base64.b64decode(header["nonce"]), plain, _aad(header)
    )
    body = json.dumps({**header, "key": _b64(sealed)}, sort_keys=True).encode("ascii")
    lines = base64.encodebytes(body).decode("ascii")
    return f"-----BEGIN {WRAPPED_LABEL}-----\n{lines}-----END {WRAPPED_LABEL}-----\n".encode()


def needs_rewrap(stored: bytes) -> bool:
    """True when ``stored`` is not in the current wrapping format (version 1: PKCS#8)."""
    return _wrapped_header(stored) is None


def load_private_key(pem: bytes, passphrase: bytes | None = None) -> SigningKey:
    """Load a private key: Arna's wrapped format (either version) given its passphrase, or
    a PEM private key (encrypted PKCS#8 given a passphrase); refuse weak ones."""
    return _checked(load_any_private_key(pem, passphrase))


def load_any_private_key(pem: bytes, passphrase: bytes | None = None) -> PrivateKeyTypes:
    """``load_private_key`` without its signing-key policy, for the registry's other keys
    (the custody log's Ed25519 key) wrapped the same way."""
    wrapped = _wrapped_header(pem)
    if wrapped is not None:
        return serialization.load_der_private_key(_unwrap(wrapped, passphrase), password=None)
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase or None)
    except TypeError:
        # cryptography says whether a password was missing or unexpected; keep only that.
        raise KeyLoadError(
            "the key is encrypted: a passphrase is needed"
            if not passphrase
            else "the key is not encrypted but a passphrase was given"
        ) from None
    except ValueError:
        raise KeyLoadError("the key cannot be decrypted or is not a PEM private key") from None
    return key


def _checked(key: object) -> SigningKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError(f"{type(key).__name__} keys are not allowed; use RSA or ECDSA")
    check_key_strength(key)
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _aad(header: dict[str, object]) -> bytes:
    """The header's parameters, authenticated with the key: none can be altered unnoticed."""
    return json.dumps(header, sort_keys=True).encode("ascii")


def _derive(passphrase: bytes, header: dict[str, object]) -> bytes:
    # Imported here: verifying (python -m signing verify, the trust store) never derives a key.
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase,
        base64.b64decode(str(header["salt"])),
        time_cost=int(str(header["t"])),
        memory_cost=int(str(header["m"])),
        parallelism=int(str(header["p"])),
        hash_len=32,
        type=Type.ID,
    )


def _wrapped_header(stored: bytes) -> dict[str, object] | None:
    """The parsed version-2 document inside ``stored``, or None if it is not one."""
    match = _WRAPPED.search(stored.decode("ascii", errors="replace"))
    if match is None:
        return None
    try:
        document = json.loads(base64.b64decode(match.group(1)))
    except ValueError:
        raise KeyLoadError("the wrapped key is not readable") from None
    if not isinstance(document, dict) or document.get("v") != WRAP_VERSION:
        raise KeyLoadError("the wrapped key is of an unknown format version")
    if document.get("kdf") != "argon2id":
        raise KeyLoadError("the wrapped key names an unknown key-derivation function")
    return document


def _unwrap(document: dict[str, object], passphrase: bytes | None) -> bytes:
    if not passphrase:
        raise KeyLoadError("the key is encrypted: a passphrase is needed")
    header = {name: value for name, value in document.items() if name != "key"}
    try:
        memory, passes = int(str(header["m"])), int(str(header["t"]))
        nonce = base64.b64decode(str(header["nonce"]))
        sealed = base64.b64decode(str(document["key"]))
    except (KeyError, ValueError):
        raise KeyLoadError("the wrapped key is not readable") from None
    if memory > 4 * ARGON2_MEMORY_KIB or passes > 16:
        # A crafted file must not make its reader spend gigabytes or minutes.
        raise KeyLoadError("the wrapped key asks for an unreasonable derivation cost")
    from argon2.exceptions import HashingError

    try:
        return AESGCM(_derive(passphrase, header)).decrypt(nonce, sealed, _aad(header))
    except (InvalidTag, ValueError, HashingError):
        raise KeyLoadError("the key cannot be decrypted with this passphrase") from None
