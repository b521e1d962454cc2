"""sign_letter(): the XAdES-B signature Arna writes, and what it refuses to sign."""

import datetime as dt

import pytest
from lxml import etree
from signing_pki import NOW, Officer

from signing.sign import SigningError, sign_letter
from signing.xmlparse import parse_xml

DS = "{http://www.w3.org/2000/09/xmldsig#}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


@pytest.mark.parametrize("who", ["ec_officer", "rsa_officer"])
def test_signature_shape(letter_xml: bytes, request: pytest.FixtureRequest, who: str) -> None:
    officer: Officer = request.getfixturevalue(who)
    signed = parse_xml(sign_letter(letter_xml, officer.key, officer.cert, signing_time=NOW))
    signature = signed[-1]
    assert signature.tag == f"{DS}Signature"
    refs = signature.findall(f"{DS}SignedInfo/{DS}Reference")
    transforms = [[t.get("Algorithm") for t in r.iter(f"{DS}Transform")] for r in refs]
    assert refs[0].get("URI") == ""
    assert transforms[0] == [ENVELOPED, EXC_C14N]
    # signxml alone leaves these out and the signature then verifies nowhere else.
    assert transforms[1:] == [[EXC_C14N], [EXC_C14N]]
    assert signature.find(f"{DS}KeyInfo/{DS}KeyValue") is None
    assert signature.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate") is not None
    props = signature.find(f".//{XADES}SignedSignatureProperties")
    assert props.findtext(f"{XADES}SigningTime") == NOW.isoformat()
    assert props.find(f"{XADES}SigningCertificateV2") is not None
    method = signature.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
    assert method.endswith("sha256")


def test_comments_are_not_signed_around(letter_xml: bytes, ec_officer: Officer) -> None:
    with_comment = letter_xml.replace(b"<body>", b"<body><!-- draft -->")
    signed = sign_letter(with_comment, ec_officer.key, ec_officer.cert)
    assert b"<!--" not in signed
    assert b"<body>The Ministry" in signed


def test_someone_elses_certificate_is_refused(
    letter_xml: bytes, ec_officer: Officer, first_head: Officer
) -> None:
    with pytest.raises(SigningError, match="not the key's certificate"):
        sign_letter(letter_xml, ec_officer.key, first_head.cert)


def test_an_invalid_letter_is_not_signed(ec_officer: Officer) -> None:
    bad = etree.tostring(etree.Element("{urn:arna:letter:1}letter", version="1"))
    with pytest.raises(ValueError, match="invalid letter"):
        sign_letter(bad, ec_officer.key, ec_officer.cert)


def test_a_signing_time_without_zone_is_refused(letter_xml: bytes, ec_officer: Officer) -> None:
    with pytest.raises(SigningError, match="time zone"):
        sign_letter(
            letter_xml, ec_officer.key, ec_officer.cert, signing_time=dt.datetime(2026, 3, 19)
        )
