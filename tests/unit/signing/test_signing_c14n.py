"""Canonicalisation of a signature's parts inside the document, cross-checked against xmlsec1.

GOST signatures cannot be made here (no NCA private key is vendored), but the
bytes a GOST signature covers are made by the same canonicalisation as any other:
xmlsec1 (libxml2's C14N over node sets, like Apache Santuario in NCALayer) signs an
RSA letter, and the c14n this module computes must be the bytes it signed and digested.
"""

from __future__ import annotations

import hashlib
import shutil
from base64 import b64decode
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from signing_pki import Officer
from test_signing_xmlsec1_interop import INCL_C14N, _xmlsec1_sign

from signing.core_validation import _without, canonical
from signing.trust import TrustStore
from signing.verify import verify_letter
from signing.xmlparse import parse_xml

pytestmark = pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="needs xmlsec1")
DS = "{http://www.w3.org/2000/09/xmldsig#}"


@pytest.mark.parametrize("lang", [b"", b' xml:lang="kk"'], ids=["plain", "xml-lang-on-root"])
def test_signed_info_and_document_c14n_are_what_xmlsec1_signed(
    letter_xml: bytes, rsa_officer: Officer, tmp_path: Path, lang: bytes
) -> None:
    """Inclusive C14N of SignedInfo carries the ancestors' xml:* attributes (C14N 1.0 §2.4),
    which lxml alone leaves out."""
    letter = letter_xml.replace(b'version="1">', b'version="1"' + lang + b">", 1)
    signed = parse_xml(_xmlsec1_sign(letter, rsa_officer, "rsa_officer", INCL_C14N, tmp_path))
    signature = signed.find(f"{DS}Signature")
    signed_info = signature.find(f"{DS}SignedInfo")
    value = b64decode(signature.findtext(f"{DS}SignatureValue"))
    c14n = canonical(signed_info, signed_info.find(f"{DS}CanonicalizationMethod"))
    assert (b'xml:lang="kk"' in c14n) == bool(lang)
    rsa_officer.cert.public_key().verify(value, c14n, padding.PKCS1v15(), hashes.SHA256())
    reference = signed_info.find(f"{DS}Reference")
    document = canonical(_without(signed, signature), reference.findall(f".//{DS}Transform")[-1])
    assert hashlib.sha256(document).digest() == b64decode(reference.findtext(f"{DS}DigestValue"))


def test_an_xmlsec1_signature_over_a_letter_with_xml_lang_verifies(
    letter_xml: bytes, rsa_officer: Officer, trust: TrustStore, tmp_path: Path
) -> None:
    """The same inheritance in signxml's path (signing.verify), RSA with inclusive C14N."""
    letter = letter_xml.replace(b'version="1">', b'version="1" xml:lang="kk">', 1)
    signed = _xmlsec1_sign(letter, rsa_officer, "rsa_officer", INCL_C14N, tmp_path)
    report = verify_letter(signed, trust).report
    assert report["indication"] == "TOTAL_PASSED", report
