"""The offline verifier against tampered bundles: each change caught, with the first bad index."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custody.bundle import BundleFormatError, verify_bundle
from custody.event import CustodyEvent, canonical_bytes, decode_leaf
from custody.merkle import leaf_hash, root_from_leaves, verify_inclusion
from custody.note import Checkpoint, LogKey, verify_checkpoint
from custody.tree import MemoryStore, MerkleTree
from registry.custody.__main__ import main

LETTER = "MINHEALTH-2026-000002"  # events 1, 5, 9, 13, 17 of the shared log


def _problem(bundle: dict[str, Any], key: str) -> tuple[int | None, str]:
    report = verify_bundle(bundle, verifier_key=key)
    assert report.problem is not None, "tampering went unnoticed"
    return report.problem.index, report.problem.message


def _set_entry(entry: dict[str, Any], event: CustodyEvent) -> None:
    leaf = canonical_bytes(event)
    entry["leaf"] = base64.b64encode(leaf).decode()
    entry["event"] = json.loads(leaf)


def _changed(entry: dict[str, Any], **fields: Any) -> CustodyEvent:
    data = decode_leaf(base64.b64decode(entry["leaf"])).to_dict() | fields
    return CustodyEvent.from_dict(data)


def test_whole_log_and_letter_bundles_verify(log: Any) -> None:
    for bundle in (log.whole(), log.letter(LETTER)):
        report = verify_bundle(bundle, verifier_key=log.key.verifier_key)
        assert report.ok, report.problem
        assert report.checkpoint.size == 20
    assert verify_bundle(log.letter(LETTER), verifier_key=log.key.verifier_key).entries == 5


def test_round_trip_through_json_and_a_fresh_tree(log: Any, tmp_path: Path) -> None:
    """Export, write, read back, rebuild a tree from the entries alone: same root, same proofs."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(log.whole()), encoding="utf-8")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle == log.whole() | {"checkpoint": bundle["checkpoint"]}
    leaves = [base64.b64decode(e["leaf"]) for e in bundle["entries"]]
    tree = MerkleTree(MemoryStore())
    tree.append_hashes([leaf_hash(leaf) for leaf in leaves])
    checkpoint = verify_checkpoint(bundle["checkpoint"], log.key.verifier)
    assert tree.root() == checkpoint.root_hash == root_from_leaves(log.leaves)
    for index in range(len(leaves)):
        verify_inclusion(
            leaf_hash(leaves[index]), index, 20, tree.inclusion_proof(index), tree.root()
        )
    assert verify_bundle(bundle, verifier_key=log.key.verifier_key).ok


# ----------------------------------------------------------------------------- whole log


def test_edited_event_field_is_named(log: Any) -> None:
    bundle = log.whole()
    bundle["entries"][7]["event"]["state_after"] = "returned"
    assert _problem(bundle, log.key.verifier_key) == (7, "the decoded event differs from its leaf")


def test_edited_leaf_is_named(log: Any) -> None:
    bundle = log.whole()
    event = _changed(bundle["entries"][11], state_after="returned")
    bundle["entries"][11]["leaf"] = base64.b64encode(canonical_bytes(event)).decode()
    assert _problem(bundle, log.key.verifier_key) == (11, "the decoded event differs from its leaf")


def test_consistently_rewritten_event_breaks_the_signed_root(log: Any) -> None:
    bundle = log.whole()
    _set_entry(bundle["entries"][3], _changed(bundle["entries"][3], state_after="closed"))
    index, message = _problem(bundle, log.key.verifier_key)
    assert index is None
    assert message.startswith("every entry is well-formed but together they do not hash")


def test_non_canonical_leaf_is_named(log: Any) -> None:
    bundle = log.whole()
    leaf = json.dumps(bundle["entries"][4]["event"], indent=1).encode()
    bundle["entries"][4]["leaf"] = base64.b64encode(leaf).decode()
    assert _problem(bundle, log.key.verifier_key) == (
        4,
        "leaf: not the RFC 8785 canonical form of its event",
    )


def test_deleted_entry_is_named(log: Any) -> None:
    bundle = log.whole()
    del bundle["entries"][6]
    assert _problem(bundle, log.key.verifier_key) == (6, "is missing: position 6 holds entry 7")


