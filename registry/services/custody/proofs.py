"""Reading the log: checkpoints, a letter's entries, proofs, export bundles, a letter's timeline."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from custody.bundle import build_bundle, iter_bundle_json
from custody.event import CustodyEvent, EventError, decode_leaf
from custody.merkle import ProofError, leaf_hash, verify_inclusion
from custody.note import Checkpoint, NoteError, VerifierKey, verify_checkpoint
from custody.tree import MerkleTree
from registry.models.custody import (
    HEAD_ID,
    CustodyCheckpoint,
    CustodyEntry,
    CustodyHead,
    CustodyRefusalReason,
)
from registry.models.proof import (
    CHECKPOINT_TIMESTAMP,
    SIGNATURE_TIMESTAMP,
    Cosignature,
    Evidence,
)
from registry.services.custody.keys import verifier_key
from registry.services.custody.store import (
    CHUNK,
    CustodyStateError,
    DbTreeStore,
    Reader,
    raw_bytes,
)
from registry.services.errors import NotFound


def latest_checkpoint(session: Session) -> CustodyCheckpoint | None:
    """The newest signed checkpoint, or None for an empty log."""
    return session.scalar(
        select(CustodyCheckpoint).order_by(CustodyCheckpoint.size.desc()).limit(1)
    )


def require_checkpoint(session: Session, size: int | None = None) -> CustodyCheckpoint:
    found = latest_checkpoint(session) if size is None else session.get(CustodyCheckpoint, size)
    if found is None:
        raise NotFound("the custody log has no checkpoint" + (f" of size {size}" if size else ""))
    return found


def letter_entries(
    session: Session, registry_number: str, size: int | None = None
) -> list[tuple[int, bytes]]:
    """(index, leaf) of a letter's events, in log order, up to ``size`` leaves."""
    query = select(CustodyEntry.index, CustodyEntry.leaf).where(
        CustodyEntry.registry_number == registry_number
    )
    if size is not None:
        query = query.where(CustodyEntry.index < size)
    return [(index, raw_bytes(leaf)) for index, leaf in session.execute(query.order_by("index"))]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size``, from stored nodes."""
    return MerkleTree(DbTreeStore(session, size)).inclusion_proof(index, size)


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 consistency proof from ``size1`` to ``size2`` (both at most the log's size)."""
    head = session.execute(select(CustodyHead.size).where(CustodyHead.id == HEAD_ID)).scalar_one()
    if size2 > head:
        raise ProofError(f"tree size {size2} is beyond the log's {head}")
    return MerkleTree(DbTreeStore(session, size2)).consistency_proof(size1, size2)


def _all_entries(session: Session, size: int) -> Iterator[tuple[int, bytes]]:
    rows = session.execute(
        select(CustodyEntry.index, CustodyEntry.leaf)
        .where(CustodyEntry.index < size)
        .order_by(CustodyEntry.index)
        .execution_options(yield_per=CHUNK)
    )
    for index, leaf in rows:
        yield index, raw_bytes(leaf)


def export_bundle(
    session: Session, registry_number: str | None = None, *, size: int | None = None
) -> dict[str, object]:
    """The bundle of contracts/custody-bundle.md against the latest checkpoint (or ``size``'s).

    Whole log: every entry and no proofs. One letter: its entries, each with an
    inclusion proof, and NotFound when the log holds no event of it. The
    checkpoint's witness cosignatures and time-stamps, and the letter's
    signature time-stamps, are added as the contract's optional fields.
    """
    checkpoint = require_checkpoint(session, size)
    key = verifier_key(session)
    if key is None:
        raise NotFound("the custody log has no key")
    if registry_number is None:
        bundle = build_bundle(
            verifier_key=key,
            checkpoint_note=checkpoint.note,
            entries=_all_entries(session, checkpoint.size),
        )
    else:
        entries = letter_entries(session, registry_number, checkpoint.size)
        if not entries:
            raise NotFound(f"the custody log has no event of {registry_number}")
        tree = MerkleTree(DbTreeStore(session, checkpoint.size))
        proofs = [(index, tree.inclusion_proof(index, checkpoint.size)) for index, _ in entries]
        bundle = build_bundle(
            verifier_key=key, checkpoint_note=checkpoint.note, entries=entries, proofs=proofs
        )
    return bundle | _additions(session, checkpoint.size, registry_number)


