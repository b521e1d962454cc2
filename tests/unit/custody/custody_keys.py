"""Fixed Ed25519 log keys, so every note and bundle a test builds is the same on every run."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custody.note import LogKey

# RFC 8032 §7.1 test 1: a published key makes a note byte-for-byte checkable.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
# Seeds of the form bytes([n]) * 32; 8 is one whose public key's base64 holds a '+'.
LOG_SEED, IMPOSTOR_SEED, WITNESS_SEED, PLUS_IN_BASE64_SEED = 1, 2, 3, 8


def seeded_key(name: str, seed: int | bytes) -> LogKey:
    """The log key of ``name`` from a 32-byte seed (or the byte ``seed`` repeated 32 times)."""
    raw = seed if isinstance(seed, bytes) else bytes([seed]) * 32
    return LogKey(name, Ed25519PrivateKey.from_private_bytes(raw))
