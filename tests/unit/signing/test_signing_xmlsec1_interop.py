"""Interoperability with the xmlsec1 command-line tool, both ways (issue 3).

Skipped only where the binary is absent; CI installs it (scripts/system-deps.sh).
"""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from lxml import etree
from signing_pki import Officer

from signing.ca import CertificateAuthority
from signing.sign import sign_letter
from signing.trust import TrustStore
from signing.verify import verify_letter
from signing.xmlparse import parse_xml

XMLSEC1 = shutil.which("xmlsec1")
pytestmark = pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed")

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
INCL_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
METHODS = {
    "ec_officer": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "rsa_officer": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
}


def _xmlsec1(*args: str) -> subprocess.CompletedProcess[str]:
    assert XMLSEC1 is not None
    return subprocess.run([XMLSEC1, *args], capture_output=True, text=True, timeout=60)


def _xmlsec1_verifies(xml: bytes, ca: CertificateAuthority, tmp_path: Path, *options: str) -> bool:
    (tmp_path / "ca.pem").write_bytes(ca.certificate.public_bytes(Encoding.PEM))
    (tmp_path / "in.xml").write_bytes(xml)
    run = _xmlsec1(
        "--verify",
        "--enabled-key-data",
        "x509",
        "--trusted-pem",
        str(tmp_path / "ca.pem"),
        *options,
        str(tmp_path / "in.xml"),
    )
    return run.returncode == 0


def _template(letter: bytes, method: str, c14n: str) -> bytes:
    """What an agency's own tooling would hand to `xmlsec1 --sign`."""
    root = parse_xml(letter)
    signature = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS})
    info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=c14n)
    etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm=method)
    ref = etree.SubElement(info, f"{{{DS}}}Reference", URI="")
    transforms = etree.SubElement(ref, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=DS + "enveloped-signature")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=c14n)
    etree.SubElement(
        ref, f"{{{DS}}}DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"
    )
    etree.SubElement(ref, f"{{{DS}}}DigestValue")
    etree.SubElement(signature, f"{{{DS}}}SignatureValue")
    key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
    etree.SubElement(key_info, f"{{{DS}}}X509Data")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _xmlsec1_sign(letter: bytes, officer: Officer, who: str, c14n: str, tmp_path: Path) -> bytes:
    key_pem = officer.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "cert.pem").write_bytes(officer.cert.public_bytes(Encoding.PEM))
    (tmp_path / "template.xml").write_bytes(_template(letter, METHODS[who], c14n))
    run = _xmlsec1(
        "--sign",
        "--privkey-pem",
        f"{tmp_path / 'key.pem'},{tmp_path / 'cert.pem'}",
        "--output",
        str(tmp_path / "signed.xml"),
        str(tmp_path / "template.xml"),
    )
    assert run.returncode == 0, run.stderr
    return (tmp_path / "signed.xml").read_bytes()


@pytest.mark.parametrize("who", ["ec_officer", "rsa_officer"])
def test_an_arna_signature_verifies_in_xmlsec1(
    letter_xml: bytes,
    registry_ca: CertificateAuthority,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    who: str,
) -> None:
    officer: Officer = request.getfixturevalue(who)
    signed = sign_letter(letter_xml, officer.key, officer.cert)
    assert _xmlsec1_verifies(signed, registry_ca, tmp_path)
    assert not _xmlsec1_verifies(signed.replace(b"May 2026", b"June 2026"), registry_ca, tmp_path)


def test_the_outer_signature_of_a_co_signed_letter_verifies_in_xmlsec1(
    letter_xml: bytes,
    registry_ca: CertificateAuthority,
    ec_officer: Officer,
    first_head: Officer,
    tmp_path: Path,
) -> None:
    """The last signature covers the letter and the earlier ones; xmlsec1 is pointed at it."""
    signed = sign_letter(letter_xml, ec_officer.key, ec_officer.cert)
    both = sign_letter(signed, first_head.key, first_head.cert)
    last = "/*/*[local-name()='Signature'][last()]"
    assert _xmlsec1_verifies(both, registry_ca, tmp_path, "--node-xpath", last)
    tampered = both.replace(b"May 2026", b"June 2026")
    assert not _xmlsec1_verifies(tampered, registry_ca, tmp_path, "--node-xpath", last)


def test_xmlsec1_refuses_an_arna_signature_from_an_untrusted_ca(
    letter_xml: bytes, registry_ca: CertificateAuthority, rogue_officer: Officer, tmp_path: Path
) -> None:
    signed = sign_letter(letter_xml, rogue_officer.key, rogue_officer.cert)
    assert not _xmlsec1_verifies(signed, registry_ca, tmp_path)


@pytest.mark.parametrize("c14n", [EXC_C14N, INCL_C14N])
@pytest.mark.parametrize("who", ["ec_officer", "rsa_officer"])
def test_an_xmlsec1_signature_verifies_in_arna(
    letter_xml: bytes,
    trust: TrustStore,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    who: str,
    c14n: str,
) -> None:
    officer: Officer = request.getfixturevalue(who)
    signed = _xmlsec1_sign(letter_xml, officer, who, c14n, tmp_path)
    result = verify_letter(signed, trust)
    assert result.passed, result.report
    [signature] = result.report["signatures"]
    assert signature["signature_format"] == "XMLDSig"
    assert signature["signer"]["subject"] == officer.cert.subject.rfc4514_string()
    assert result.signers == [officer.identity]

    tampered = verify_letter(signed.replace(b"May 2026", b"June 2026"), trust).report
    assert (tampered["indication"], tampered["sub_indication"]) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_an_xmlsec1_signature_with_a_revoked_certificate_fails_in_arna(
    letter_xml: bytes, trust: TrustStore, revoked_officer: Officer, tmp_path: Path
) -> None:
    signed = _xmlsec1_sign(letter_xml, revoked_officer, "ec_officer", EXC_C14N, tmp_path)
    # A plain XMLDSig claims no signing time: it is checked now, after the revocation.
    report = verify_letter(signed, trust).report
    assert (report["indication"], report["sub_indication"]) == ("TOTAL_FAILED", "REVOKED")
    assert verify_letter(signed, trust, at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).passed
