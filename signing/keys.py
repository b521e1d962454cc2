"""Signing keys: generated, encrypted at rest, loaded, and checked for strength.

Officer and CA private keys are only ever stored as encrypted PKCS#8 (PBES2,
PBKDF2-HMAC-SHA256, AES-256-CBC — what cryptography writes and OpenSSL reads, so
an agency's own tools can use the same files).  The passphrase is either the officer's own or
a key-encryption key from configuration; either way it is bytes handed in by
the caller and never appears in an exception message or a log line.
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
KeyAlgorithm = Literal["ecdsa-p256", "rsa-2048", "rsa-3072"]

MIN_RSA_BITS = 2048
ALLOWED_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


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
    """Encrypted PKCS#8 PEM of a private key, for storage at rest."""
    if not passphrase:
        raise KeyLoadError("an empty passphrase would leave the key unprotected")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_private_key(pem: bytes, passphrase: bytes | None = None) -> SigningKey:
    """Load a PEM private key (encrypted PKCS#8 given a passphrase); refuse weak ones."""
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
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError(f"{type(key).__name__} keys are not allowed; use RSA or ECDSA")
    check_key_strength(key)
    return key
