"""A small real log (events, Ed25519 key, signed checkpoint) built without Flask or a database."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from custody.bundle import build_bundle
from custody.event import Actor, CustodyEvent, canonical_bytes
from custody.note import Checkpoint, LogKey, sign_checkpoint
from custody.tree import build_tree

ORIGIN = "arna.test/custody"
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")
CLERK = Actor(user="clerk.mfa", role="mfa_clerk", agency="MFA")
# One letter's route through MFA (¶44), interleaved with other letters' events.
LIFE = (
    ("letter:registered", None, "registered", OFFICER),
    ("letter:signed", "registered", "signed", OFFICER),
    ("letter:submitted", "signed", "submitted", OFFICER),
    ("letter:received", "submitted", "received", CLERK),
    ("letter:dispatched", "received", "dispatched", CLERK),
)


@dataclass
class Log:
    key: LogKey
    leaves: list[bytes]
    events: list[CustodyEvent]

    def checkpoint_note(self, size: int | None = None, key: LogKey | None = None) -> str:
        size = len(self.leaves) if size is None else size
        root = build_tree(self.leaves[:size]).root(size)
        return sign_checkpoint(key or self.key, Checkpoint(ORIGIN, size, root))

    def whole(self) -> dict[str, Any]:
        return build_bundle(
            verifier_key=self.key.verifier_key,
            checkpoint_note=self.checkpoint_note(),
            entries=list(enumerate(self.leaves)),
        )

    def letter(self, number: str) -> dict[str, Any]:
        tree = build_tree(self.leaves)
        picked = [e.index for e in self.events if e.registry_number == number]
        return build_bundle(
            verifier_key=self.key.verifier_key,
            checkpoint_note=self.checkpoint_note(),
            entries=[(i, self.leaves[i]) for i in picked],
            proofs=[(i, tree.inclusion_proof(i)) for i in picked],
        )


def make_log(letters: int = 4) -> Log:
    events: list[CustodyEvent] = []
    for step in LIFE:
        for n in range(1, letters + 1):
            action, before, after, actor = step
            events.append(
                CustodyEvent(
                    index=len(events),
                    time=f"2026-11-25T10:{len(events):02d}:00.000000Z",
                    actor=actor,
                    action=action,
                    registry_number=f"MINHEALTH-2026-{n:06d}",
                    letter_sha256=f"{n:02x}" * 32,
                    state_before=before,
                    state_after=after,
                )
            )
    return Log(LogKey.generate(ORIGIN), [canonical_bytes(e) for e in events], events)


@pytest.fixture(scope="session")
def small_log() -> Log:
    return make_log()


@pytest.fixture
def log(small_log: Log) -> Log:
    """A copy each test may change freely."""
    return copy.deepcopy(small_log)
