"""GOST signing (signing.gost.sign) and NCALayer-style XMLDSig (signing.xmldsig), each
checked by the existing verifiers: the GOST verifier (native and pure) and verify_letter.

The keys are public NCA TEST keys (tests/data/nca/keys, SOURCES.md); every one has
expired, so each verification is at a time inside its certificate's validity.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ncalayer_standin import load_pkcs12, sign_like_ncalayer

from signing import gost
from signing.pki_marks import recognise
from signing.trust import TrustStore, load_certificates
from signing.verify import verify_letter
from signing.xmldsig import sign_enveloped

NCA = Path(__file__).resolve().parents[2] / "data" / "nca"
LETTER = Path(__file__).resolve().parents[3] / "xml_schemas" / "examples" / "court-reply.xml"
GOST_KEY = "gost1.p12"  # individual, NCA GOST TEST 2022, 2024-10-29 .. 2025-10-29
RSA_KEY = "RSA256_8426360556902ce4ac33977836f873e1dc190976.p12"  # 2018-08-22 .. 2019-08-22
AUTH_KEY = "AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327.p12"
SIGNATORY_KEY = "GOST512_1fc27b2d34352e12507d72b4eef6df1f50c8fb59.p12"  # 2024-10-30 .. 2025-10-30
FIRST_HEAD_KEY = "GOST512_0860d9665327c26760c213126760a3b73072218d.p12"  # 2024-10-29 .. 2025-10-29
GOST_TIME = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
RSA_TIME = dt.datetime(2019, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def store() -> TrustStore:
    trust = TrustStore(allow_test_pki=True)
    for path in sorted((NCA / "ca").iterdir()):
        for cert in load_certificates(path.read_bytes()):
            trust.add_anchor(cert, pki=recognise(cert))
    return trust


def test_the_gost_key_of_an_nca_pkcs12_is_its_certificates_key() -> None:
    key, cert = load_pkcs12(NCA / "keys" / GOST_KEY)
    assert isinstance(key, gost.GostPrivateKey)
    assert key.public_key() == gost.public_key_from_certificate(cert)
    assert "d=" not in repr(key)


@pytest.mark.parametrize("pure", [False, True])
def test_a_gost_signature_verifies_and_nothing_else_does(pure: bool) -> None:
    key, cert = load_pkcs12(NCA / "keys" / GOST_KEY)
    public = gost.public_key_from_certificate(cert)
    signature = gost.sign(key, b"Arna")
    assert gost.verify(public, b"Arna", signature, pure=pure)
    assert not gost.verify(public, b"Arna.", signature, pure=pure)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not gost.verify(public, b"Arna", flipped, pure=pure)
    assert gost.sign(key, b"Arna") != signature  # a fresh k each time


@pytest.mark.parametrize(
    ("key_file", "at", "pki"),
    [(GOST_KEY, GOST_TIME, "nca-test"), (RSA_KEY, RSA_TIME, "nca-production")],
)
def test_an_ncalayer_style_signature_verifies_with_the_nca_profile(
    key_file: str, at: dt.datetime, pki: str, store: TrustStore
) -> None:
    signed = sign_like_ncalayer(LETTER.read_bytes(), key_file)
    assert b"#WithComments" in signed
    assert b"xades" not in signed.lower()
    result = verify_letter(signed, store, at)
    assert result.passed, result.report
    signer = result.report["signatures"][0]["signer"]
    assert (signer["iin"], signer["certificate_type"], signer["pki"]) == (
        "123456789011",
        "signing",
        pki,
    )


def test_a_second_signature_covers_the_first_and_tampering_breaks_both(store: TrustStore) -> None:
    once = sign_like_ncalayer(LETTER.read_bytes(), GOST_KEY)
    twice = sign_like_ncalayer(once, GOST_KEY)
    result = verify_letter(twice, store, GOST_TIME)
    assert result.passed
    assert len(result.report["signatures"]) == 2
    tampered = twice.replace(b"<subject>", b"<subject>X", 1)
    assert tampered != twice
    report = verify_letter(tampered, store, GOST_TIME).report
    assert report["indication"] == "TOTAL_FAILED"


def test_an_authentication_key_signs_but_never_counts(store: TrustStore) -> None:
    report = verify_letter(
        sign_like_ncalayer(LETTER.read_bytes(), AUTH_KEY), store, RSA_TIME
    ).report
    assert report["signatures"][0]["signer"]["certificate_type"] == "authentication"
    assert report["indication"] != "TOTAL_PASSED"


def test_a_key_is_never_used_with_another_keys_certificate() -> None:
    gost_key, _ = load_pkcs12(NCA / "keys" / GOST_KEY)
    _, rsa_cert = load_pkcs12(NCA / "keys" / RSA_KEY)
    with pytest.raises(ValueError, match="not the key's certificate"):
        sign_enveloped(LETTER.read_bytes(), gost_key, rsa_cert)


def test_the_nca_legal_entity_keys_sign_as_signatory_and_first_head(store: TrustStore) -> None:
    """skarm/kalkan's legal-entity test keys (one BIN): the officer's and the first head's."""
    once = sign_like_ncalayer(LETTER.read_bytes(), SIGNATORY_KEY)
    twice = sign_like_ncalayer(once, FIRST_HEAD_KEY)
    result = verify_letter(twice, store, GOST_TIME)
    assert result.passed, result.report
    signers = [s["signer"] for s in result.report["signatures"]]
    assert [(s["role"], s["bin"], s["pki"]) for s in signers] == [
        ("signatory", "123456789021", "nca-test"),
        ("first_head", "123456789021", "nca-test"),
    ]
    assert [identity.first_head for identity in result.signers] == [False, True]
