"""The export bundle of contracts/custody-bundle.md: building it, and checking it offline.

The verifier trusts nothing in the bundle but the checkpoint's signature under a
key the auditor pins (``--key``). Everything else — leaves, decoded events,
indices, proofs — is recomputed and compared, and the first entry that does not
check is reported by its index with what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from custody.cosignature import CosignerKey, witnessed_by
from custody.event import CustodyEvent, EventError, decode_leaf
from custody.merkle import ProofError, leaf_hash, root_from_leaf_hashes, verify_inclusion
from custody.note import Checkpoint, NoteError, VerifierKey, verify_checkpoint

FORMAT = "arna-custody-bundle/1"


class BundleFormatError(ValueError):
    """The bundle cannot be read at all (not a bundle, or a bad pinned key): exit 2."""


@dataclass(frozen=True)
class Problem:
    """The first thing that does not check: an entry index (None for the bundle as a whole)."""

    index: int | None
    message: str

    def __str__(self) -> str:
        where = "bundle" if self.index is None else f"entry {self.index}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class BundleReport:
    """What was checked, and the first problem if any."""

    checkpoint: Checkpoint | None
    entries: int
    whole_log: bool
    key_from_bundle: bool
    problem: Problem | None
    witnessed: tuple[str, ...] = ()  # the named witnesses whose cosignatures verify

    @property
    def ok(self) -> bool:
        """True when every entry and the checkpoint check."""
        return self.problem is None


def build_bundle(
    *,
    verifier_key: str,
    checkpoint_note: str,
    entries: Iterable[tuple[int, bytes]],
    proofs: Sequence[tuple[int, Sequence[bytes]]] = (),
) -> dict[str, Any]:
    """The bundle as a JSON-ready dict; ``proofs`` are given for one-letter exports only."""
    checkpoint = Checkpoint.parse(checkpoint_note[: checkpoint_note.rfind("\n\n") + 1])
    return {
        "format": FORMAT,
        "origin": checkpoint.origin,
        "verifier_key": verifier_key,
        "checkpoint": checkpoint_note,
        "entries": [bundle_entry(index, leaf) for index, leaf in entries],
        "proofs": [
            {"index": index, "inclusion": [base64.b64encode(h).decode() for h in path]}
            for index, path in proofs
        ],
    }


def bundle_entry(index: int, leaf: bytes) -> dict[str, Any]:
    """One entry of a bundle: the index, the exact leaf bytes, and the event they encode."""
    return {"index": index, "leaf": base64.b64encode(leaf).decode(), "event": json.loads(leaf)}


_ENTRIES = '\n "entries": []'


def iter_bundle_json(
    *,
    verifier_key: str,
    checkpoint_note: str,
    entries: Iterable[tuple[int, bytes]],
    proofs: Sequence[tuple[int, Sequence[bytes]]] = (),
    additions: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """The bundle's JSON text, piece by piece, holding one entry at a time.

    The text is exactly ``json.dump(build_bundle(...) | additions, ensure_ascii=False,
    indent=1)`` followed by a newline: the bundle without entries is written
    around the entries, each dumped on its own and indented to its depth (JSON
    strings hold no raw newlines, so indenting line by line is safe). ``additions``
    are the contract's optional top-level fields (cosignatures, time-stamps).
    """
    frame = build_bundle(
        verifier_key=verifier_key, checkpoint_note=checkpoint_note, entries=(), proofs=proofs
    ) | dict(additions or {})
    before, after = json.dumps(frame, ensure_ascii=False, indent=1).split(_ENTRIES, 1)
    yield before + _ENTRIES[:-1]
    separator = "\n"
    for index, leaf in entries:
        text = json.dumps(bundle_entry(index, leaf), ensure_ascii=False, indent=1)
        yield separator + "  " + text.replace("\n", "\n  ")
        separator = ",\n"
    yield ("]" if separator == "\n" else "\n ]") + after + "\n"


def _field(bundle: dict[str, Any], name: str, kind: type) -> Any:
    value = bundle.get(name)
    if not isinstance(value, kind):
        raise BundleFormatError(f"bundle: {name!r} is missing or not a {kind.__name__}")
    return value


class _Failed(Exception):
    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(index, message)


def _entry_leaf(
    entry: Any, expected_index: int | None, position: int
) -> tuple[int, bytes, CustodyEvent]:
    """Check one entry on its own; return its index, leaf bytes and event.

    In a whole-log bundle position p must hold entry p. When it does not, the
    first bad index is the smaller of the two: entry p is missing (deleted,
    moved later, swapped), or an earlier entry appears a second time (inserted).
    """
    if not isinstance(entry, dict) or set(entry) != {"index", "leaf", "event"}:
        raise _Failed(expected_index, f"entry at position {position} is not index/leaf/event")
    index = entry["index"]
    if not isinstance(index, int) or isinstance(index, bool):
        raise _Failed(expected_index, f"entry at position {position} has no integer index")
    if expected_index is not None and index > expected_index:
        raise _Failed(expected_index, f"is missing: position {position} holds entry {index}")
    if expected_index is not None and index < expected_index:
        raise _Failed(index, f"appears a second time, at position {position}")
    try:
        leaf = base64.b64decode(str(entry["leaf"]).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Failed(index, "leaf is not standard base64") from None
    try:
        event = decode_leaf(leaf)
    except EventError as exc:
        raise _Failed(index, str(exc)) from None
    if event.index != index:
        raise _Failed(index, f"its leaf records index {event.index}")
    if entry["event"] != event.to_dict():
        raise _Failed(index, "the decoded event differs from its leaf")
    return index, leaf, event


def _check_whole(entries: list[Any], checkpoint: Checkpoint) -> None:
    hashes = []
    for position, entry in enumerate(entries):
        if position >= checkpoint.size:
            raise _Failed(position, f"is beyond the checkpoint's size {checkpoint.size}")
        _, leaf, _ = _entry_leaf(entry, position, position)
        hashes.append(leaf_hash(leaf))
    if len(hashes) < checkpoint.size:
        raise _Failed(len(hashes), f"is missing: the checkpoint's size is {checkpoint.size}")
    if root_from_leaf_hashes(hashes) != checkpoint.root_hash:
        raise _Failed(
            None,
            "every entry is well-formed but together they do not hash to the signed root: "
            "an entry was rewritten consistently (leaf and event); a single tree head "
            "cannot say which — `flask custody verify` on the live log, which keeps every "
            "checkpoint, or one-letter exports with inclusion proofs locate it",
        )


def _decode_proof(proof: Any) -> tuple[int, list[bytes]]:
    if not isinstance(proof, dict) or set(proof) != {"index", "inclusion"}:
        raise _Failed(None, "a proof is not index/inclusion")
    index, path = proof["index"], proof["inclusion"]
    if not isinstance(index, int) or not isinstance(path, list):
        raise _Failed(None, "a proof has no integer index or no hash list")
    try:
        return index, [base64.b64decode(str(h).encode("ascii"), validate=True) for h in path]
    except (binascii.Error, UnicodeEncodeError):
        raise _Failed(index, "its inclusion proof is not base64") from None


def _check_letter(entries: list[Any], proofs: list[Any], checkpoint: Checkpoint) -> None:
    """Each entry is proved in the log; together they must tell one letter's unbroken story.

    Inclusion proofs cannot show that an event was left out, so the events must
    chain: each one starts in the state the previous one left the letter in, and
    the first one starts before the letter existed.
    """
    by_index: dict[int, list[bytes]] = {}
    for proof in proofs:
        index, path = _decode_proof(proof)
        if index in by_index:
            raise _Failed(index, "has two inclusion proofs")
        by_index[index] = path
    previous: tuple[int, CustodyEvent] | None = None
    for position, entry in enumerate(entries):
        index, leaf, event = _entry_leaf(entry, None, position)
        if previous is not None and index <= previous[0]:
            raise _Failed(index, f"is out of order after entry {previous[0]}")
        if previous is not None and event.registry_number != previous[1].registry_number:
            raise _Failed(index, "is about another letter than the entries before it")
        expected_state = previous[1].state_after if previous is not None else None
        if event.state_before != expected_state:
            after = f"entry {previous[0]}" if previous is not None else "the letter's creation"
            raise _Failed(
                index,
                f"starts in state {event.state_before!r}, but {after} left it in "
                f"{expected_state!r}: an event between them is missing",
            )
        previous = index, event
        if index not in by_index:
            raise _Failed(index, "has no inclusion proof")
        try:
            verify_inclusion(
                leaf_hash(leaf), index, checkpoint.size, by_index.pop(index), checkpoint.root_hash
            )
        except ProofError as exc:
            raise _Failed(index, f"is not in the signed log: {exc}") from None
    if by_index:
        raise _Failed(min(by_index), "has a proof but no entry")


def verify_bundle(
    bundle: Any,
    *,
    verifier_key: str | None = None,
    witnesses: Sequence[CosignerKey] = (),
    quorum: int = 0,
) -> BundleReport:
    """Check a decoded bundle against the pinned key (or, weaker, the key it carries).

    A bundle with no proofs is a whole-log export: its entries must be exactly
    0 .. size-1 and hash to the signed root. A bundle with proofs is a
    one-letter export: each entry must come with an inclusion proof. With
    ``quorum`` K, K of the named ``witnesses`` must have cosigned the checkpoint
    (C2SP tlog-cosignature): a log rolled back or forked after they saw it cannot
    get their cosignatures again.
    """
    if not isinstance(bundle, dict):
        raise BundleFormatError("bundle: not a JSON object")
    if bundle.get("format") != FORMAT:
        raise BundleFormatError(f"bundle: format is not {FORMAT!r}")
    origin = _field(bundle, "origin", str)
    note = _field(bundle, "checkpoint", str)
    entries = _field(bundle, "entries", list)
    proofs = bundle.get("proofs", [])
    if not isinstance(proofs, list):
        raise BundleFormatError("bundle: 'proofs' is not a list")
    cosignatures = bundle.get("cosignatures", [])
    if not isinstance(cosignatures, list):
        raise BundleFormatError("bundle: 'cosignatures' is not a list")
    if not 0 <= quorum <= len(witnesses):
        raise BundleFormatError(
            f"--quorum {quorum}: name at least that many witnesses with --witness"
        )
    try:
        pinned = VerifierKey.parse(verifier_key) if verifier_key is not None else None
    except NoteError as exc:
        raise BundleFormatError(f"--key: {exc}") from exc
    whole = not proofs

    def report(
        checkpoint: Checkpoint | None, problem: Problem | None, witnessed: Sequence[str] = ()
    ) -> BundleReport:
        return BundleReport(
            checkpoint, len(entries), whole, pinned is None, problem, tuple(witnessed)
        )

    try:
        carried = VerifierKey.parse(_field(bundle, "verifier_key", str))
    except NoteError as exc:
        return report(None, Problem(None, str(exc)))
    if pinned is not None and carried != pinned:
        return report(None, Problem(None, f"the bundle names key {carried}, not the pinned one"))
    try:
        checkpoint = verify_checkpoint(note, pinned or carried, origin)
    except NoteError as exc:
        return report(None, Problem(None, str(exc)))
    try:
        witnessed = sorted(witnessed_by(checkpoint.body(), cosignatures, witnesses))
    except NoteError as exc:
        return report(checkpoint, Problem(None, str(exc)))
    if len(witnessed) < quorum:
        return report(
            checkpoint,
            Problem(
                None,
                f"{len(witnessed)} of the {quorum} cosignatures required from the named "
                "witnesses: the checkpoint was not witnessed (a rolled-back or forked log "
                "cannot be)",
            ),
            witnessed,
        )
    try:
        if whole:
            _check_whole(entries, checkpoint)
        else:
            _check_letter(entries, proofs, checkpoint)
    except _Failed as failed:
        return report(checkpoint, failed.problem, witnessed)
    return report(checkpoint, None, witnessed)
