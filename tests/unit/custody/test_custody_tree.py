"""Properties of the stored-subtree tree against the RFC's recursive definitions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from custody.merkle import (
    ProofError,
    consistency_path,
    inclusion_path,
    leaf_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from custody.tree import MemoryStore, MerkleTree, build_tree, perfect_subtrees

leaves_st = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


class CountingStore(MemoryStore):
    """Counts node lookups, to check the O(log n) cost claims."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        self.lookups += len(keys)
        return super().get_nodes(keys)


@given(leaves_st)
def test_root_of_every_prefix_matches_the_rfc_definition(leaves: list[bytes]) -> None:
    tree = build_tree(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == root_from_leaves(leaves[:size])


@given(leaves_st, st.data())
def test_inclusion_proofs_match_the_rfc_and_verify(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = build_tree(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index, size)
    assert proof == inclusion_path(index, leaves[:size])
    root = tree.root(size)
    verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)
    for wrong in {index + 1, index - 1} & set(range(size)):
        if leaves[wrong] != leaves[index]:
            with pytest.raises(ProofError):
                verify_inclusion(leaf_hash(leaves[wrong]), index, size, proof, root)


@given(leaves_st, st.data())
def test_consistency_proofs_match_the_rfc_and_verify(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = build_tree(leaves)
    size2 = data.draw(st.integers(1, len(leaves)))
    size1 = data.draw(st.integers(1, size2))
    proof = tree.consistency_proof(size1, size2)
    assert proof == consistency_path(size1, leaves[:size2])
    verify_consistency(size1, size2, proof, tree.root(size1), tree.root(size2))


@given(leaves_st, st.data())
def test_a_flipped_bit_anywhere_in_a_proof_is_rejected(
    leaves: list[bytes], data: st.DataObject
) -> None:
    assume(len(leaves) >= 2)
    tree = build_tree(leaves)
    size2 = data.draw(st.integers(2, len(leaves)))
    size1 = data.draw(st.integers(1, size2 - 1))
    proof = tree.consistency_proof(size1, size2)
    at = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    bad = list(proof)
    bad[at] = bytes(b ^ (1 << (bit % 8)) if i == bit // 8 else b for i, b in enumerate(bad[at]))
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, bad, tree.root(size1), tree.root(size2))


@given(st.lists(st.binary(max_size=4), max_size=40), st.integers(1, 6))
def test_appending_in_batches_stores_the_same_nodes(leaves: list[bytes], batch: int) -> None:
    one_by_one, batched = MemoryStore(), MemoryStore()
    for leaf in leaves:
        MerkleTree(one_by_one).append(leaf)
    for i in range(0, len(leaves), batch):
        MerkleTree(batched).append_hashes([leaf_hash(leaf) for leaf in leaves[i : i + batch]])
    assert one_by_one.levels == batched.levels
    assert build_tree(leaves).root() == MerkleTree(batched).root()


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_perfect_subtrees_tile_the_range(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    position = start
    for level, index in perfect_subtrees(start, end):
        assert index << level == position
        position += 1 << level
    assert position == end
    assert len(perfect_subtrees(start, end)) <= 2 * 41


def test_costs_are_logarithmic() -> None:
    """Appends read one node on average; proofs at 2**16 + 12345 leaves read O(log n)."""
    store = CountingStore()
    tree = MerkleTree(store)
    n = 2**16 + 12345
    for i in range(n):
        tree.append_hashes([leaf_hash(i.to_bytes(4, "big"))])
    assert store.lookups <= n
    assert sum(len(level) for level in store.levels) < 2 * n
    log_n = n.bit_length()
    for index in (0, 1, n // 2, n - 2, n - 1):
        store.lookups = 0
        tree.inclusion_proof(index)
        assert store.lookups <= 2 * log_n
    for size1 in (1, 3, n // 3, n - 1):
        store.lookups = 0
        tree.consistency_proof(size1)
        assert store.lookups <= 2 * log_n
    store.lookups = 0
    tree.root()
    assert store.lookups <= log_n


def test_bad_sizes_and_indices_are_refused() -> None:
    tree = build_tree([b"a", b"b", b"c"])
    with pytest.raises(ProofError):
        tree.inclusion_proof(3)
    with pytest.raises(ProofError):
        tree.inclusion_proof(0, 4)
    with pytest.raises(ProofError):
        tree.consistency_proof(0, 3)
    with pytest.raises(ProofError):
        tree.consistency_proof(2, 1)
    with pytest.raises(ProofError):
        tree.root(4)
