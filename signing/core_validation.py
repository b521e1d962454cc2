"""XMLDSig core validation (§3.2) of every signature Arna accepts: RSA, ECDSA and GOST.

``signing.verify`` decides what is acceptable and pins each signature's structure
(one whole-document reference with the enveloped-signature and one
canonicalisation transform; other references only to this signature's
SignedProperties or KeyInfo, each with one canonicalisation) before any
cryptography; this module then does the two steps of core validation:

1. the signature: SignedInfo canonicalised exactly as its CanonicalizationMethod
   says, verified with the signer's key under its SignatureMethod
   (``SIGNATURE_METHODS``: RSA PKCS#1 v1.5 and PSS, ECDSA with XMLDSig's raw
   r||s value, or NCA RK's GOST 34.10-2015 512-bit through ``signing.gost``);
2. each reference: the target (the document without this signature, or this
   signature's SignedProperties/KeyInfo) canonicalised as its last transform
   says, digested with the reference's DigestMethod (``DIGEST_METHODS``, SHA-2,
   SHA-3 or Streebog-512), compared with its DigestValue.

Verification does not use signxml (Arna's own signatures are still *made* with it,
``signing.sign``), for three reasons: GOST signatures, which signxml does not know,
need this verifier anyway; with one verifier every algorithm goes through the same
reference resolution, transforms and canonicalisation, so there is one way to
verify and nothing to keep in step; and importing signxml (with its logging,
certifi and schema machinery) cost more than the rest of ``python -m signing
verify`` of one letter beyond Python, lxml and cryptography.

Failures raise ``InvalidSignature`` (the report's SIG_CRYPTO_FAILURE),
``InvalidDigest`` (HASH_FAILURE) or ``InvalidInput`` (FORMAT_FAILURE).
"""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from signing import gost
from signing.c14n import inherited_on_apex
from signing.xmlparse import parse_xml, remove_keeping_tail

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
_NS = {"ds": DS, "xades": XADES, "ec": "http://www.w3.org/2001/10/xml-exc-c14n#"}
_C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
_MORE_2007 = "http://www.w3.org/2007/05/xmldsig-more#"
_MORE_2021 = "http://www.w3.org/2021/04/xmldsig-more#"

#: Canonicalisation URI -> (exclusive, with comments, C14N 1.1).  Documents carrying
#: comments are refused before this runs, so "#WithComments" canonicalises them as the
#: plain form does.  C14N 1.1 is rendered as 1.0 (lxml has no 1.1; signxml did the same)
#: with only xml:lang and xml:space inherited by the apex; the one difference left, 1.1's
#: xml:base fix-up in a document subset, can only make such a signature fail, never pass.
C14N_METHODS = {
    _C14N_10: (False, False, False),
    _C14N_10 + "#WithComments": (False, True, False),
    _C14N_11: (False, False, True),
    _C14N_11 + "#WithComments": (False, True, True),
    _EXC_C14N: (True, False, False),
    _EXC_C14N + "WithComments": (True, True, False),
}

#: DigestMethod URI -> hash; Streebog-512 (``gost.DIGEST_URI``) is ``signing.gost``'s.
DIGEST_METHODS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    _MORE + "sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
    _MORE_2007 + "sha3-256": hashes.SHA3_256,
    _MORE_2007 + "sha3-384": hashes.SHA3_384,
    _MORE_2007 + "sha3-512": hashes.SHA3_512,
}


def _pkcs1(key: Any, value: bytes, data: bytes, algorithm: hashes.HashAlgorithm) -> None:
    key.verify(value, data, padding.PKCS1v15(), algorithm)


def _pss(key: Any, value: bytes, data: bytes, algorithm: hashes.HashAlgorithm) -> None:
    """RSASSA-PSS as RFC 6931 §2.3.10 defines it: MGF1 with the same hash, salt of its size."""
    pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
    key.verify(value, data, pss, algorithm)


def _ecdsa(key: Any, value: bytes, data: bytes, algorithm: hashes.HashAlgorithm) -> None:
    """XMLDSig's ECDSA SignatureValue is r||s, each half the size of the curve's order
    (RFC 4050 §3.3, XMLDSig 1.1 §6.4.3), never the DER SEQUENCE cryptography takes."""
    half = (key.key_size + 7) // 8
    if len(value) != 2 * half:
        raise InvalidSignature(
            f"Signature verification failed: Expected {2 * half} byte SignatureValue, "
            f"got {len(value)}"
        )
    r, s = int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
    key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))


