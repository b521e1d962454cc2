"""The compact range a streaming verifier keeps, and the signed "verified up to N" mark."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custody.compact import CompactRange
from custody.mark import VerifiedMark, sign_mark, verify_mark
from custody.merkle import leaf_hash, root_from_leaves
from custody.note import Checkpoint, LogKey, NoteError, sign_checkpoint, verify_checkpoint
from custody.tree import build_tree, perfect_subtrees

ORIGIN = "arna.test/custody"


@given(st.lists(st.binary(max_size=4), max_size=70), st.data())
def test_streamed_roots_and_nodes_match_the_tree_from_any_starting_border(
    leaves: list[bytes], data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(leaves)))
    tree = build_tree(leaves)
    border = tree.store.get_nodes(perfect_subtrees(0, start))
    stream = CompactRange(start, border)
    assert stream.root() == root_from_leaves(leaves[:start])
    for index in range(start, len(leaves)):
        for level, idx, value in stream.append(leaf_hash(leaves[index])):
            assert tree.store.get_nodes([(level, idx)]) == [value]
            assert (idx + 1) << level == index + 1  # completed by exactly this leaf
        assert stream.size == index + 1
        assert stream.root() == root_from_leaves(leaves[: index + 1])


def test_a_border_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="a tree of 3 leaves has 2 border hashes, not 1"):
        CompactRange(3, [b"\x00" * 32])


def test_mark_round_trips_and_is_never_a_checkpoint() -> None:
    key = LogKey.generate(ORIGIN)
    mark = VerifiedMark(ORIGIN, 1234, b"\x07" * 32, "2026-12-01T01:00:00.000000Z")
    note = sign_mark(key, mark)
    assert verify_mark(note, key.verifier) == mark
    with pytest.raises(NoteError, match="checkpoint: not exactly origin, size and root lines"):
        verify_checkpoint(note, key.verifier)
    checkpoint = sign_checkpoint(key, Checkpoint(ORIGIN, 1234, b"\x07" * 32))
    with pytest.raises(NoteError, match="verified mark: not origin"):
        verify_mark(checkpoint, key.verifier)


def test_mark_by_another_key_or_origin_is_refused() -> None:
    key = LogKey.generate(ORIGIN)
    mark = VerifiedMark(ORIGIN, 5, b"\x07" * 32, "2026-12-01T01:00:00.000000Z")
    with pytest.raises(NoteError, match="not signed by"):
        verify_mark(sign_mark(LogKey.generate(ORIGIN), mark), key.verifier)
    other = VerifiedMark("other.test/custody", 5, b"\x07" * 32, mark.time)
    with pytest.raises(NoteError, match=r"origin 'other\.test/custody'"):
        verify_mark(sign_mark(key, other), key.verifier)
    forged = sign_mark(key, mark).replace("verified-up-to 5", "verified-up-to 50")
    with pytest.raises(NoteError, match="does not verify"):
        verify_mark(forged, key.verifier)
