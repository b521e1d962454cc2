"""signing.gost cross-checked with a second implementation: gostcrypto (PyPI, pure Python).

gostcrypto uses big-endian throughout (key X||Y, signature r||s, digest read
big-endian); NCA RK uses little-endian.  The conversions below are the only glue.
"""

from __future__ import annotations

import os

import pytest
from gost_samples import PATHS, SignedSample, all_gost_signatures
from gostcrypto import gostsignature

from signing import gost
from signing.gost.curve import TC26_512_A

PARAMSET_A = gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]
SAMPLES = all_gost_signatures()


def _gostcrypto() -> gostsignature.GOST34102012:
    return gostsignature.new(gostsignature.MODE_512, PARAMSET_A)


def _their_signature(nca: bytes) -> bytearray:
    r, s = int.from_bytes(nca[:64], "little"), int.from_bytes(nca[64:], "little")
    return bytearray(r.to_bytes(64, "big") + s.to_bytes(64, "big"))


def _nca_signature(theirs: bytes) -> bytes:
    r, s = int.from_bytes(theirs[:64], "big"), int.from_bytes(theirs[64:], "big")
    return r.to_bytes(64, "little") + s.to_bytes(64, "little")


def _their_key(key: gost.GostPublicKey) -> bytearray:
    return bytearray(key.x.to_bytes(64, "big") + key.y.to_bytes(64, "big"))


def test_curve_parameters_are_gostcryptos_paramset_a() -> None:
    ours = TC26_512_A
    assert (ours.p, ours.a, ours.b, ours.q, ours.x, ours.y) == tuple(
        PARAMSET_A[name] for name in ("p", "a", "b", "q", "x", "y")
    )
    assert PARAMSET_A["m"] == ours.q  # cofactor 1


@pytest.mark.parametrize("pure", PATHS)
def test_gostcrypto_signatures_of_random_messages_verify(pure: bool) -> None:
    """Fresh random keys: gostcrypto signs, signing.gost verifies (and refuses a changed one)."""
    signer = _gostcrypto()
    for _ in range(2):
        private = bytearray(os.urandom(64))
        while not 0 < int.from_bytes(private, "big") < TC26_512_A.q:
            private = bytearray(os.urandom(64))
        public = signer.public_key_generate(private)
        key = gost.GostPublicKey(
            int.from_bytes(public[:64], "big"), int.from_bytes(public[64:], "big"), TC26_512_A
        )
        message = os.urandom(int.from_bytes(os.urandom(2), "big") % 5000)
        digest = gost.streebog512(message)
        signature = _nca_signature(signer.sign(private, bytearray(digest[::-1])))
        assert gost.verify(key, message, signature, pure=pure)
        assert not gost.verify(key, message + b"\0", signature, pure=pure)


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_gostcrypto_agrees_on_the_nca_samples(sample: SignedSample) -> None:
    key = gost.public_key_from_certificate(sample.cert)
    digest = bytearray(gost.streebog512(sample.signed_info)[::-1])
    theirs = _gostcrypto()
    assert theirs.verify(_their_key(key), digest, _their_signature(sample.signature))
    changed = bytearray(digest)
    changed[0] ^= 0x01
    assert not theirs.verify(_their_key(key), changed, _their_signature(sample.signature))
    assert not gost.verify_digest(key, bytes(changed[::-1]), sample.signature)
