"""A C2SP tlog-witness: cosigns a log's checkpoint only when it extends the last one it cosigned.

https://c2sp.org/tlog-witness. The request body of ``add-checkpoint`` is
``old <size>``, the consistency proof (one base64 hash a line), a blank line and
the signed checkpoint. The witness keeps, per log origin, the size and root hash
of the latest checkpoint it cosigned in a small JSON state file, replaced
atomically; checking the old size and persisting the new state happen under one
lock, as the spec requires, so two racing requests can never roll it back.

Statuses are the spec's: 400 malformed (or old size beyond the checkpoint),
403 not signed by the log's key, 404 unknown origin, 409 the old size is not the
witness's (body: its size, ``text/x.tlog.size``) or the same size with another
root, 422 the consistency proof does not verify.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from custody.cosignature import Cosigner
from custody.merkle import ProofError, verify_consistency
from custody.note import Checkpoint, NoteError, VerifierKey, verify_checkpoint

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]*)")


class WitnessRequestError(ValueError):
    """An add-checkpoint body that cannot be parsed."""


@dataclass(frozen=True)
class AddCheckpoint:
    """One add-checkpoint request: the old size, the proof from it, and the signed note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> bytes:
        """The request body."""
        lines = [f"old {self.old_size}"]
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return ("\n".join(lines) + "\n\n" + self.note).encode()

    @classmethod
    def decode(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body; raise WitnessRequestError naming what is wrong."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WitnessRequestError("request body is not UTF-8") from None
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise WitnessRequestError("no blank line between the proof and the checkpoint")
        lines = head.split("\n")
        match = _OLD.fullmatch(lines[0])
        if match is None:
            raise WitnessRequestError("the first line is not 'old <decimal size>'")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise WitnessRequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            proof = tuple(base64.b64decode(line, validate=True) for line in lines[1:])
        except binascii.Error:
            raise WitnessRequestError("a consistency proof line is not base64") from None
        return cls(int(match.group(1)), proof, note)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode())


class StateFile:
    """Per origin, the size and root of the latest cosigned checkpoint, in a JSON file.

    Written to a temporary file, flushed to disk and renamed over the old one, so
    a crash leaves either the old state or the new one, never half of either.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: dict[str, dict[str, object]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def get(self, origin: str) -> tuple[int, bytes] | None:
        """(size, root hash) last cosigned for ``origin``, or None."""
        entry = self._state.get(origin)
        if entry is None:
            return None
        return int(str(entry["size"])), base64.b64decode(str(entry["root"]))

    def put(self, origin: str, checkpoint: Checkpoint) -> None:
        """Record ``checkpoint`` as the latest cosigned for its origin, durably."""
        state = dict(self._state)
        state[origin] = {
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root_hash).decode(),
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w") as out:
            json.dump(state, out, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)
        self._state = state


class Witness:
    """The witness's decisions, free of HTTP: :meth:`add_checkpoint` maps a body to an answer."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Sequence[VerifierKey],
        state: StateFile,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cosigner = cosigner
        self.logs = {key.name: key for key in logs}  # Arna's log key is named by its origin
        self.state = state
        self._clock = clock
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> Answer:
        """Check a request and, when it extends what was cosigned, cosign and remember it."""
        if len(body) > MAX_REQUEST_BYTES:
            return _text(400, f"request larger than {MAX_REQUEST_BYTES} bytes")
        try:
            request = AddCheckpoint.decode(body)
            origin = request.note.split("\n", 1)[0]
            log_key = self.logs.get(origin)
            if log_key is None:
                return _text(404, f"unknown log {origin!r}")
            checkpoint = verify_checkpoint(request.note, log_key, origin)
        except WitnessRequestError as exc:
            return _text(400, str(exc))
        except NoteError as exc:
            unsigned = "not signed by" in str(exc) or "does not verify" in str(exc)
            return _text(403 if unsigned else 400, str(exc))
        if request.old_size > checkpoint.size:
            return _text(400, f"old size {request.old_size} is beyond the checkpoint's size")
        if request.old_size == 0 and request.proof:
            return _text(400, "a proof from size 0 must be empty")
        with self._lock:
            known = self.state.get(origin)
            size, root = known if known is not None else (0, b"")
            if request.old_size != size:
                return Answer(409, SIZE_CONTENT_TYPE, f"{size}\n".encode())
            if size == checkpoint.size and root != checkpoint.root_hash:
                return _text(409, f"another root hash for size {size}: the log forked")
            if 0 < size < checkpoint.size:
                try:
                    verify_consistency(
                        size, checkpoint.size, request.proof, root, checkpoint.root_hash
                    )
                except ProofError as exc:
                    return _text(422, f"consistency proof: {exc}")
            self.state.put(origin, checkpoint)
            line = self.cosigner.cosign(checkpoint.body(), int(self._clock()))
        return Answer(200, "text/plain; charset=utf-8", (line + "\n").encode())
