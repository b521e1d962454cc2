"""Byte mutations of a real signed letter never pass verification with other content.

One flipped or inserted byte anywhere: the verifier refuses the bytes as XML, or reports
anything but TOTAL_PASSED — unless the change left the signed content exactly as it was
(e.g. whitespace between attributes, which canonical XML does not see), in which case
what passed is the letter that was signed. It never raises anything else.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signing_pki import NOW, Officer

from signing.sign import sign_letter
from signing.trust import TrustStore
from signing.verify import VerificationResult, verify_letter
from signing.xmlparse import XMLInputError


@pytest.fixture(scope="module")
def signed(letter_xml: bytes, ec_officer: Officer) -> bytes:
    return sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW)


@pytest.fixture(scope="module")
def signed_content(signed: bytes, trust: TrustStore) -> bytes:
    result = verify_letter(signed, trust)
    assert result.passed
    return _content(result)


def _content(result: VerificationResult) -> bytes:
    assert result.signed_root is not None
    return etree.tostring(result.signed_root, method="c14n")


def _never_passes_changed(mutated: bytes, trust: TrustStore, signed_content: bytes) -> None:
    try:
        result = verify_letter(mutated, trust)
    except XMLInputError:
        return
    if result.report["indication"] == "TOTAL_PASSED":
        assert _content(result) == signed_content, "a changed letter passed"


@settings(max_examples=150)
@given(data=st.data())
def test_a_flipped_byte_never_passes_a_changed_letter(
    signed: bytes, signed_content: bytes, trust: TrustStore, data: st.DataObject
) -> None:
    mutated = bytearray(signed)
    at = data.draw(st.integers(min_value=0, max_value=len(signed) - 1), label="at")
    mutated[at] ^= data.draw(st.integers(min_value=1, max_value=255), label="xor")
    _never_passes_changed(bytes(mutated), trust, signed_content)


@settings(max_examples=100)
@given(data=st.data())
def test_an_inserted_byte_never_passes_a_changed_letter(
    signed: bytes, signed_content: bytes, trust: TrustStore, data: st.DataObject
) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(signed)), label="at")
    byte = data.draw(st.binary(min_size=1, max_size=1), label="byte")
    _never_passes_changed(signed[:at] + byte + signed[at:], trust, signed_content)


def test_a_certificate_with_a_damaged_subject_is_a_format_failure(
    signed: bytes, trust: TrustStore, ec_officer: Officer
) -> None:
    """A case the flips found: the DER still loads, but its subject cannot be read (cryptography
    parses names lazily); the verifier reported nothing and raised a TypeError."""
    der = ec_officer.cert.public_bytes(serialization.Encoding.DER)
    subject = ec_officer.cert.subject.public_bytes()
    # Name: SEQUENCE { SET { SEQUENCE { OID, value } } …}: the first value's string tag
    # becomes BIT STRING (0x03), which only an X500 unique identifier may be.
    oid = der.index(subject) + 6
    assert der[oid] == 0x06
    at = oid + 2 + der[oid + 1]
    damaged = der[:at] + b"\x03" + der[at + 1 :]
    root = etree.fromstring(signed)
    (certificate,) = root.iter("{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    assert base64.b64decode(certificate.text) == der
    certificate.text = base64.b64encode(damaged).decode()
    mutated = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    report = verify_letter(mutated, trust).report
    assert (report["indication"], report["sub_indication"]) == ("TOTAL_FAILED", "FORMAT_FAILURE")
