"""Signed notes, checkpoints and event leaves: the formats an independent tool must read alike."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custody.event import (
    Actor,
    CustodyEvent,
    EventError,
    canonical_bytes,
    decode_leaf,
    format_time,
)
from custody.note import (
    Checkpoint,
    LogKey,
    NoteError,
    VerifierKey,
    key_id,
    sign_checkpoint,
    verify_checkpoint,
    verify_note,
)

ORIGIN = "arna.test/custody"
# RFC 8032 §7.1 test 1: a fixed key makes the note byte-for-byte reproducible.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def _key() -> LogKey:
    return LogKey(ORIGIN, Ed25519PrivateKey.from_private_bytes(SEED))


def test_verifier_key_format_and_key_id() -> None:
    key = _key()
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    expected_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert key.verifier.key_id == key_id(ORIGIN, public) == expected_id
    encoded = base64.b64encode(b"\x01" + public).decode()
    assert key.verifier_key == f"{ORIGIN}+{expected_id.hex()}+{encoded}"
    assert VerifierKey.parse(key.verifier_key) == key.verifier


def test_verifier_key_whose_base64_has_a_plus_parses() -> None:
    for _ in range(50):
        key = LogKey.generate(ORIGIN)
        if "+" in key.verifier_key.split("+", 2)[2]:
            assert VerifierKey.parse(key.verifier_key) == key.verifier
            return
    pytest.skip("no generated key had '+' in its base64")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no-plus-signs", "not <name>+<hex key id>+<base64 key>"),
        (f"{ORIGIN}+0000000+AQ==", "not an Ed25519 key"),
        (f"{ORIGIN}+00000000+" + base64.b64encode(b"\x01" + b"\x00" * 32).decode(), "key id"),
        ("bad name+00000000+AQ==", "spaces"),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=re.escape(message)):
        VerifierKey.parse(text)


def test_checkpoint_note_layout_and_round_trip() -> None:
    key = _key()
    root = hashlib.sha256(b"").digest()
    note = sign_checkpoint(key, Checkpoint(ORIGIN, 0, root))
    body, signature_line = note.split("\n\n")
    assert body == f"{ORIGIN}\n0\n{base64.b64encode(root).decode()}"
    assert signature_line.startswith(f"\u2014 {ORIGIN} ")
    raw = base64.b64decode(signature_line.split(" ")[2])
    assert raw[:4] == key.verifier.key_id
    assert len(raw) == 4 + 64
    assert verify_checkpoint(note, key.verifier, ORIGIN) == Checkpoint(ORIGIN, 0, root)


def test_note_with_extra_foreign_signature_still_verifies() -> None:
    key = _key()
    note = sign_checkpoint(key, Checkpoint(ORIGIN, 3, b"\x07" * 32))
    other = LogKey.generate("witness.example")
    extra = base64.b64encode(other.verifier.key_id + b"\x00" * 64).decode()
    assert verify_note(note + f"\u2014 witness.example {extra}\n", key.verifier)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: n.replace("\n3\n", "\n03\n"), "does not verify"),
        (lambda n: n.replace("\u2014 ", "- "), "malformed signature line"),
    ],
)
def test_damaged_notes_are_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    note = sign_checkpoint(_key(), Checkpoint(ORIGIN, 3, b"\x07" * 32))
    with pytest.raises(NoteError, match=message):
        verify_checkpoint(mutate(note), _key().verifier)


def test_checkpoint_size_must_be_plain_decimal() -> None:
    with pytest.raises(NoteError, match="decimal"):
        Checkpoint.parse(f"{ORIGIN}\n+3\n{base64.b64encode(b'x' * 32).decode()}\n")


def _event(**fields: object) -> CustodyEvent:
    base: dict[str, object] = {
        "index": 0,
        "time": "2026-11-25T10:00:00.000000Z",
        "actor": Actor("officer.minhealth", "agency_officer", "AGENCY:MINHEALTH"),
        "action": "letter:registered",
        "registry_number": "MINHEALTH-2026-000001",
        "letter_sha256": "ab" * 32,
        "state_before": None,
        "state_after": "registered",
    }
    return CustodyEvent(**(base | fields))  # type: ignore[arg-type]


def test_leaf_is_rfc8785_with_sorted_keys_and_no_whitespace() -> None:
    leaf = canonical_bytes(_event(registry_number="Қазақ-№1"))
    assert leaf == (
        b'{"action":"letter:registered","actor":{"agency":"AGENCY:MINHEALTH",'
        b'"role":"agency_officer","user":"officer.minhealth"},"index":0,'
        b'"letter_sha256":"'
        + b"ab" * 32
        + b'","registry_number":"'
        + "Қазақ-№1".encode()
        + b'","state_after":"registered","state_before":null,'
        b'"time":"2026-11-25T10:00:00.000000Z"}'
    )
    assert decode_leaf(leaf) == _event(registry_number="Қазақ-№1")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"time": "2026-11-25T10:00:00Z"}, "time"),
        ({"action": "letter:deleted"}, "action: unknown tag"),
        ({"letter_sha256": "AB" * 32}, "letter_sha256"),
        ({"state_after": 3}, "state_after"),
    ],
)
def test_malformed_events_name_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(EventError, match=message):
        _event(**fields)


def test_every_refused_tag_is_accepted() -> None:
    assert _event(action="letter:submitted-refused").action == "letter:submitted-refused"
    assert _event(action="letter:notice-filed").action == "letter:notice-filed"  # ¶44


def test_leaves_with_extra_duplicate_or_missing_fields_are_refused() -> None:
    leaf = canonical_bytes(_event())
    with pytest.raises(EventError, match="fields are"):
        decode_leaf(leaf.replace(b'"index":0', b'"index":0,"x":1'))
    with pytest.raises(EventError, match="duplicate keys"):
        decode_leaf(leaf.replace(b'"index":0', b'"index":0,"index":0'))
    with pytest.raises(EventError, match="fields are"):
        decode_leaf(leaf.replace(b',"index":0', b""))


def test_format_time_is_utc_with_microseconds() -> None:
    almaty = timezone(timedelta(hours=5))
    moment = datetime(2026, 11, 25, 15, 0, 0, 5, tzinfo=almaty)
    assert format_time(moment) == "2026-11-25T10:00:00.000005Z"
    assert format_time(moment.astimezone(UTC)) == "2026-11-25T10:00:00.000005Z"
    with pytest.raises(EventError, match="naive"):
        format_time(datetime(2026, 1, 1))