def _additions(session: Session, size: int, registry_number: str | None) -> dict[str, object]:
    """The bundle's optional ``cosignatures`` and ``timestamps`` (only those that exist)."""
    cosignatures = [
        {"witness_key": witness_key, "signature": signature}
        for witness_key, signature in session.execute(
            select(Cosignature.witness_key, Cosignature.signature)
            .where(Cosignature.size == size)
            .order_by(Cosignature.witness_key)
        )
    ]
    covered = Evidence.kind == CHECKPOINT_TIMESTAMP
    if registry_number is not None:
        covered = or_(
            covered & (Evidence.ref == size),
            (Evidence.kind == SIGNATURE_TIMESTAMP) & (Evidence.registry_number == registry_number),
        )
    else:
        covered = covered & (Evidence.ref == size)
    timestamps = []
    seen: set[tuple[str, int | None]] = set()
    for kind, ref, data in session.execute(
        select(Evidence.kind, Evidence.ref, Evidence.data).where(covered).order_by(Evidence.id)
    ):
        if (kind, ref) in seen:  # two workers stamped the same checkpoint: keep the first
            continue
        seen.add((kind, ref))
        token = base64.b64encode(raw_bytes(data)).decode()
        if kind == CHECKPOINT_TIMESTAMP:
            timestamps.append({"covers": "checkpoint", "size": ref, "token": token})
        else:
            timestamps.append(
                {
                    "covers": "signature-value",
                    "registry_number": registry_number,
                    "signature": ref,
                    "token": token,
                }
            )
    additions: dict[str, object] = {}
    if cosignatures:
        additions["cosignatures"] = cosignatures
    if timestamps:
        additions["timestamps"] = timestamps
    return additions


@dataclass(frozen=True)
class BundleText:
    """An export bundle as JSON text to write piece by piece, and how many entries it holds."""

    entries: int
    pieces: Iterator[str]


def export_text(
    read: Reader, registry_number: str | None = None, *, chunk: int = CHUNK
) -> BundleText:
    """The bundle of :func:`export_bundle` as the text ``json.dump(bundle, ensure_ascii=False,
    indent=1)`` writes, and a newline.

    The whole log streams: its entries are read ``chunk`` at a time, each read in the
    short transaction ``read`` gives, so memory stays flat and writers go on. The
    checkpoint and key are read at once (NotFound then, before any text); the
    entries follow up to that checkpoint's size, whatever is appended meanwhile.
    """
    if registry_number is not None:
        bundle = read(lambda session: export_bundle(session, registry_number))
        text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
        return BundleText(len(bundle["entries"]), iter([text]))  # type: ignore[arg-type]
    size, note, key = read(_export_head)
    additions = read(lambda session: _additions(session, size, None))
    entries = _chunked_entries(read, size, chunk)
    return BundleText(
        size,
        iter_bundle_json(
            verifier_key=key, checkpoint_note=note, entries=entries, additions=additions
        ),
    )


def _export_head(session: Session) -> tuple[int, str, str]:
    checkpoint = require_checkpoint(session)
    key = verifier_key(session)
    if key is None:
        raise NotFound("the custody log has no key")
    return checkpoint.size, checkpoint.note, key


def _chunked_entries(read: Reader, size: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    for start in range(0, size, chunk):
        query = (
            select(CustodyEntry.index, CustodyEntry.leaf)
            .where(CustodyEntry.index >= start, CustodyEntry.index < min(start + chunk, size))
            .order_by(CustodyEntry.index)
        )
        for index, leaf in read(lambda session, q=query: session.execute(q).all()):
            yield index, raw_bytes(leaf)


def checkpoints_page(
    session: Session, *, before: int | None = None, limit: int = 50
) -> list[CustodyCheckpoint]:
    """Stored checkpoints, newest first, below size ``before`` (for paging)."""
    query = select(CustodyCheckpoint).order_by(CustodyCheckpoint.size.desc()).limit(limit)
    if before is not None:
        query = query.where(CustodyCheckpoint.size < before)
    return list(session.scalars(query))


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a letter and whether it is proved to be in the signed log."""

    index: int
    event: CustodyEvent | None
    verified: bool
    problem: str | None


def letter_timeline(
    session: Session, registry_number: str
) -> tuple[Checkpoint, list[TimelineEntry]]:
    """A letter's events, each checked by inclusion proof against the latest signed checkpoint.

    The checkpoint's signature is checked with the log key the database holds;
    an auditor who distrusts the database checks an export with a pinned key.
    """
    stored = require_checkpoint(session)
    key = verifier_key(session)
    if key is None:
        raise NotFound("the custody log has no key")
    try:
        checkpoint = verify_checkpoint(stored.note, VerifierKey.parse(key))
    except NoteError as exc:
        raise CustodyStateError(f"the latest checkpoint does not verify: {exc}") from None
    entries = letter_entries(session, registry_number, checkpoint.size)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    tree = MerkleTree(DbTreeStore(session, checkpoint.size))
    timeline = []
    for index, leaf in entries:
        event: CustodyEvent | None = None
        try:
            event = decode_leaf(leaf)
            if event.index != index:
                raise EventError(f"its leaf records index {event.index}")
            verify_inclusion(
                leaf_hash(leaf),
                index,
                checkpoint.size,
                tree.inclusion_proof(index, checkpoint.size),
                checkpoint.root_hash,
            )
        except (EventError, ProofError, KeyError) as exc:
            timeline.append(TimelineEntry(index, event, False, str(exc)))
            continue
        timeline.append(TimelineEntry(index, event, True, None))
    return checkpoint, timeline


def refusal_reasons(session: Session, indices: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(code, message) of the refused attempts among the events ``indices``, by index: what
    the person was told, kept beside the log (``CustodyRefusalReason``)."""
    wanted = list(indices)
    if not wanted:
        return {}
    rows = session.scalars(
        select(CustodyRefusalReason).where(CustodyRefusalReason.index.in_(wanted))
    )
    return {row.index: (row.code, row.message) for row in rows}
