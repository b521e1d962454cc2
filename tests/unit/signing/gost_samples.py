"""The vendored NCA RK GOST samples (tests/data/nca, see its SOURCES.md), read for the GOST tests.

A plain module: conftest is not importable.  The c14n of SignedInfo is computed
with lxml here only as test scaffolding; the verifier proper is signing.verify's.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from signing import gost
from signing.gost import native
from signing.xmlparse import parse_xml

NCA = Path(__file__).resolve().parents[2] / "data" / "nca"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
GOST_XML_SAMPLES = (
    "kalkan_gost2015_hello.xml",
    "ncanode_rsa_plus_gost2015_two_signers.xml",
    "ncanode_xades_gost2015_b.xml",
)


@dataclass(frozen=True)
class SignedSample:
    """One GOST signature of a sample: what it signs, the signature, the signer's certificate."""

    name: str
    signed_info: bytes  # c14n of SignedInfo, the bytes the signature covers
    signature: bytes  # SignatureValue, NCA layout r||s little-endian
    cert: x509.Certificate


def certificate(name: str) -> x509.Certificate:
    """A CA certificate of tests/data/nca/ca (PEM or DER)."""
    data = (NCA / "ca" / name).read_bytes()
    if data.startswith(b"-----"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def crl(name: str) -> x509.CertificateRevocationList:
    """A DER CRL of tests/data/nca/crl."""
    return x509.load_der_x509_crl((NCA / "crl" / name).read_bytes())


def gost_signatures(name: str) -> list[SignedSample]:
    """Every GOST signature in the sample XML ``name``."""
    root = parse_xml((NCA / name).read_bytes())
    found = []
    for signature in root.iter(f"{DS}Signature"):
        signed_info = signature.find(f"{DS}SignedInfo")
        method = signed_info.find(f"{DS}SignatureMethod").get("Algorithm")
        if method != gost.SIGNATURE_URI:
            continue
        c14n = signed_info.find(f"{DS}CanonicalizationMethod").get("Algorithm")
        cert_b64 = signature.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").text
        found.append(
            SignedSample(
                name=name,
                signed_info=etree.tostring(signed_info, method="c14n", exclusive=c14n == EXC_C14N),
                signature=base64.b64decode(signature.find(f"{DS}SignatureValue").text),
                cert=x509.load_der_x509_certificate(base64.b64decode(cert_b64)),
            )
        )
    return found


def all_gost_signatures() -> list[SignedSample]:
    """The GOST signatures of every GOST sample (one per file)."""
    return [sample for name in GOST_XML_SAMPLES for sample in gost_signatures(name)]


#: signing.gost's two paths: ``pure=False`` (OpenSSL's gost engine) and ``pure=True``.
PATHS = (
    pytest.param(
        False,
        id="fast",
        marks=pytest.mark.skipif(
            native.load() is None,
            reason="libengine-gost-openssl is not installed (scripts/system-deps.sh installs it)",
        ),
    ),
    pytest.param(True, id="pure"),
)


#: The signers' certificates of the GOST samples.
SAMPLES_BY_SIGNER = tuple(sample.cert for sample in all_gost_signatures())
