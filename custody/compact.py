"""A compact range: the right border of a Merkle tree, to stream over a log in O(log n) memory.

The border of a tree of ``size`` leaves is the hashes of the perfect subtrees
``perfect_subtrees(0, size)`` — one per set bit of ``size``. It is all that is
needed to append more leaves and to compute the root, so a verifier can stream a
million leaves through it keeping about twenty hashes, and can resume from the
border of a size verified before (read back from the stored subtree hashes).
Everything a consistency proof between that size and a later one carries is the
border plus the subtrees the new leaves complete, which is what :meth:`append`
reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from custody.merkle import EMPTY_ROOT, NODE_PREFIX, node_hash
from custody.tree import perfect_subtrees


class CompactRange:
    """The border of the tree of ``size`` leaves; grows by one leaf hash at a time."""

    def __init__(self, size: int = 0, border: Sequence[bytes] = ()) -> None:
        keys = perfect_subtrees(0, size)
        if len(keys) != len(border):
            raise ValueError(
                f"a tree of {size} leaves has {len(keys)} border hashes, not {len(border)}"
            )
        self._size = size
        self._border: list[tuple[int, bytes]] = [
            (level, value) for (level, _), value in zip(keys, border, strict=True)
        ]

    @property
    def size(self) -> int:
        """The number of leaves appended so far (including those of the starting border)."""
        return self._size

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf hash; return the (level, index, hash) nodes it completes, leaf first."""
        index = self._size
        completed = [(0, index, leaf_hash)]
        value, level = leaf_hash, 0
        border = self._border
        while index & 1:
            value = node_hash(border.pop()[1], value)
            level += 1
            index >>= 1
            completed.append((level, index, value))
        border.append((level, value))
        self._size += 1
        return completed

    def root(self) -> bytes:
        """MTH of the leaves so far: the border folded from the right."""
        if not self._border:
            return EMPTY_ROOT
        result = self._border[-1][1]
        for _, value in reversed(self._border[:-1]):  # node_hash inlined: once per checkpoint
            result = sha256(NODE_PREFIX + value + result).digest()
        return result