_Verify = Callable[[Any, bytes, bytes, hashes.HashAlgorithm], None]
_RSA = rsa.RSAPublicKey
_EC = ec.EllipticCurvePublicKey

#: SignatureMethod URI -> (the key type it needs, how it verifies, its hash); GOST
#: 34.10-2015 (``gost.SIGNATURE_URI``) is ``signing.gost``'s, with the key read from the
#: certificate by ``signing.gost`` (cryptography cannot load GOST keys).
SIGNATURE_METHODS: dict[str, tuple[type, _Verify, type[hashes.HashAlgorithm]]] = {
    _MORE + "rsa-sha256": (_RSA, _pkcs1, hashes.SHA256),
    _MORE + "rsa-sha384": (_RSA, _pkcs1, hashes.SHA384),
    _MORE + "rsa-sha512": (_RSA, _pkcs1, hashes.SHA512),
    _MORE_2007 + "sha256-rsa-MGF1": (_RSA, _pss, hashes.SHA256),
    _MORE_2007 + "sha384-rsa-MGF1": (_RSA, _pss, hashes.SHA384),
    _MORE_2007 + "sha512-rsa-MGF1": (_RSA, _pss, hashes.SHA512),
    _MORE_2007 + "sha3-256-rsa-MGF1": (_RSA, _pss, hashes.SHA3_256),
    _MORE_2007 + "sha3-384-rsa-MGF1": (_RSA, _pss, hashes.SHA3_384),
    _MORE_2007 + "sha3-512-rsa-MGF1": (_RSA, _pss, hashes.SHA3_512),
    _MORE + "ecdsa-sha256": (_EC, _ecdsa, hashes.SHA256),
    _MORE + "ecdsa-sha384": (_EC, _ecdsa, hashes.SHA384),
    _MORE + "ecdsa-sha512": (_EC, _ecdsa, hashes.SHA512),
    _MORE_2021 + "ecdsa-sha3-256": (_EC, _ecdsa, hashes.SHA3_256),
    _MORE_2021 + "ecdsa-sha3-384": (_EC, _ecdsa, hashes.SHA3_384),
    _MORE_2021 + "ecdsa-sha3-512": (_EC, _ecdsa, hashes.SHA3_512),
}

#: The elements of a subtree whose Id, ID or id attribute (in any namespace, e.g. xml:id)
#: is $wanted: the attributes signing.verify found the reference's one target by.
_ID_NAMED = etree.XPath(
    "descendant-or-self::*[@*[local-name() = 'Id' or local-name() = 'ID' "
    "or local-name() = 'id'] = $wanted]"
)


class InvalidInput(ValueError):
    """The signature cannot be processed as it stands (FORMAT_FAILURE)."""


class InvalidSignature(Exception):
    """The SignatureValue does not verify with the signer's key (SIG_CRYPTO_FAILURE)."""


class InvalidDigest(InvalidSignature):
    """A digest does not match what it covers (HASH_FAILURE)."""


@dataclass(frozen=True)
class Verified:
    """What a valid signature covers: the signed document, re-parsed from its canonical
    form, and — for XAdES — the signed SignedProperties, re-parsed the same way."""

    signed_root: etree._Element
    signed_properties: etree._Element | None


def digest(uri: str | None, data: bytes) -> bytes:
    """``data``'s digest under the DigestMethod ``uri`` (which ones are acceptable is the
    verifier's call: every one here is, and nothing else is implemented)."""
    if uri == gost.DIGEST_URI:
        return gost.streebog512(data)
    algorithm = DIGEST_METHODS.get(uri or "")
    if algorithm is None:
        raise InvalidInput(f"digest method {uri} is not supported")
    hasher = hashes.Hash(algorithm())
    hasher.update(data)
    return hasher.finalize()


