"""RFC 9162 §2.1 Merkle tree hashing, and proof verification an auditor can re-implement.

Everything here works on hashes an untrusted party handed us, so every input is
checked for shape (32-byte hashes, sane indices and sizes) before it is hashed:
a proof that only "verifies" because a short hash slipped through is worthless.

Semantics at the edges follow github.com/transparency-dev/merkle (the Go library
behind Sigsum, Trillian tiles and the Go checksum database):

* an inclusion proof needs ``0 <= index < size``;
* a consistency proof from ``size1 == 0`` is rejected — every tree extends the
  empty tree, so such a "proof" proves nothing and accepting it only invites a
  caller to mistake it for a check;
* ``size1 == size2`` needs an empty proof and equal roots.

Unlike that library we also reject any hash that is not 32 bytes long, even
when sizes are equal and the roots are compared byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof, hash, index or size does not check; the message says which and why."""


def leaf_hash(leaf: bytes) -> bytes:
    """Hash a leaf; the 0x00 prefix keeps leaves from passing for interior nodes."""
    return sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children into their parent (0x01 prefix, RFC 9162 §2.1.1)."""
    return sha256(_NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The split point k of RFC 9162 §2.1.1: the largest power of two strictly below n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, level by level.

    Pairing neighbours left to right and lifting an unpaired last node unchanged
    builds exactly the RFC's left-balanced tree, and lets the inner loop be one
    list comprehension per level — the full-log verifier's hot path.
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        odd = level[-1] if len(level) & 1 else None
        level = [
            sha256(_NODE_PREFIX + a + b).digest()
            for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        if odd is not None:
            level.append(odd)
    return level[0]


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1 over raw leaf inputs."""
    return root_from_leaf_hashes([sha256(_LEAF_PREFIX + leaf).digest() for leaf in leaves])


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, value in enumerate(proof):
        _check_hash(value, f"proof element {i}")


def root_from_inclusion_proof(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root a valid inclusion proof implies (RFC 9162 §2.1.3.2, steps 1-5)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf_hash_, "leaf hash")
    _check_proof_hashes(proof)
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf is at ``index`` in the tree of ``size`` with ``root``; raise if not."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(leaf_hash_, index, size, proof) != root:
        raise ProofError(
            f"inclusion proof of leaf {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` extends the tree of ``size1`` (RFC 9162 §2.1.4.2)."""
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    _check_proof_hashes(proof)
    if size1 < 0 or size2 < size1:
        raise ProofError(f"sizes {size1} and {size2} are not 0 < size1 <= size2")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if root1 != root2:
            raise ProofError(f"two different roots for the same size {size1}")
        return
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if not proof:
        raise ProofError("empty consistency proof for different sizes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: an exact power of two is its own subtree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the root of size {size1}")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the root of size {size2}")


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 over raw leaves: the oracle the tree is tested against."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf index {index} is outside a tree of size {len(leaves)}")
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), root_from_leaves(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), root_from_leaves(leaves[:k])]


def consistency_path(size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 over raw leaves (reference implementation)."""
    if not 0 < size1 <= len(leaves):
        raise ProofError(f"no consistency proof from size {size1} to {len(leaves)}")
    return _subproof(size1, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root_from_leaves(leaves)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root_from_leaves(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root_from_leaves(leaves[:k])]
