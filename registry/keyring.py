"""The registry's key-encryption key (``ARNA_KEK``) and the one way it wraps keys at rest.

Every private key the registry itself holds — its CA, the custody log's Ed25519
key, the copy seal — is wrapped here, through ``signing.keys.encrypt_private_key``
(encrypted PKCS#8: one KDF for all of them, changed in one place). Officers' keys
are not: they are wrapped with the officer's own passphrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signing.keys import (
    KeyLoadError,
    SigningKey,
    encrypt_private_key,
    load_any_private_key,
    load_private_key,
)


@dataclass(frozen=True)
class Keyring:
    """The KEK, and what it wraps and unwraps."""

    kek: str

    def __post_init__(self) -> None:
        if not self.kek:
            raise ValueError("ARNA_KEK is empty: the registry's keys cannot be protected")

    def __repr__(self) -> str:
        return "Keyring(kek=<hidden>)"

    @property
    def passphrase(self) -> bytes:
        """The KEK as the passphrase of encrypted PKCS#8 (and of the CA bundle)."""
        return self.kek.encode("utf-8")

    def wrap(self, key: SigningKey | Ed25519PrivateKey) -> bytes:
        """A private key encrypted for storage (the serialisation works for Ed25519 too)."""
        return encrypt_private_key(cast(SigningKey, key), self.passphrase)

    def unwrap_signing_key(self, wrapped: bytes) -> SigningKey:
        """A wrapped RSA/ECDSA key (the copy seal), strength-checked."""
        return load_private_key(wrapped, self.passphrase)

    def unwrap_log_key(self, wrapped: bytes) -> Ed25519PrivateKey:
        """The custody log's wrapped Ed25519 key (signing.keys admits only RSA/ECDSA)."""
        try:
            key = load_any_private_key(wrapped, self.passphrase)
        except KeyLoadError:
            raise KeyLoadError("the key cannot be decrypted with the configured ARNA_KEK") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyLoadError(f"{type(key).__name__} is not the log's Ed25519 key")
        return key
