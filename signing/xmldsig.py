"""An enveloped XMLDSig signature made the way NCALayer's ``signXml`` makes it (NCA RK).

NCALayer (``kz.gov.pki.knca.commonUtils.signXml``) appends to the document element
one ``ds:Signature``: SignedInfo canonicalised with inclusive C14N 1.0, one
reference ``URI=""`` with the enveloped-signature and C14N 1.0 ``#WithComments``
transforms, RSA-SHA256 (SHA-256 digest) for RSA keys or GOST 34.10-2015 512-bit
with Streebog-512 under the ``pkigovkz`` URIs for GOST keys, and a KeyInfo with
the signer's certificate only (tests/data/nca/SOURCES.md lists the samples this
layout is read from).  A document already signed gets a further signature that
covers the earlier ones, as NCALayer does when a second person signs.

Arna itself never signs this way (its own signatures are XAdES, ``signing.sign``):
this is the signer of the tests' NCALayer stand-in, and the canonical forms and
digests are the verifier's own (``signing.core_validation``), so what it makes is
checked by the same code that checks NCALayer's real output.
"""

from __future__ import annotations

from base64 import b64encode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from signing import gost
from signing.core_validation import DS, canonical, digest
from signing.xmlparse import parse_xml

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WITH_COMMENTS = C14N + "#WithComments"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

NCALayerKey = rsa.RSAPrivateKey | gost.GostPrivateKey


def _ds(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    """A ds: child on a line of its own (NCALayer breaks the lines of its signatures)."""
    element = etree.SubElement(parent, f"{{{DS}}}{name}", attributes)
    element.text, element.tail = text, "\n"
    return element


def _methods(key: NCALayerKey) -> tuple[str, str]:
    if isinstance(key, gost.GostPrivateKey):
        return gost.SIGNATURE_URI, gost.DIGEST_URI
    return RSA_SHA256, SHA256


def _signature_value(key: NCALayerKey, data: bytes) -> bytes:
    if isinstance(key, gost.GostPrivateKey):
        return gost.sign(key, data)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def sign_enveloped(xml: bytes, key: NCALayerKey, cert: x509.Certificate) -> bytes:
    """``xml`` with one more enveloped signature by ``key`` (``cert`` names it), NCALayer-style."""
    expected = (
        gost.public_key_from_certificate(cert)
        if gost.is_gost_certificate(cert)
        else cert.public_key()
    )
    if key.public_key() != expected:
        raise ValueError("the certificate is not the key's certificate")
    signature_uri, digest_uri = _methods(key)
    root = parse_xml(xml)
    signature = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS})
    signature.text = "\n"
    signed_info = _ds(signature, "SignedInfo", "\n")
    method = _ds(signed_info, "CanonicalizationMethod", Algorithm=C14N)
    _ds(signed_info, "SignatureMethod", Algorithm=signature_uri)
    reference = _ds(signed_info, "Reference", "\n", URI="")
    transforms = _ds(reference, "Transforms", "\n")
    _ds(transforms, "Transform", Algorithm=ENVELOPED)
    last = _ds(transforms, "Transform", Algorithm=C14N_WITH_COMMENTS)
    _ds(reference, "DigestMethod", Algorithm=digest_uri)
    # The enveloped-signature transform: the document as it was before this signature.
    document_digest = digest(digest_uri, canonical(parse_xml(xml), last))
    _ds(reference, "DigestValue", b64encode(document_digest).decode("ascii"))
    value = _signature_value(key, canonical(signed_info, method))
    _ds(signature, "SignatureValue", b64encode(value).decode("ascii"))
    certificate = b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
    _ds(_ds(_ds(signature, "KeyInfo", "\n"), "X509Data", "\n"), "X509Certificate", certificate)
    signature.tail = None
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