def test_inserted_entry_is_named(log: Any) -> None:
    bundle = log.whole()
    bundle["entries"].insert(9, bundle["entries"][8])
    assert _problem(bundle, log.key.verifier_key) == (8, "appears a second time, at position 9")


def test_forged_entry_renumbering_the_rest_breaks_the_root(log: Any) -> None:
    bundle = log.whole()
    entries = bundle["entries"]
    forged = _changed(entries[5], action="letter:returned")
    entries.insert(5, {"index": 5, "leaf": "", "event": {}})
    _set_entry(entries[5], forged)
    for position in range(6, len(entries)):
        entries[position]["index"] = position
        _set_entry(entries[position], _changed(entries[position], index=position))
    index, message = _problem(bundle, log.key.verifier_key)
    assert index == 20
    assert message == "is beyond the checkpoint's size 20"


def test_reordered_entries_are_named(log: Any) -> None:
    bundle = log.whole()
    entries = bundle["entries"]
    entries[10:14] = [entries[12], entries[13], entries[10], entries[11]]
    assert _problem(bundle, log.key.verifier_key) == (10, "is missing: position 10 holds entry 12")


def test_swapped_entries_renumbered_are_named(log: Any) -> None:
    bundle = log.whole()
    entries = bundle["entries"]
    entries[2], entries[15] = entries[15], entries[2]
    entries[2]["index"] = 2  # the outer index fixed, the leaf still says 15
    assert _problem(bundle, log.key.verifier_key) == (2, "its leaf records index 15")


def test_truncated_log_is_named(log: Any) -> None:
    bundle = log.whole()
    del bundle["entries"][17:]
    assert _problem(bundle, log.key.verifier_key) == (
        17,
        "is missing: the checkpoint's size is 20",
    )


def test_truncation_with_a_resigned_checkpoint_needs_the_pinned_key(log: Any) -> None:
    bundle = log.whole()
    del bundle["entries"][17:]
    impostor = LogKey.generate("arna.test/custody")
    bundle["checkpoint"] = log.checkpoint_note(17, key=impostor)
    bundle["verifier_key"] = impostor.verifier_key
    index, message = _problem(bundle, log.key.verifier_key)
    assert index is None
    assert message.startswith("the bundle names key arna.test/custody+")
    assert message.endswith("not the pinned one")
    # Without --key the bundle is only self-consistent, and the verifier says so.
    assert verify_bundle(bundle).key_from_bundle


def test_checkpoint_signed_by_another_key_is_rejected(log: Any) -> None:
    bundle = log.whole()
    bundle["checkpoint"] = log.checkpoint_note(key=LogKey.generate("arna.test/custody"))
    index, message = _problem(bundle, log.key.verifier_key)
    assert index is None
    assert message.startswith("note: not signed by arna.test/custody+")


def test_checkpoint_of_another_origin_is_rejected(log: Any) -> None:
    bundle = log.whole()
    bundle["origin"] = "elsewhere.example/log"
    _index, message = _problem(bundle, log.key.verifier_key)
    assert message == "checkpoint: origin 'arna.test/custody' is not 'elsewhere.example/log'"


def test_checkpoint_with_a_changed_root_fails_its_signature(log: Any) -> None:
    bundle = log.whole()
    body, _, signature = bundle["checkpoint"].partition("\n\n")
    lines = body.split("\n")
    lines[2] = base64.b64encode(b"\x00" * 32).decode()
    bundle["checkpoint"] = "\n".join(lines) + "\n\n" + signature
    _index, message = _problem(bundle, log.key.verifier_key)
    assert "does not verify" in message


# ----------------------------------------------------------------------------- one letter


def test_letter_entry_edited_consistently_fails_its_proof(log: Any) -> None:
    bundle = log.letter(LETTER)
    entry = bundle["entries"][2]
    _set_entry(entry, _changed(entry, actor={"user": "x", "role": "admin", "agency": None}))
    index, message = _problem(bundle, log.key.verifier_key)
    assert index == 9
    assert message.startswith("is not in the signed log: inclusion proof of leaf 9")


def test_letter_entry_removed_breaks_the_state_chain(log: Any) -> None:
    bundle = log.letter(LETTER)
    del bundle["entries"][2]
    del bundle["proofs"][2]
    index, message = _problem(bundle, log.key.verifier_key)
    assert index == 13
    assert message == (
        "starts in state 'submitted', but entry 5 left it in 'signed': "
        "an event between them is missing"
    )


