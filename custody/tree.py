"""A Merkle tree over stored perfect-subtree hashes: O(1) amortised appends, O(log n) proofs.

The store keeps the hash of every complete perfect subtree, keyed ``(level, index)``:
the subtree of leaves ``[index * 2**level, (index + 1) * 2**level)``. Such a node
never changes once written, so a proof for any earlier size reads the same nodes
as it did when that size was current — which is what makes every checkpoint
provable for ever. Any range the RFC's recursion needs splits into O(log n) of
these nodes, and every proof needs at most one range that is not itself perfect
(the tree's right border), so proofs cost O(log n) lookups fetched in one batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from custody.merkle import (
    EMPTY_ROOT,
    ProofError,
    largest_power_of_two_below,
    leaf_hash,
    node_hash,
)

NodeKey = tuple[int, int]
"""``(level, index)`` of a perfect subtree."""


class TreeStore(Protocol):
    """Where node hashes live; the database store implements the same three calls."""

    def size(self) -> int:
        """The number of leaves stored."""
        ...

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes at ``keys``, in order; a missing node is a corrupt store: raise KeyError."""
        ...

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Store new ``(level, index, hash)`` nodes; leaves are level 0."""
        ...


class MemoryStore:
    """An in-memory store: one list of hashes per level (compact enough for 10**6 leaves)."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    def size(self) -> int:
        """The number of leaves stored."""
        return len(self.levels[0])

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes at ``keys``, in order."""
        levels = self.levels
        try:
            return [levels[level][index] for level, index in keys]
        except IndexError as exc:
            raise KeyError(f"missing node among {list(keys)}") from exc

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Store new nodes; they always extend their level, which the tree guarantees."""
        levels = self.levels
        for level, index, value in nodes:
            while len(levels) <= level:
                levels.append([])
            if index != len(levels[level]):
                raise ValueError(f"node ({level}, {index}) does not extend level {level}")
            levels[level].append(value)


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """Split ``[start, end)`` into the largest aligned perfect subtrees, left to right.

    For the ranges RFC 9162's recursion produces (``start`` aligned to a power of
    two not below ``end - start``) these are the binary digits of ``end - start``,
    and MTH of the range is their hashes folded from the right.
    """
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    result = hashes[-1]
    for value in reversed(hashes[:-1]):
        result = node_hash(value, result)
    return result


class MerkleTree:
    """An append-only RFC 9162 log over a :class:`TreeStore`."""

    def __init__(self, store: TreeStore) -> None:
        self.store = store

    @property
    def size(self) -> int:
        """The number of leaves in the log."""
        return self.store.size()

    def append(self, leaf: bytes) -> int:
        """Append one raw leaf; return its index."""
        return self.append_hashes([leaf_hash(leaf)])

    def append_hashes(self, hashes: Sequence[bytes]) -> int:
        """Append leaf hashes; return the index of the first one.

        Only the border nodes that new leaves complete are read (one batch), and
        each new leaf writes itself plus the perfect subtrees it completes: two
        nodes per leaf on average.
        """
        first = self.store.size()
        end = first + len(hashes)
        needed = [  # left siblings below the highest bit where first and end differ
            (level, (first >> level) - 1)
            for level in range((first ^ end).bit_length())
            if (first >> level) & 1
        ]
        known = dict(zip(needed, self.store.get_nodes(needed), strict=True))
        nodes: list[tuple[int, int, bytes]] = []
        for offset, value in enumerate(hashes):
            index = first + offset
            nodes.append((0, index, value))
            level = 0
            while index & 1:
                known[(level, index)] = value
                value = node_hash(known[(level, index - 1)], value)
                level += 1
                index >>= 1
                nodes.append((level, index, value))
            known[(level, index)] = value
        self.store.put_nodes(nodes)
        return first

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """MTH of each range, reading all their perfect subtrees in one batch."""
        splits = [perfect_subtrees(start, end) for start, end in ranges]
        flat = [key for keys in splits for key in keys]
        found = iter(self.store.get_nodes(flat))
        return [_fold([next(found) for _ in keys]) for keys in splits]

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.store.size():
            raise ProofError(f"tree size {size} is outside 0..{self.store.size()}")

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all) from O(log n) stored subtrees."""
        size = self.store.size() if size is None else size
        self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hashes([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf to root."""
        size = self.store.size() if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is outside a tree of size {size}")
        ranges: list[tuple[int, int]] = []
        start, end = 0, size
        while end - start > 1:
            k = largest_power_of_two_below(end - start)
            if index < start + k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                start += k
        return self._range_hashes(ranges[::-1])

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1, leaf to root; needs 0 < size1 <= size2."""
        size2 = self.store.size() if size2 is None else size2
        self._check_size(size2)
        if not 0 < size1 <= size2:
            raise ProofError(f"no consistency proof from size {size1} to {size2}")
        ranges: list[tuple[int, int]] = []
        start, end, complete = 0, size2, True
        while True:
            if size1 == end:
                if not complete:
                    ranges.append((start, end))
                break
            k = largest_power_of_two_below(end - start)
            if size1 <= start + k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                start += k
                complete = False
        return self._range_hashes(ranges[::-1])


def build_tree(leaves: Iterable[bytes]) -> MerkleTree:
    """An in-memory tree over raw leaves (tests, the bench, and one-letter exports' proofs)."""
    tree = MerkleTree(MemoryStore())
    tree.append_hashes([leaf_hash(leaf) for leaf in leaves])
    return tree
