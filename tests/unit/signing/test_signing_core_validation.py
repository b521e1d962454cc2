"""The core verifier (signing.core_validation) on signatures whose SignatureValue is genuine:
only the one property under test is wrong, so nothing earlier can be what refuses them."""

from base64 import b64decode, b64encode

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree
from signing_pki import NOW, Officer

from signing.core_validation import InvalidDigest, InvalidSignature, verify_signature
from signing.sign import sign_letter
from signing.trust import TrustStore
from signing.verify import verify_letter
from signing.xmlparse import parse_xml

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _resign(root: etree._Element, key: ec.EllipticCurvePrivateKey, *, der: bool) -> None:
    """Sign the (possibly edited) SignedInfo again with the officer's own key, exclusive
    C14N as Arna signs; the value as XMLDSig writes it (r||s) or, with ``der``, as
    cryptography returns it (a DER SEQUENCE)."""
    signature = root.find(f"{DS}Signature")
    signed_info = signature.find(f"{DS}SignedInfo")
    data = etree.tostring(signed_info, method="c14n", exclusive=True)
    value = key.sign(data, ec.ECDSA(hashes.SHA256()))
    if not der:
        r, s = decode_dss_signature(value)
        value = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    signature.find(f"{DS}SignatureValue").text = b64encode(value).decode()


def _report(root: etree._Element, trust: TrustStore) -> tuple[str, str | None, list[str]]:
    report = verify_letter(etree.tostring(root), trust).report
    [signature] = report["signatures"]
    return report["indication"], report["sub_indication"], signature["reasons"]


@pytest.fixture
def signed(letter_xml: bytes, ec_officer: Officer) -> etree._Element:
    return parse_xml(sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW))


def test_an_ecdsa_signature_value_in_der_form_is_refused(
    signed: etree._Element, ec_officer: Officer, trust: TrustStore
) -> None:
    """The same signature of the same SignedInfo passes as r||s and fails as DER."""
    assert isinstance(ec_officer.key, ec.EllipticCurvePrivateKey)
    _resign(signed, ec_officer.key, der=False)
    assert _report(signed, trust)[:2] == ("TOTAL_PASSED", None)
    _resign(signed, ec_officer.key, der=True)
    indication, sub_indication, [reason] = _report(signed, trust)
    assert (indication, sub_indication) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")
    assert "Expected 64 byte SignatureValue" in reason
    with pytest.raises(InvalidSignature):
        verify_signature(signed, signed.find(f"{DS}Signature"), ec_officer.cert)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["document", "SignedProperties", "KeyInfo"])
def test_a_digest_value_mismatch_is_refused_for_each_reference(
    signed: etree._Element, ec_officer: Officer, trust: TrustStore, index: int
) -> None:
    """A validly signed SignedInfo whose one reference's DigestValue is not the digest of
    what it points to: HASH_FAILURE naming that reference."""
    assert isinstance(ec_officer.key, ec.EllipticCurvePrivateKey)
    references = signed.findall(f"{DS}Signature/{DS}SignedInfo/{DS}Reference")
    assert len(references) == 3
    digest_value = references[index].find(f"{DS}DigestValue")
    wrong = bytearray(b64decode(digest_value.text))
    wrong[0] ^= 1
    digest_value.text = b64encode(bytes(wrong)).decode()
    _resign(signed, ec_officer.key, der=False)
    indication, sub_indication, [reason] = _report(signed, trust)
    assert (indication, sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")
    assert reason == f"Digest mismatch for reference {index} ({references[index].get('URI')})"
    with pytest.raises(InvalidDigest):
        verify_signature(signed, signed.find(f"{DS}Signature"), ec_officer.cert)