def verify_signature(
    document: etree._Element, signature: etree._Element, signer: x509.Certificate
) -> Verified:
    """Core validation of ``signature`` (a direct child of ``document``) by ``signer``."""
    signed_info = signature.find("ds:SignedInfo", _NS)
    if signed_info is None:
        raise InvalidInput("no ds:SignedInfo")
    method = signed_info.find("ds:SignatureMethod", _NS)
    value = "".join(signature.findtext("ds:SignatureValue", "", _NS).split())
    signed = canonical(signed_info, signed_info.find("ds:CanonicalizationMethod", _NS))
    _verify_value(method.get("Algorithm") if method is not None else None, signer, signed, value)
    signed_root: etree._Element | None = None
    signed_properties = None
    # The references as signed: read from the verified canonical bytes, not the input tree.
    for index, reference in enumerate(parse_xml(signed).iterfind("ds:Reference", _NS)):
        transforms = reference.findall("ds:Transforms/ds:Transform", _NS)
        uri = reference.get("URI")
        target = _without(document, signature) if uri == "" else _local(signature, uri)
        data = canonical(target, transforms[-1] if transforms else None)
        digest_method = reference.find("ds:DigestMethod", _NS)
        algorithm = digest_method.get("Algorithm") if digest_method is not None else None
        if digest(algorithm, data) != b64decode(reference.findtext("ds:DigestValue", "", _NS)):
            raise InvalidDigest(f"Digest mismatch for reference {index} ({uri})")
        if uri == "":
            signed_root = parse_xml(data)
        elif target.tag == f"{{{XADES}}}SignedProperties":
            signed_properties = parse_xml(data)
    if signed_root is None:
        raise InvalidInput("no reference to the whole document")
    return Verified(signed_root, signed_properties)


def _verify_value(uri: str | None, signer: x509.Certificate, data: bytes, value: str) -> None:
    """``value`` (base64) must be ``signer``'s signature of ``data`` under the SignatureMethod
    ``uri``."""
    if uri == gost.SIGNATURE_URI:
        try:
            key, raw = gost.public_key_from_certificate(signer), b64decode(value)
        except (gost.GostError, ValueError) as exc:
            raise InvalidInput(f"the GOST key or signature value cannot be read: {exc}") from None
        if not gost.verify(key, data, raw):
            raise InvalidSignature("Signature verification failed")
        return
    if uri not in SIGNATURE_METHODS:
        raise InvalidInput(f"signature method {uri} is not supported")
    key_type, check, algorithm = SIGNATURE_METHODS[uri]
    try:
        key = signer.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidInput(f"the signer's key cannot be read: {exc}") from None
    if not isinstance(key, key_type):
        raise InvalidInput(f"the signer's key is not a key for signature method {uri}")
    try:
        check(key, b64decode(value), data, algorithm())
    except _CryptoInvalidSignature:
        raise InvalidSignature("Signature verification failed") from None


def canonical(node: etree._Element, method: etree._Element | None) -> bytes:
    """``node`` canonicalised as ``method`` (a CanonicalizationMethod or Transform) says."""
    algorithm = method.get("Algorithm") if method is not None else _C14N_10
    if algorithm not in C14N_METHODS:
        raise InvalidInput(f"canonicalisation {algorithm} is not supported")
    exclusive, with_comments, c14n_11 = C14N_METHODS[algorithm]
    if exclusive:
        listed = method.find("ec:InclusiveNamespaces", _NS) if method is not None else None
        prefixes = listed.get("PrefixList", "").split() if listed is not None else None
        return etree.tostring(
            node, method="c14n", exclusive=True, with_comments=with_comments,
            inclusive_ns_prefixes=prefixes,
        )  # fmt: skip
    with inherited_on_apex(node, c14n_11=c14n_11):
        return etree.tostring(node, method="c14n", with_comments=with_comments)


def _without(document: etree._Element, signature: etree._Element) -> etree._Element:
    """The enveloped-signature transform: a copy of the document without this signature."""
    position = list(document).index(signature)
    copy = deepcopy(document)
    remove_keeping_tail(copy[position])
    return copy


def _local(signature: etree._Element, uri: str | None) -> etree._Element:
    """The element of this signature a same-document reference names (the verifier has
    already made sure it is this signature's SignedProperties or KeyInfo, and unique in
    the document, by the same Id/ID/id attributes in any namespace)."""
    found = _ID_NAMED(signature, wanted=(uri or "")[1:])
    if len(found) != 1:
        raise InvalidInput(f"reference {uri} names no part of this signature")
    return found[0]
