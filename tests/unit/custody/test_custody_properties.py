"""Round-trip properties of the custody formats: one spelling per event and per checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from custody.event import (
    ACTIONS,
    Actor,
    CustodyEvent,
    EventError,
    canonical_bytes,
    decode_leaf,
    format_time,
)
from custody.note import Checkpoint

# Any Unicode but lone surrogates, which no UTF-8 leaf can carry.
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
_OPTIONAL_TEXT = st.none() | _TEXT
_TIMES = st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)).map(format_time)
EVENTS = st.builds(
    CustodyEvent,
    # I-JSON (RFC 7493): integers beyond 2**53 - 1 have no canonical JSON (RFC 8785 §3.2.2.3).
    index=st.integers(min_value=0, max_value=2**53 - 1),
    time=_TIMES,
    actor=st.builds(Actor, user=_TEXT.filter(bool), role=_TEXT.filter(bool), agency=_OPTIONAL_TEXT),
    action=st.sampled_from(sorted(ACTIONS)),
    registry_number=_OPTIONAL_TEXT,
    letter_sha256=st.none() | st.binary(min_size=32, max_size=32).map(bytes.hex),
    state_before=_OPTIONAL_TEXT,
    state_after=_OPTIONAL_TEXT,
)


@given(EVENTS)
def test_a_leaf_decodes_to_its_event_and_encodes_to_the_same_bytes(event: CustodyEvent) -> None:
    leaf = canonical_bytes(event)
    decoded = decode_leaf(leaf)
    assert decoded == event
    assert canonical_bytes(decoded) == leaf


@given(EVENTS, st.data())
def test_a_changed_byte_never_reads_as_the_same_event(
    event: CustodyEvent, data: st.DataObject
) -> None:
    """Flip one byte: the leaf is refused, or it is the canonical leaf of another event."""
    leaf = bytearray(canonical_bytes(event))
    at = data.draw(st.integers(min_value=0, max_value=len(leaf) - 1))
    leaf[at] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        other = decode_leaf(bytes(leaf))
    except EventError:
        return
    assert other != event
    assert canonical_bytes(other) == bytes(leaf)


@given(
    # An origin is one line of text (C2SP tlog-checkpoint): no control or line-break characters.
    origin=st.text(st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1),
    size=st.integers(min_value=0, max_value=2**63),
    root=st.binary(min_size=32, max_size=32),
)
def test_a_checkpoint_body_parses_to_its_checkpoint(origin: str, size: int, root: bytes) -> None:
    checkpoint = Checkpoint(origin, size, root)
    parsed = Checkpoint.parse(checkpoint.body())
    assert parsed == checkpoint
    assert parsed.body() == checkpoint.body()
