"""C2SP tlog-cosignature v1 (Ed25519): a witness's timestamped signature over a checkpoint.

https://c2sp.org/tlog-cosignature. The signed message is ``cosignature/v1``, a
``time <seconds>`` line and the checkpoint's note body; the signature line is
``— <witness name> base64(key id ‖ u64 big-endian time ‖ Ed25519 signature)``,
and the key id uses signature type 0x04, so a cosigner key can never pass for a
log key (0x01) or the other way round.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custody.note import NoteError, check_key_name, decode_base64, key_id, parse_key_text

COSIGNATURE_ALG = b"\x04"
_SIG_PREFIX = "\u2014 "
_HEADER = "cosignature/v1\n"
_MAX_TIME = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x04 ‖ Ed25519 key)[:4]."""
    return key_id(name, public_key, COSIGNATURE_ALG)


def signed_message(checkpoint_body: str, timestamp: int) -> bytes:
    """The bytes a v1 Ed25519 cosignature signs."""
    return f"{_HEADER}time {timestamp}\n{checkpoint_body}".encode()


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key as a note verifier key ``<name>+<hex id>+<base64(0x04 ‖ key)>``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> CosignerKey:
        """Parse a witness verifier key, checking its key id against its name and key."""
        name, identifier, public_key = parse_key_text(text, COSIGNATURE_ALG, "witness key")
        return cls(name=name, key_id=identifier, public_key=public_key)

    def __str__(self) -> str:
        encoded = base64.b64encode(COSIGNATURE_ALG + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, checkpoint_body: str, line: str) -> int | None:
        """The cosignature's time if ``line`` is this witness's valid cosignature of the body.

        None when the line belongs to another key (the spec says to ignore it);
        NoteError when it is malformed, or names this key but does not verify.
        """
        if not line.startswith(_SIG_PREFIX) or line.count(" ") != 2:
            raise NoteError(f"cosignature: malformed signature line {line!r}")
        name, b64_sig = line[len(_SIG_PREFIX) :].split(" ")
        raw = decode_base64(b64_sig, "cosignature")
        if name != self.name or raw[:4] != self.key_id:
            return None
        if len(raw) != 4 + 8 + 64:
            raise NoteError(f"cosignature by {self.name}: not key id, time and Ed25519 signature")
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        if timestamp > _MAX_TIME:
            raise NoteError(f"cosignature by {self.name}: time beyond 2^63 - 1")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                raw[12:], signed_message(checkpoint_body, timestamp)
            )
        except InvalidSignature:
            raise NoteError(f"cosignature by {self.name}: does not verify") from None
        return timestamp


class Cosigner:
    """A witness's Ed25519 private key and name; ``repr`` never shows the key."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._private_key = private_key
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = CosignerKey(name, cosigner_key_id(name, public), public)

    def cosign(self, checkpoint_body: str, timestamp: int) -> str:
        """The cosignature line (without its newline) over a checkpoint's note body."""
        if not 0 <= timestamp <= _MAX_TIME:
            raise ValueError("cosignature time outside 0 .. 2^63 - 1")
        signature = self._private_key.sign(signed_message(checkpoint_body, timestamp))
        raw = self.verifier.key_id + struct.pack(">Q", timestamp) + signature
        return f"{_SIG_PREFIX}{self.name} {base64.b64encode(raw).decode()}"

    def __repr__(self) -> str:
        return f"Cosigner({str(self.verifier)!r})"


def witnessed_by(
    checkpoint_body: str, cosignatures: Sequence[Any], witnesses: Sequence[CosignerKey]
) -> dict[str, int]:
    """The named witnesses with a valid cosignature of the body: their names and times.

    ``cosignatures`` are a bundle's entries (``witness_key`` and ``signature``);
    the line is checked against each pinned witness key, never against the key
    the entry carries. Lines by other witnesses are ignored, as the spec says; a
    malformed entry or a bad signature under a pinned name and key id raises.
    """
    found: dict[str, int] = {}
    for position, entry in enumerate(cosignatures):
        if not isinstance(entry, dict) or not isinstance(entry.get("signature"), str):
            raise NoteError(f"cosignature {position}: not an object with a 'signature' line")
        for witness in witnesses:
            timestamp = witness.verify(checkpoint_body, entry["signature"])
            if timestamp is not None:
                found[str(witness)] = timestamp
    return found
