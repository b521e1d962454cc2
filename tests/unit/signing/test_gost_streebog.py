"""Streebog-512 (GOST R 34.11-2012 = GOST 34.11-2015), both paths (issue 9)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from gost_samples import PATHS
from hypothesis import given, settings
from hypothesis import strategies as st

from signing import gost
from signing.gost import native

# GOST R 34.11-2012, Appendix A: the examples M1 and M2 and their 512-bit hashes, written
# in the standard as numbers (most significant byte first); the bytes are the reverse.
M1 = (
    "3231303938373635343332313039383736353433323130393837363534333231"
    "30393837363534333231303938373635343332313039383736353433323130"
)
H1 = (
    "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
    "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
)
M2 = (
    "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2"
    "f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202c"
    "e8f0f2e5e220e5d1"
)
H2 = (
    "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f03"
    "7613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e"
)


def _standard(number: str) -> bytes:
    return bytes.fromhex(number)[::-1]


def test_the_standard_examples_are_the_texts_they_name() -> None:
    assert _standard(M1) == b"012345678901234567890123456789012345678901234567890123456789012"
    assert _standard(M2).decode("cp1251") == (
        "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы"
    )


@pytest.mark.parametrize("pure", PATHS)
@pytest.mark.parametrize(("message", "digest"), [(M1, H1), (M2, H2)], ids=["M1", "M2"])
def test_streebog512_known_answers(pure: bool, message: str, digest: str) -> None:
    assert gost.streebog512(_standard(message), pure=pure) == _standard(digest)


@pytest.mark.skipif(native.load() is None, reason="libengine-gost-openssl is not installed")
@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_fast_and_pure_streebog_agree(data: bytes) -> None:
    assert gost.streebog512(data) == gost.streebog512(data, pure=True)


@pytest.mark.skipif(native.load() is None, reason="libengine-gost-openssl is not installed")
@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 127, 128, 129, 5 * 1024])
def test_fast_and_pure_streebog_agree_at_block_edges(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    assert gost.streebog512(data[:size]) == gost.streebog512(data[:size], pure=True)


@pytest.mark.skipif(native.load() is None, reason="libengine-gost-openssl is not installed")
def test_fast_path_leaves_the_process_openssl_as_it_was() -> None:
    """Loading the engine and the private provider adds nothing to hashlib or cryptography."""
    script = textwrap.dedent(
        """
        import hashlib
        from cryptography.hazmat.primitives import hashes
        before = sorted(hashlib.algorithms_available)
        from signing import gost
        from signing.gost import native
        assert native.load() is not None
        assert gost.streebog512(b"x") != bytes(64)
        assert sorted(hashlib.algorithms_available) == before, "hashlib changed"
        try:
            hashlib.new("md_gost12_512")
        except ValueError:
            pass
        else:
            raise AssertionError("Streebog leaked into the default OpenSSL context")
        assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf")
        sha = hashes.Hash(hashes.SHA256())
        sha.update(b"abc")
        assert sha.finalize().hex().startswith("ba7816bf")
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
