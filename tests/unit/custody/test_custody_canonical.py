"""The fast leaf encoder is RFC 8785 for every event, and refuses what RFC 8785 refuses."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from custody.event import Actor, CustodyEvent, EventError, canonical_bytes, decode_leaf

# Every code point, control characters and lone surrogates included.
any_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0), max_size=20)


@given(
    index=st.integers(0, 2**64),
    user=any_text.filter(bool),
    agency=st.none() | any_text,
    number=st.none() | any_text,
    state=st.none() | any_text,
)
def test_fast_encoding_is_rfc8785_or_refused_alike(
    index: int, user: str, agency: str | None, number: str | None, state: str | None
) -> None:
    event = CustodyEvent(
        index=index,
        time="2026-11-25T10:00:00.000000Z",
        actor=Actor(user=user, role="auditor", agency=agency),
        action="log:exported",
        registry_number=number,
        letter_sha256=None,
        state_before=state,
        state_after=state,
    )
    try:
        expected = rfc8785.dumps(event.to_dict())
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_bytes(event)
        return
    assert canonical_bytes(event) == expected
    assert decode_leaf(expected) == event


def test_escapes_are_the_short_and_lower_case_ones() -> None:
    event = CustodyEvent(
        index=2**53 - 1,
        time="2026-11-25T10:00:00.000000Z",
        actor=Actor(user='a"\\\b\f\n\r\t\x00\x1f\x7f\u2028é😀', role="auditor", agency=None),
        action="log:exported",
        registry_number=None,
        letter_sha256=None,
        state_before=None,
        state_after=None,
    )
    leaf = canonical_bytes(event)
    assert leaf == rfc8785.dumps(event.to_dict())
    assert (
        b'"a\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\xe2\x80\xa8\xc3\xa9\xf0\x9f\x98\x80"' in leaf
    )
    with pytest.raises(EventError, match="not the RFC 8785 canonical form"):
        decode_leaf(leaf.replace(b"\\u001f", b"\\u001F"))
