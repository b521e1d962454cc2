"""Known-answer tests: every vector and probe of the shared RFC 6962 / RFC 9162 file.

The file's source is github.com/transparency-dev/merkle (and a real CT log audit
path); matching it is what lets an auditor check Arna with an independent tool.
"""

from __future__ import annotations

import json
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from custody.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from custody.tree import build_tree

VECTORS: dict[str, Any] = json.loads(
    Path("/work/shared/testdata/rfc6962_vectors.json").read_text(encoding="utf-8")
)
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaf_inputs_hex"]]
EXTENDED_LEAVES = [bytes([i]) for i in range(130)]

# The one probe where our stricter rule differs from upstream, as the file's note
# foresees: upstream accepts equal sizes with equal 12-byte "roots"; we insist on
# 32-byte hashes everywhere.
STRICTER_THAN_UPSTREAM = {
    "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"
}


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _id(case: dict[str, Any]) -> str:
    return str(case.get("file") or case.get("desc") or "")


def test_leaf_hashes_and_empty_root() -> None:
    assert [leaf_hash(leaf).hex() for leaf in LEAVES] == VECTORS["leaf_hashes"]
    assert EMPTY_ROOT.hex() == VECTORS["roots"]["0"]


@pytest.mark.parametrize("size", sorted(int(n) for n in VECTORS["roots"]))
def test_roots(size: int) -> None:
    expected = VECTORS["roots"][str(size)]
    assert root_from_leaves(LEAVES[:size]).hex() == expected
    assert build_tree(LEAVES[:size]).root().hex() == expected


def test_node_hashes_by_level() -> None:
    tree = build_tree(LEAVES)
    for level, hashes in enumerate(VECTORS["node_hashes_by_level"]):
        keys = [(level, i) for i in range(len(hashes))]
        assert [h.hex() for h in tree.store.get_nodes(keys)] == hashes
    assert (
        node_hash(LEAVES and leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])).hex()
        == (VECTORS["node_hashes_by_level"][1][0])
    )


def _inclusion_cases() -> list[tuple[list[bytes], dict[str, Any]]]:
    return [(LEAVES, c) for c in VECTORS["inclusion_proofs"]] + [
        (EXTENDED_LEAVES, c) for c in VECTORS["extended_generated"]["inclusion_proofs"]
    ]


def _consistency_cases() -> list[tuple[list[bytes], dict[str, Any]]]:
    return [(LEAVES, c) for c in VECTORS["consistency_proofs"]] + [
        (EXTENDED_LEAVES, c) for c in VECTORS["extended_generated"]["consistency_proofs"]
    ]


@pytest.mark.parametrize(("leaves", "case"), _inclusion_cases())
def test_inclusion_proofs(leaves: list[bytes], case: dict[str, Any]) -> None:
    index, size = case["leaf_index"], case["tree_size"]
    path = _hashes(case["path"])
    assert build_tree(leaves[:size]).inclusion_proof(index) == path
    assert inclusion_path(index, leaves[:size]) == path
    verify_inclusion(
        bytes.fromhex(case["leaf_hash"]), index, size, path, bytes.fromhex(case["root"])
    )


@pytest.mark.parametrize(("leaves", "case"), _consistency_cases())
def test_consistency_proofs(leaves: list[bytes], case: dict[str, Any]) -> None:
    size1, size2 = case["size1"], case["size2"]
    proof = _hashes(case["proof"])
    assert build_tree(leaves[:size2]).consistency_proof(size1) == proof
    assert consistency_path(size1, leaves[:size2]) == proof
    verify_consistency(
        size1, size2, proof, bytes.fromhex(case["root1"]), bytes.fromhex(case["root2"])
    )


def test_extended_roots() -> None:
    tree = build_tree(EXTENDED_LEAVES)
    for size, root in VECTORS["extended_generated"]["roots"].items():
        assert tree.root(int(size)).hex() == root


@pytest.mark.parametrize("case", VECTORS["probes"]["inclusion"], ids=_id)
def test_inclusion_probes(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            bytes.fromhex(case["leaf_hash"]),
            case["leaf_index"],
            case["tree_size"],
            _hashes(case["path"]),
            bytes.fromhex(case["root"]),
        )

    if case["expect_valid"]:
        verify()
    else:
        with pytest.raises(ProofError):
            verify()


@pytest.mark.parametrize("case", VECTORS["probes"]["consistency"], ids=_id)
def test_consistency_probes(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            case["size1"],
            case["size2"],
            _hashes(case["proof"]),
            bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]),
        )

    if case["expect_valid"] and case["file"] not in STRICTER_THAN_UPSTREAM:
        verify()
    else:
        with pytest.raises(ProofError):
            verify()


def test_real_world_inclusion() -> None:
    case = VECTORS["real_world_inclusion"]
    leaf = leaf_hash(bytes.fromhex(case["leaf_input_hex"]))
    assert leaf.hex() == case["leaf_hash"]
    path = _hashes(case["path"])
    root = bytes.fromhex(case["root"])
    verify_inclusion(leaf, case["leaf_index"], case["tree_size"], path, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, case["leaf_index"] + 1, case["tree_size"], path, root)
    assert root_from_inclusion_proof(leaf, case["leaf_index"], case["tree_size"], path) == root


def _valid_subtrees(limit: int) -> list[tuple[int, int]]:
    """The upstream loop order of draft-ietf-plants-merkle-tree-certs' subtree vectors."""
    out = []
    for end in range(limit + 1):
        for start in range(end + 1):
            size = end - start
            ceil = 1 << (size - 1).bit_length() if size else 1
            if start == 0 or start == end or start % ceil == 0:
                out.append((start, end))
    return out


def test_accumulated_subtree_hash_digest() -> None:
    """MTH of every valid [start, end) over 130 one-byte leaves, hashed as one text."""
    spec = VECTORS["accumulated_digests"]
    digest = sha256()
    for start, end in _valid_subtrees(130):
        digest.update(
            f"[{start}, {end}) {root_from_leaves(EXTENDED_LEAVES[start:end]).hex()}\n".encode()
        )
    assert digest.hexdigest() == spec["subtree_hash"]["sha256"]


def test_accumulated_subtree_inclusion_digest() -> None:
    spec = VECTORS["accumulated_digests"]
    digest = sha256()
    for start, end in _valid_subtrees(130):
        sub = EXTENDED_LEAVES[start:end]
        for index in range(start, end):
            path = "".join(" " + h.hex() for h in inclusion_path(index - start, sub))
            digest.update(f"{index} [{start}, {end}){path}\n".encode())
    assert digest.hexdigest() == spec["subtree_inclusion"]["sha256"]


def test_accumulated_consistency_digest_for_whole_trees() -> None:
    """The start=0 rows of the upstream consistency digest are RFC 6962 PROOF(end, D[n]).

    Rows with start > 0 are subtree-consistency proofs of the Merkle Tree
    Certificates draft, which this log does not use; for those we can only check
    that our tree's proofs equal the reference, not the upstream digest.
    """
    tree = build_tree(EXTENDED_LEAVES)
    for n in range(1, 131):
        for end in range(1, n + 1):
            assert tree.consistency_proof(end, n) == consistency_path(end, EXTENDED_LEAVES[:n])
