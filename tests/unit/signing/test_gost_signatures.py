"""GOST 34.10-2015 signatures of the NCA RK samples, both paths (issue 9)."""

from __future__ import annotations

import pytest
from asn1crypto import cms
from cryptography import x509
from gost_samples import NCA, PATHS, SignedSample, all_gost_signatures, certificate

from signing import gost

SAMPLES = all_gost_signatures()
SAMPLE_IDS = [sample.name for sample in SAMPLES]


def _flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_every_gost_sample_has_its_signature() -> None:
    assert SAMPLE_IDS == [
        "kalkan_gost2015_hello.xml",
        "ncanode_rsa_plus_gost2015_two_signers.xml",
        "ncanode_xades_gost2015_b.xml",
    ]


@pytest.mark.parametrize("pure", PATHS)
@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_sample_signature_verifies_over_signed_info(sample: SignedSample, pure: bool) -> None:
    key = gost.public_key_from_certificate(sample.cert)
    assert gost.verify(key, sample.signed_info, sample.signature, pure=pure)


@pytest.mark.parametrize("pure", PATHS)
@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_changed_signed_info_fails(sample: SignedSample, pure: bool) -> None:
    key = gost.public_key_from_certificate(sample.cert)
    changed = sample.signed_info.replace(b"<ds:DigestValue>", b"<ds:DigestValue>A", 1)
    assert changed != sample.signed_info
    assert not gost.verify(key, changed, sample.signature, pure=pure)


@pytest.mark.parametrize("pure", PATHS)
@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_every_flipped_byte_of_signature_or_digest_fails(sample: SignedSample, pure: bool) -> None:
    key = gost.public_key_from_certificate(sample.cert)
    digest = gost.streebog512(sample.signed_info, pure=pure)
    assert gost.verify_digest(key, digest, sample.signature, pure=pure)
    for index in range(len(sample.signature)):
        flipped = _flipped(sample.signature, index)
        assert not gost.verify_digest(key, digest, flipped, pure=pure), f"signature byte {index}"
    for index in range(len(digest)):
        flipped = _flipped(digest, index)
        assert not gost.verify_digest(key, flipped, sample.signature, pure=pure), f"digest {index}"


@pytest.mark.parametrize("pure", PATHS)
def test_malformed_signatures_are_not_valid(pure: bool) -> None:
    sample = SAMPLES[0]
    key = gost.public_key_from_certificate(sample.cert)
    digest = gost.streebog512(sample.signed_info)
    q = key.curve.q.to_bytes(64, "little")
    r, s = sample.signature[:64], sample.signature[64:]
    for bad in (
        sample.signature[:-1],
        sample.signature + b"\0",
        b"",
        bytes(64) + s,  # r = 0
        r + bytes(64),  # s = 0
        q + s,  # r = q
        r + q,  # s = q
        s + r,  # halves swapped
        sample.signature[::-1],  # RFC 4491's big-endian s||r is not NCA's layout
    ):
        assert not gost.verify_digest(key, digest, bad, pure=pure)


def test_a_digest_of_the_wrong_length_is_refused() -> None:
    sample = SAMPLES[0]
    key = gost.public_key_from_certificate(sample.cert)
    with pytest.raises(gost.GostError, match="64 bytes, not 32"):
        gost.verify_digest(key, bytes(32), sample.signature)


@pytest.mark.parametrize("pure", PATHS)
def test_another_key_does_not_verify(pure: bool) -> None:
    sample = SAMPLES[0]
    issuer_key = gost.public_key_from_certificate(certificate("nca_gost2022_test.cer"))
    assert not gost.verify(issuer_key, sample.signed_info, sample.signature, pure=pure)


@pytest.mark.parametrize("pure", PATHS)
def test_cms_sample_signs_its_signed_attributes_in_the_same_layout(pure: bool) -> None:
    """Kalkan's CMS: the SignerInfo's signature over the DER SET of signed attributes."""
    signed_data = cms.ContentInfo.load((NCA / "kalkan_gost2015_hello_cms.p7s").read_bytes())[
        "content"
    ]
    signer = signed_data["signer_infos"][0]
    assert signer["signature_algorithm"]["algorithm"].dotted == gost.SIGNATURE_ALGORITHM_OID
    cert = x509.load_der_x509_certificate(signed_data["certificates"][0].chosen.dump())
    key = gost.public_key_from_certificate(cert)
    attributes = {a["type"].dotted: a["values"][0] for a in signer["signed_attrs"]}
    content = signed_data["encap_content_info"]["content"].native
    assert attributes["1.2.840.113549.1.9.4"].native == gost.streebog512(content, pure=pure)
    signed = signer["signed_attrs"].untag().dump(force=True)
    signature = signer["signature"].native
    assert gost.verify(key, signed, signature, pure=pure)
    assert not gost.verify(key, signed, _flipped(signature, 5), pure=pure)
