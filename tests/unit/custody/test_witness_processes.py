"""Two witnesses as separate processes on 127.0.0.1, and the offline verifier's quorum.

Rolling the log back by one event and re-signing a checkpoint is refused by both
witnesses, and a bundle of the rolled-back log fails the verifier with k = 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from proof_services import ROOT, WitnessProcess, witness_processes

from custody.bundle import build_bundle
from custody.cosignature import CosignerKey
from custody.event import CustodyEvent, canonical_bytes, decode_leaf
from custody.note import Checkpoint, sign_checkpoint
from custody.tree import build_tree
from custody.witness import AddCheckpoint
from custody.witness_http import WitnessEndpoint, WitnessError, submit

ORIGIN = "arna.test/custody"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared_log(small_log: Any) -> Any:
    """conftest's real log (Ed25519 key, 20 events); these tests only read it."""
    return small_log


@pytest.fixture(scope="module")
def witnesses(
    shared_log: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[WitnessProcess]]:
    directory = tmp_path_factory.mktemp("witnesses")
    with witness_processes(directory, shared_log.key.verifier_key) as running:
        yield running


def _send(witness: WitnessProcess, leaves: list[bytes], old: int, size: int, log: Any) -> str:
    tree = build_tree(leaves[:size])
    checkpoint = Checkpoint(ORIGIN, size, tree.root(size))
    proof = tree.consistency_proof(old, size) if 0 < old < size else []
    endpoint = WitnessEndpoint.parse(witness.config)
    note = sign_checkpoint(log.key, checkpoint)
    return submit(endpoint, AddCheckpoint(old, tuple(proof), note), checkpoint.body(), 5)


def _verify(
    bundle: dict[str, Any], tmp_path: Path, log: Any, *args: str
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    key = log.key.verifier_key
    return subprocess.run(
        [sys.executable, "-m", "registry.custody", "verify", str(path), "--key", key, *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


def test_two_witnesses_cosign_then_refuse_a_rollback(
    witnesses: list[WitnessProcess], shared_log: Any, tmp_path: Path
) -> None:
    log, leaves = shared_log, shared_log.leaves
    lines = []
    for witness in witnesses:
        _send(witness, leaves, 0, 10, log)
        lines.append(_send(witness, leaves, 10, 20, log))
    bundle = log.whole()
    bundle["cosignatures"] = [
        {"witness_key": w.key, "signature": line} for w, line in zip(witnesses, lines, strict=True)
    ]
    pins = [arg for w in witnesses for arg in ("--witness", w.key)]
    done = _verify(bundle, tmp_path, log, *pins, "--quorum", "2")
    assert done.returncode == 0, done.stderr
    assert "2 of 2 witnesses" in done.stdout

    # The operator rolls the log back by one event, appends another in its place and
    # re-signs a checkpoint of the same size (and one of the smaller size).
    last = decode_leaf(leaves[-1]).to_dict() | {"action": "letter:returned"}
    forked = [*leaves[:19], canonical_bytes(CustodyEvent.from_dict(last))]
    for witness in witnesses:
        for old, size in ((20, 20), (19, 20), (0, 20), (19, 19)):
            with pytest.raises(WitnessError) as refused:
                _send(witness, forked, old, size, log)
            assert refused.value.status == 409
        smaller = sign_checkpoint(log.key, Checkpoint(ORIGIN, 19, build_tree(forked[:19]).root()))
        with pytest.raises(WitnessError) as refused:
            submit(WitnessEndpoint.parse(witness.config), AddCheckpoint(20, (), smaller), "", 5)
        assert refused.value.status == 400

    rolled_back = build_bundle(
        verifier_key=log.key.verifier_key,
        checkpoint_note=sign_checkpoint(log.key, Checkpoint(ORIGIN, 20, build_tree(forked).root())),
        entries=list(enumerate(forked)),
    )
    assert _verify(rolled_back, tmp_path, log).returncode == 0  # signed, so alone it passes
    done = _verify(rolled_back, tmp_path, log, "--witness", witnesses[0].key, "--quorum", "1")
    assert done.returncode == 1
    assert "0 of the 1 cosignatures required" in done.stderr
    rolled_back["cosignatures"] = bundle["cosignatures"]  # the honest log's, copied over
    done = _verify(rolled_back, tmp_path, log, "--witness", witnesses[0].key, "--quorum", "1")
    assert done.returncode == 1
    assert "does not verify" in done.stderr


def test_quorum_needs_named_witnesses(shared_log: Any, tmp_path: Path) -> None:
    done = _verify(shared_log.whole(), tmp_path, shared_log, "--quorum", "1")
    assert done.returncode == 2
    assert "--witness" in done.stderr
    assert CosignerKey  # the keys the witnesses print are what --witness takes
