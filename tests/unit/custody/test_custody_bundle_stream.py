"""The streamed bundle is, byte for byte, the bundle ``json.dump`` writes in one piece."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from custody.bundle import build_bundle, iter_bundle_json, verify_bundle
from custody.event import Actor, CustodyEvent, canonical_bytes
from custody.tree import build_tree


def _whole_text(bundle: dict[str, object]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"


def test_streamed_whole_log_equals_the_dumped_one_and_verifies(log: Any) -> None:
    for size in (0, 1, 2, len(log.leaves)):
        note = log.checkpoint_note(size)
        entries = list(enumerate(log.leaves[:size]))
        streamed = "".join(
            iter_bundle_json(
                verifier_key=log.key.verifier_key, checkpoint_note=note, entries=iter(entries)
            )
        )
        bundle = build_bundle(
            verifier_key=log.key.verifier_key, checkpoint_note=note, entries=entries
        )
        assert streamed == _whole_text(bundle)
        if size:
            assert verify_bundle(json.loads(streamed), verifier_key=log.key.verifier_key).ok


def test_streamed_letter_bundle_keeps_its_proofs(log: Any) -> None:
    bundle = log.letter("MINHEALTH-2026-000002")
    tree = build_tree(log.leaves)
    entries = [(e["index"], log.leaves[e["index"]]) for e in bundle["entries"]]
    streamed = "".join(
        iter_bundle_json(
            verifier_key=log.key.verifier_key,
            checkpoint_note=bundle["checkpoint"],
            entries=entries,
            proofs=[(i, tree.inclusion_proof(i)) for i, _ in entries],
        )
    )
    assert streamed == _whole_text(bundle)


@given(st.text(min_size=1, max_size=30), st.text(max_size=30))
def test_any_text_in_an_event_streams_the_same(user: str, number: str) -> None:
    event = CustodyEvent(
        index=0,
        time="2026-11-25T10:00:00.000000Z",
        actor=Actor(user=user, role="auditor", agency=None),
        action="log:exported",
        registry_number=number or None,
        letter_sha256=None,
        state_before=None,
        state_after=None,
    )
    try:
        leaf = canonical_bytes(event)
    except Exception:  # lone surrogates have no canonical form; such an event never exists
        return
    key = "k.test/custody+00000000+AQ=="
    note = "k.test/custody\n1\n" + "A" * 43 + "=\n\n— k.test/custody AAAA\n"
    streamed = "".join(
        iter_bundle_json(verifier_key=key, checkpoint_note=note, entries=[(0, leaf)])
    )
    bundle = build_bundle(verifier_key=key, checkpoint_note=note, entries=[(0, leaf)])
    assert streamed == _whole_text(bundle)
