"""The "verified up to N" mark: a signed note saying the log's first N events were verified.

Its body cannot be mistaken for a checkpoint (the second line is not a tree
size), although the log key signs both:

    <origin>
    verified-up-to <size>
    <base64 root hash of the first <size> events>
    <UTC time of the verification, ISO 8601 with Z>

An incremental verification starts from the latest mark whose signature checks,
from the border of that size, which must fold to the mark's root.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from custody.merkle import HASH_SIZE
from custody.note import LogKey, NoteError, VerifierKey, verify_note

_SIZE_PREFIX = "verified-up-to "


@dataclass(frozen=True)
class VerifiedMark:
    """The log of ``size`` events with ``root_hash`` was verified at ``time``."""

    origin: str
    size: int
    root_hash: bytes
    time: str

    def body(self) -> str:
        """The note text the log key signs."""
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{_SIZE_PREFIX}{self.size}\n{root}\n{self.time}\n"

    @classmethod
    def parse(cls, text: str) -> VerifiedMark:
        """Parse a mark's note text."""
        lines = text.split("\n")
        if len(lines) != 5 or lines[4] != "" or not lines[1].startswith(_SIZE_PREFIX):
            raise NoteError("verified mark: not origin, verified-up-to, root and time lines")
        size = lines[1][len(_SIZE_PREFIX) :]
        if not size.isdecimal() or not size.isascii():
            raise NoteError("verified mark: size is not a decimal number")
        try:
            root = base64.b64decode(lines[2].encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise NoteError("verified mark: root is not standard base64") from exc
        if len(root) != HASH_SIZE:
            raise NoteError("verified mark: root is not a 32-byte hash")
        return cls(origin=lines[0], size=int(size), root_hash=root, time=lines[3])


def sign_mark(key: LogKey, mark: VerifiedMark) -> str:
    """The signed mark note."""
    return key.sign_note(mark.body())


def verify_mark(note: str, verifier: VerifierKey) -> VerifiedMark:
    """The mark ``verifier`` signed for its own origin; raise NoteError otherwise."""
    mark = VerifiedMark.parse(verify_note(note, verifier))
    if mark.origin != verifier.name:
        raise NoteError(f"verified mark: origin {mark.origin!r} is not {verifier.name!r}")
    return mark