def test_letter_entries_reordered_are_named(log: Any) -> None:
    bundle = log.letter(LETTER)
    entries = bundle["entries"]
    entries[1], entries[2] = entries[2], entries[1]
    assert _problem(bundle, log.key.verifier_key) == (
        9,
        "starts in state 'signed', but entry 1 left it in 'registered': "
        "an event between them is missing",
    )


def test_letter_entry_from_another_letter_is_named(log: Any) -> None:
    bundle = log.letter(LETTER)
    other = log.letter("MINHEALTH-2026-000003")
    bundle["entries"][3] = other["entries"][3]
    bundle["proofs"][3] = other["proofs"][3]
    assert _problem(bundle, log.key.verifier_key) == (
        14,
        "is about another letter than the entries before it",
    )


def test_letter_entry_without_proof_is_named(log: Any) -> None:
    bundle = log.letter(LETTER)
    del bundle["proofs"][4]
    assert _problem(bundle, log.key.verifier_key) == (17, "has no inclusion proof")


def test_letter_proof_with_a_wrong_hash_is_named(log: Any) -> None:
    bundle = log.letter(LETTER)
    bundle["proofs"][1]["inclusion"][0] = base64.b64encode(b"\x01" * 32).decode()
    index, message = _problem(bundle, log.key.verifier_key)
    assert index == 5
    assert "does not lead to the root of size 20" in message


# ----------------------------------------------------------------------------- the command


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_exit_codes(log: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(log.whole()), encoding="utf-8")
    code, out, err = _run(capsys, "verify", str(good), "--key", log.key.verifier_key)
    assert code == 0, err
    assert out.startswith("OK whole log: 20 entries check against the checkpoint of ")
    assert err == ""

    code, _out, err = _run(capsys, "verify", str(good))
    assert code == 0
    assert err.startswith("warning: no --key given")

    bad = log.whole()
    del bad["entries"][6]
    bad_path = tmp_path / "bad.json"
    bad_path.write_text(json.dumps(bad), encoding="utf-8")
    code, _out, err = _run(capsys, "verify", str(bad_path), "--key", log.key.verifier_key)
    assert code == 1
    assert err == "FAILED entry 6: is missing: position 6 holds entry 7\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "error: "),
        (b'{"format": "other/1"}', "error: bundle: format is not 'arna-custody-bundle/1'"),
        (b"[]", "error: bundle: not a JSON object"),
    ],
)
def test_unreadable_bundles_exit_2(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(content)
    code, _out, err = _run(capsys, "verify", str(path))
    assert code == 2
    assert err.startswith(expected)


def test_missing_file_and_bad_key_exit_2(
    log: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(capsys, "verify", str(tmp_path / "absent.json"))
    assert code == 2
    path = tmp_path / "good.json"
    path.write_text(json.dumps(log.whole()), encoding="utf-8")
    code, _out, err = _run(capsys, "verify", str(path), "--key", "not-a-key")
    assert code == 2
    assert err.startswith("error: --key: verifier key: not <name>+<hex key id>+<base64 key>")


def test_bundle_format_errors_raise(log: Any) -> None:
    bundle = log.whole()
    del bundle["entries"]
    with pytest.raises(BundleFormatError, match="'entries' is missing"):
        verify_bundle(bundle)


def test_checkpoint_parses_back(log: Any) -> None:
    checkpoint = verify_checkpoint(log.checkpoint_note(), log.key.verifier)
    assert checkpoint == Checkpoint("arna.test/custody", 20, root_from_leaves(log.leaves))


def test_offline_verifier_runs_without_flask_or_sqlalchemy(log: Any, tmp_path: Path) -> None:
    """An auditor's machine needs neither: the command must not even import them."""
    path = tmp_path / "good.json"
    path.write_text(json.dumps(log.whole()), encoding="utf-8")
    argv = ["registry.custody", "verify", str(path), "--key", log.key.verifier_key]
    code = (
        "import runpy, sys\n"
        f"sys.argv = {argv!r}\n"
        "try:\n"
        "    runpy.run_module('registry.custody', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy'}]\n"
        "print('imported:' + ','.join(sorted(heavy)))\n"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.splitlines()[-1] == "imported:"
