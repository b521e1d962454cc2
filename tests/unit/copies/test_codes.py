"""Verification codes: unguessable, printable, stored only as a hash."""

from __future__ import annotations

import hashlib
import re

import pytest

from registry.paper.codes import (
    ALPHABET,
    CODE_SYMBOLS,
    CodeError,
    code_matches,
    lookup_key,
    new_code,
    normalize_code,
    verification_url,
)


def test_codes_carry_at_least_128_bits_and_are_url_safe() -> None:
    assert CODE_SYMBOLS * 5 >= 128
    assert len(ALPHABET) == 32
    code = new_code()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", code)
    assert len({new_code() for _ in range(1000)}) == 1000


def test_typing_from_paper_is_forgiven() -> None:
    code = "7QK2-M0D4-XR9B-C3VN-T5HW-8JEP-6AYZ"
    typed = " 7qk2 mOd4 xr9b c3vn t5hw 8jep 6ayz "
    assert normalize_code(typed) == normalize_code(code) == code.replace("-", "")
    assert code_matches(typed, lookup_key(code))


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "abc",
        "7QK2-M0D4-XR9B-C3VN-T5HW-8JEP-6AY",
        "7QK2-M0D4-XR9B-C3VN-T5HW-8JEP-6AYU",
        "../../etc",
    ],
)
def test_junk_is_not_a_code(junk: str) -> None:
    with pytest.raises(CodeError):
        normalize_code(junk)
    assert not code_matches(junk, lookup_key(new_code()))


def test_only_a_hash_of_the_code_is_stored() -> None:
    code = new_code()
    key = lookup_key(code)
    assert key == hashlib.sha256(normalize_code(code).encode()).hexdigest()
    assert normalize_code(code) not in key
    assert not code_matches(new_code(), key)


def test_verification_url() -> None:
    assert verification_url("https://arna.kz/", "AB") == "https://arna.kz/verify/AB"
