"""XMLDSig core validation of GOST signatures (NCA RK), which signxml does not know.

NCALayer and KalkanCrypt sign with GOST 34.10-2015 (512 bits) over Streebog-512
under the ``pkigovkz`` URIs (``signing.gost``).  signxml refuses algorithms it
has no implementation for, so for these signatures the two steps of XMLDSig core
validation (§3.2) are done here, after ``signing.verify`` has pinned the
structure exactly as for every other signature (one whole-document reference
with the enveloped-signature and one canonicalisation transform; other
references only to this signature's SignedProperties or KeyInfo):

1. each reference: the target (the document without this signature, or this
   signature's SignedProperties/KeyInfo) canonicalised as its last transform
   says, digested with the reference's DigestMethod, compared with DigestValue;
2. the signature: SignedInfo canonicalised exactly as its CanonicalizationMethod
   says, verified with the signer's GOST key (``gost.verify``).

Failures raise signxml's own exceptions, so the verifier reports them in the
same terms as signxml's: InvalidSignature (SIG_CRYPTO_FAILURE), InvalidDigest
(HASH_FAILURE), InvalidInput (FORMAT_FAILURE).
"""

from __future__ import annotations

from base64 import b64decode
from copy import deepcopy
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree
from signxml import DigestAlgorithm
from signxml.algorithms import digest_algorithm_implementations
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature

from signing import gost
from signing.c14n import inherited_on_apex
from signing.xmlparse import parse_xml, remove_keeping_tail

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
_NS = {"ds": DS, "xades": XADES, "ec": "http://www.w3.org/2001/10/xml-exc-c14n#"}
_C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

#: Canonicalisation URI -> (exclusive, with comments).  Documents carrying comments are
#: refused before this runs, so "#WithComments" canonicalises them as the plain form does.
C14N_METHODS = {
    _C14N_10: (False, False),
    _C14N_10 + "#WithComments": (False, True),
    _EXC_C14N: (True, False),
    _EXC_C14N + "WithComments": (True, True),
}


@dataclass(frozen=True)
class GostVerified:
    """What a valid GOST signature covers: the signed document, re-parsed from its
    canonical form, and — for XAdES — the signed SignedProperties."""

    signed_root: etree._Element
    signed_properties: etree._Element | None


def digest(uri: str | None, data: bytes) -> bytes:
    """``data``'s digest under the DigestMethod ``uri``: Streebog-512 under its pkigovkz
    URI, otherwise signxml's algorithms (which ones are acceptable is the verifier's call)."""
    if uri == gost.DIGEST_URI:
        return gost.streebog512(data)
    try:
        algorithm = digest_algorithm_implementations[DigestAlgorithm(uri)]
    except (KeyError, ValueError):
        raise InvalidInput(f"digest method {uri} is not supported") from None
    hasher = hashes.Hash(algorithm())
    hasher.update(data)
    return hasher.finalize()


def verify_gost_signature(
    document: etree._Element, signature: etree._Element, signer: x509.Certificate
) -> GostVerified:
    """Core validation of ``signature`` (a direct child of ``document``) by ``signer``."""
    signed_info = signature.find("ds:SignedInfo", _NS)
    if signed_info is None:
        raise InvalidInput("no ds:SignedInfo")
    try:
        key = gost.public_key_from_certificate(signer)
        value = b64decode("".join(signature.findtext("ds:SignatureValue", "", _NS).split()))
    except (gost.GostError, ValueError) as exc:
        raise InvalidInput(f"the GOST key or signature value cannot be read: {exc}") from None
    method = signed_info.find("ds:CanonicalizationMethod", _NS)
    if not gost.verify(key, canonical(signed_info, method), value):
        raise InvalidSignature("Signature verification failed")
    signed_root: etree._Element | None = None
    signed_properties = None
    for index, reference in enumerate(signed_info.iterfind("ds:Reference", _NS)):
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
            signed_properties = target
    if signed_root is None:
        raise InvalidInput("no reference to the whole document")
    return GostVerified(signed_root, signed_properties)


def canonical(node: etree._Element, method: etree._Element | None) -> bytes:
    """``node`` canonicalised as ``method`` (a CanonicalizationMethod or Transform) says."""
    algorithm = method.get("Algorithm") if method is not None else _C14N_10
    if algorithm not in C14N_METHODS:
        raise InvalidInput(f"canonicalisation {algorithm} is not supported with GOST signatures")
    exclusive, with_comments = C14N_METHODS[algorithm]
    prefixes = None
    if exclusive and method is not None:
        listed = method.find("ec:InclusiveNamespaces", _NS)
        if listed is not None:
            prefixes = listed.get("PrefixList", "").split()
    if exclusive:
        return etree.tostring(
            node, method="c14n", exclusive=True, with_comments=with_comments,
            inclusive_ns_prefixes=prefixes,
        )  # fmt: skip
    with inherited_on_apex(node):
        return etree.tostring(node, method="c14n", with_comments=with_comments)


def _without(document: etree._Element, signature: etree._Element) -> etree._Element:
    """The enveloped-signature transform: a copy of the document without this signature."""
    position = list(document).index(signature)
    copy = deepcopy(document)
    remove_keeping_tail(copy[position])
    return copy


def _local(signature: etree._Element, uri: str | None) -> etree._Element:
    """The element of this signature a same-document reference names (the verifier has
    already made sure it is this signature's SignedProperties or KeyInfo, and unique)."""
    wanted = (uri or "")[1:]
    for element in signature.iter(etree.Element):
        if wanted and wanted in (element.get("Id"), element.get("ID"), element.get("id")):
            return element
    raise InvalidInput(f"reference {uri} names no part of this signature")
