"""C2SP tlog-checkpoint tree heads, signed as C2SP signed-notes with Ed25519.

Using the public formats (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note)
means an auditor can check Arna's tree heads with any independent tool, e.g.
golang.org/x/mod/sumdb/note, instead of trusting code Arna shipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custody.merkle import HASH_SIZE

ED25519_ALG = b"\x01"
_SIG_PREFIX = "\u2014 "  # em dash and a space start every signature line
_MAX_SIGNATURES = 100
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note, checkpoint or key is malformed or its signature does not verify."""


def decode_base64(text: str, what: str) -> bytes:
    """Strict standard base64 (no stray characters); NoteError naming ``what`` otherwise."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"{what}: not standard base64") from exc


def check_key_name(name: str) -> None:
    """A signed-note key name: non-empty, no '+', no spaces or control characters."""
    if not name or "+" in name or any(c.isspace() or ord(c) < 0x20 for c in name):
        raise NoteError(f"key name {name!r}: empty, or has '+', spaces or control characters")


def key_id(name: str, public_key: bytes, alg: bytes = ED25519_ALG) -> bytes:
    """The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ alg ‖ public key)[:4] (signed-note; Ed25519
    note keys are type 0x01, C2SP cosignature keys 0x04)."""
    return hashlib.sha256(name.encode() + b"\n" + alg + public_key).digest()[:4]


def parse_key_text(text: str, alg: bytes, what: str) -> tuple[str, bytes, bytes]:
    """``<name>+<hex key id>+<base64(alg ‖ Ed25519 key)>`` as (name, key id, key), checked."""
    parts = text.strip().split("+", 2)  # base64 may itself contain '+'
    if len(parts) != 3:
        raise NoteError(f"{what}: not <name>+<hex key id>+<base64 key>")
    name, hex_id, b64_key = parts
    check_key_name(name)
    raw = decode_base64(b64_key, what)
    if len(raw) != 33 or raw[:1] != alg:
        raise NoteError(f"{what}: not an Ed25519 key of type 0x{alg.hex()} (and 32 bytes)")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"{what}: key id is not 8 lower-case hex digits")
    if key_id(name, raw[1:], alg) != bytes.fromhex(hex_id):
        raise NoteError(f"{what}: key id does not match the name and key")
    return name, bytes.fromhex(hex_id), raw[1:]


@dataclass(frozen=True)
class VerifierKey:
    """A public key with its name, as in ``<name>+<hex key id>+<base64(0x01 ‖ key)>``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Parse a verifier key, checking that its key ID matches its name and key."""
        name, identifier, public_key = parse_key_text(text, ED25519_ALG, "verifier key")
        return cls(name=name, key_id=identifier, public_key=public_key)

    def __str__(self) -> str:
        encoded = base64.b64encode(ED25519_ALG + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


class LogKey:
    """The log's Ed25519 signing key and the name its signatures carry.

    ``repr`` never shows the key, so a stray log line cannot leak it.
    """

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._private_key = private_key
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = VerifierKey(name=name, key_id=key_id(name, public), public_key=public)

    @classmethod
    def generate(cls, name: str) -> LogKey:
        """A fresh key (bootstrap and tests)."""
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def private_key(self) -> Ed25519PrivateKey:
        """The private key, for storing it encrypted at rest."""
        return self._private_key

    @property
    def verifier_key(self) -> str:
        """The verifier key string auditors pin (``--key``)."""
        return str(self.verifier)

    def sign_note(self, text: str) -> str:
        """Sign a note body (which must end in a newline) and return the whole note."""
        _check_text(text)
        signature = self._private_key.sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{_SIG_PREFIX}{self.name} {encoded}\n"

    def __repr__(self) -> str:
        return f"LogKey({self.verifier_key!r})"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text does not end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text has control characters")


def verify_note(note: str, verifier: VerifierKey) -> str:
    """The note's text if ``verifier`` signed it; raise otherwise.

    Signatures by other keys are ignored, as the spec says; a note needs one good
    signature by ours, and a bad signature under our name and key ID is an error.
    """
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("note: no blank line before the signatures")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    _check_text(text)
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"note: more than {_MAX_SIGNATURES} signatures")
    public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    verified = False
    for line in lines:
        if not line.startswith(_SIG_PREFIX) or line.count(" ") != 2:
            raise NoteError(f"note: malformed signature line {line!r}")
        name, b64_sig = line[len(_SIG_PREFIX) :].split(" ")
        raw = decode_base64(b64_sig, "note signature")
        if len(raw) < 5:
            raise NoteError("note: signature too short")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        try:
            public.verify(raw[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"note: the signature by {verifier} does not verify") from exc
        verified = True
    if not verified:
        raise NoteError(f"note: not signed by {verifier}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin, size and root hash (C2SP tlog-checkpoint, no extension lines)."""

    origin: str
    size: int
    root_hash: bytes

    def body(self) -> str:
        """The note text that gets signed."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text; extension lines are refused (Arna writes none)."""
        lines = text.split("\n")
        if len(lines) != 4 or lines[3] != "":
            raise NoteError("checkpoint: not exactly origin, size and root lines")
        origin, size, root = lines[:3]
        if not origin:
            raise NoteError("checkpoint: empty origin")
        if not _DECIMAL.fullmatch(size):
            raise NoteError("checkpoint: size is not a decimal number")
        root_hash = decode_base64(root, "checkpoint root")
        if len(root_hash) != HASH_SIZE:
            raise NoteError("checkpoint: root is not a 32-byte hash")
        return cls(origin=origin, size=int(size), root_hash=root_hash)


def sign_checkpoint(key: LogKey, checkpoint: Checkpoint) -> str:
    """The signed checkpoint note."""
    return key.sign_note(checkpoint.body())


def verify_checkpoint(note: str, verifier: VerifierKey, origin: str | None = None) -> Checkpoint:
    """The checkpoint ``verifier`` signed; raise if unsigned, malformed or for another origin."""
    checkpoint = Checkpoint.parse(verify_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint: origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint
