"""The witness (C2SP tlog-witness) and its cosignatures (C2SP tlog-cosignature), in process.

A real Ed25519 log key signs real checkpoints of a real tree; the witness keeps a
real state file. Each refusal is the status the spec names.
"""

from __future__ import annotations

import base64
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custody.cosignature import Cosigner, CosignerKey, signed_message
from custody.note import Checkpoint, LogKey, NoteError, sign_checkpoint
from custody.tree import build_tree
from custody.witness import AddCheckpoint, StateFile, Witness
from custody.witness_cli import dump_cosigner, load_cosigner
from custody.witness_http import WitnessEndpoint, WitnessError, make_server, submit

Log = Any  # the shared fixture log of conftest.py
ORIGIN = "arna.test/custody"

NOW = 1_790_000_000


def _note(log: Log, size: int, leaves: list[bytes] | None = None) -> str:
    leaves = log.leaves if leaves is None else leaves
    return sign_checkpoint(log.key, Checkpoint(ORIGIN, size, build_tree(leaves[:size]).root(size)))


def _request(log: Log, old: int, size: int, leaves: list[bytes] | None = None) -> bytes:
    leaves = log.leaves if leaves is None else leaves
    proof = build_tree(leaves[:size]).consistency_proof(old, size) if old else []
    return AddCheckpoint(old, tuple(proof), _note(log, size, leaves)).encode()


@pytest.fixture
def cosigner() -> Cosigner:
    return Cosigner("witness.test/w1", Ed25519PrivateKey.generate())


@pytest.fixture
def witness(cosigner: Cosigner, log: Log, tmp_path: Path) -> Witness:
    return Witness(cosigner, [log.key.verifier], StateFile(tmp_path / "state.json"), lambda: NOW)


def test_cosignature_matches_the_spec_layout(cosigner: Cosigner) -> None:
    body = "arna.test/custody\n3\n" + base64.b64encode(b"\x07" * 32).decode() + "\n"
    line = cosigner.cosign(body, NOW)
    name, encoded = line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(encoded)
    assert name == "witness.test/w1"
    assert raw[:4] == cosigner.verifier.key_id
    assert struct.unpack(">Q", raw[4:12]) == (NOW,)
    assert signed_message(body, NOW) == f"cosignature/v1\ntime {NOW}\n{body}".encode()
    key = CosignerKey.parse(str(cosigner.verifier))
    assert base64.b64decode(str(cosigner.verifier).split("+", 2)[2])[:1] == b"\x04"
    assert key.verify(body, line) == NOW
    other = Cosigner("witness.test/w2", Ed25519PrivateKey.generate())
    assert other.verifier.verify(body, line) is None  # another witness's line is ignored
    with pytest.raises(NoteError, match="does not verify"):
        key.verify(body.replace("\n3\n", "\n4\n"), line)


def test_a_log_key_is_not_a_witness_key(log: Log) -> None:
    with pytest.raises(NoteError, match="0x04"):
        CosignerKey.parse(log.key.verifier_key)


def test_key_file_round_trip(cosigner: Cosigner) -> None:
    text = dump_cosigner(cosigner.name, cosigner._private_key)
    assert text.startswith("PRIVATE+KEY+witness.test/w1+")
    assert load_cosigner(text).verifier == cosigner.verifier
    with pytest.raises(NoteError, match="key id"):
        load_cosigner(text.replace("w1+", "w9+"))


def test_grows_with_consistency_proofs_and_remembers(
    witness: Witness, log: Log, cosigner: Cosigner, tmp_path: Path
) -> None:
    first = witness.add_checkpoint(_request(log, 0, 5))
    assert first.status == 200, first.body
    body = _note(log, 5).split("\n\n")[0] + "\n"
    assert cosigner.verifier.verify(body, first.body.decode().rstrip("\n")) == NOW
    assert witness.add_checkpoint(_request(log, 5, 12)).status == 200
    assert witness.add_checkpoint(_request(log, 12, 12)).status == 200  # same head again
    reborn = Witness(cosigner, [log.key.verifier], StateFile(tmp_path / "state.json"))
    stale = reborn.add_checkpoint(_request(log, 5, 20))
    assert (stale.status, stale.content_type, stale.body) == (409, "text/x.tlog.size", b"12\n")


def test_refuses_a_rolled_back_or_forked_log(witness: Witness, log: Log) -> None:
    assert witness.add_checkpoint(_request(log, 0, 20)).status == 200
    forked = [*log.leaves[:19], b'{"rewritten":true}']
    # The same size with another root, and a re-signed smaller tree: both refused.
    same_size = witness.add_checkpoint(_request(log, 20, 20, forked))
    assert same_size.status == 409
    assert b"forked" in same_size.body
    assert witness.add_checkpoint(_request(log, 19, 19, forked)).status == 409
    smaller = AddCheckpoint(20, (), _note(log, 19, forked)).encode()
    assert witness.add_checkpoint(smaller).status == 400


def test_refuses_a_bad_proof_unknown_log_and_foreign_signature(witness: Witness, log: Log) -> None:
    assert witness.add_checkpoint(_request(log, 0, 8)).status == 200
    forked = [*log.leaves[:3], b"x", *log.leaves[4:]]
    proof = build_tree(log.leaves[:12]).consistency_proof(8, 12)
    bad = AddCheckpoint(8, tuple(proof), _note(log, 12, forked)).encode()
    assert witness.add_checkpoint(bad).status == 422
    stranger = LogKey.generate(ORIGIN)
    note = sign_checkpoint(stranger, Checkpoint(ORIGIN, 8, build_tree(log.leaves[:8]).root(8)))
    assert witness.add_checkpoint(AddCheckpoint(8, (), note).encode()).status == 403
    other_log = LogKey.generate("other.test/log")
    note = sign_checkpoint(other_log, Checkpoint("other.test/log", 1, b"\x00" * 32))
    assert witness.add_checkpoint(AddCheckpoint(0, (), note).encode()).status == 404
    assert witness.add_checkpoint(b"old 01\n\n" + note.encode()).status == 400
    assert witness.add_checkpoint(b"new 1\n\n").status == 400


@pytest.fixture
def served(witness: Witness) -> Iterator[str]:
    server = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_over_http(served: str, log: Log, cosigner: Cosigner) -> None:
    endpoint = WitnessEndpoint.parse(f"{served} {cosigner.verifier}")
    note = _note(log, 6)
    line = submit(endpoint, AddCheckpoint(0, (), note), note.split("\n\n")[0] + "\n", 5)
    assert endpoint.key.verify(note.split("\n\n")[0] + "\n", line) == NOW
    with pytest.raises(WitnessError) as refused:
        submit(endpoint, AddCheckpoint(0, (), note), note.split("\n\n")[0] + "\n", 5)
    assert (refused.value.status, refused.value.size) == (409, 6)
    wrong = WitnessEndpoint.parse(
        f"{served} {Cosigner('witness.test/w1', Ed25519PrivateKey.generate()).verifier}"
    )
    note = _note(log, 7)
    request = AddCheckpoint(6, tuple(build_tree(log.leaves[:7]).consistency_proof(6, 7)), note)
    with pytest.raises(WitnessError, match="no cosignature"):
        submit(wrong, request, note.split("\n\n")[0] + "\n", 5)
