"""Signing a letter: an enveloped XAdES baseline-B signature made with signxml.

signxml's XAdES signer leaves the Transforms out of the SignedProperties and
KeyInfo references.  A verifier then canonicalises those with the default
(inclusive C14N 1.0) while signxml digested them with the configured exclusive
C14N, so the signature verifies nowhere else (xmlsec1, DSS).  ``_ArnaSigner``
writes the exclusive C14N transform on every reference, and takes the signing
time from the caller so it can be fixed in tests and back-dated by no one else.
"""

from __future__ import annotations

import datetime as dt
from base64 import b64encode
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from lxml.etree import SubElement
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.util import ds_tag, xades_tag
from signxml.xades import XAdESDataObjectFormat, XAdESSigner

from signing.keys import SigningKey, check_key_strength
from signing.letter import NS, validate_letter
from signing.records import validate_record
from signing.xmlparse import parse_xml, remove_keeping_tail

C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
LETTER_DESCRIPTION = f"Arna letter ({NS})"
_EC_METHODS = {
    "secp256r1": (SignatureMethod.ECDSA_SHA256, DigestAlgorithm.SHA256),
    "secp384r1": (SignatureMethod.ECDSA_SHA384, DigestAlgorithm.SHA384),
    "secp521r1": (SignatureMethod.ECDSA_SHA512, DigestAlgorithm.SHA512),
}


class SigningError(ValueError):
    """The letter, key or certificate cannot make a valid signature."""


class _ArnaSigner(XAdESSigner):
    """XAdESSigner with explicit Transforms on every reference and a given SigningTime."""

    def __init__(
        self, signing_time: dt.datetime, description: str = LETTER_DESCRIPTION, **kwargs: object
    ) -> None:
        data_object_format = XAdESDataObjectFormat(Description=description, MimeType="text/xml")
        super().__init__(data_object_format=data_object_format, **kwargs)  # type: ignore[arg-type]
        self._signing_time = signing_time

    def _add_reference_to_signed_info(self, sig_root, node_to_reference, **attrs):  # type: ignore[no-untyped-def]
        signed_info = self._find(sig_root, "SignedInfo")
        reference = SubElement(signed_info, ds_tag("Reference"), nsmap=self.namespaces)
        reference.set("URI", f"#{node_to_reference.get('Id')}")
        for name, value in attrs.items():
            reference.set(name, value)
        transforms = SubElement(reference, ds_tag("Transforms"), nsmap=self.namespaces)
        SubElement(transforms, ds_tag("Transform"), nsmap=self.namespaces, Algorithm=C14N.value)
        SubElement(
            reference,
            ds_tag("DigestMethod"),
            nsmap=self.namespaces,
            Algorithm=self.digest_alg.value,
        )
        digest = self._get_digest(self._c14n(node_to_reference, algorithm=C14N), self.digest_alg)
        SubElement(reference, ds_tag("DigestValue"), nsmap=self.namespaces).text = b64encode(
            digest
        ).decode()

    def add_signing_time(self, signed_signature_properties, sig_root, signing_settings):  # type: ignore[no-untyped-def]
        SubElement(
            signed_signature_properties, xades_tag("SigningTime"), nsmap=self.namespaces
        ).text = self._signing_time.isoformat(timespec="seconds")


def _methods(key: SigningKey) -> tuple[SignatureMethod, DigestAlgorithm]:
    if isinstance(key, rsa.RSAPrivateKey):
        return SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA256
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return _EC_METHODS[key.curve.name]


def sign_letter(
    xml: bytes,
    key: SigningKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """Add an enveloped XAdES-B signature over the whole letter; return the signed bytes.

    The letter is validated first: a signature must never make an invalid
    record look official.  A letter that is already signed gets a further
    signature covering the earlier ones (a co-signature, e.g. the first head's
    after the drafting officer's).  KeyInfo carries the certificate and chain,
    never a bare KeyValue.
    """
    return sign_document(
        xml,
        key,
        cert,
        chain,
        signing_time=signing_time,
        validate=validate_letter,
        description=LETTER_DESCRIPTION,
    )


def sign_record(
    xml: bytes,
    key: SigningKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """Sign a rule-file record (``signing.records``) as a letter is signed, after its schema;
    the DataObjectFormat names the record's kind."""
    kind = validate_record(parse_xml(xml))
    return sign_document(
        xml,
        key,
        cert,
        chain,
        signing_time=signing_time,
        validate=validate_record,
        description=f"Arna record ({kind.namespace})",
    )


def sign_document(
    xml: bytes,
    key: SigningKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: dt.datetime | None = None,
    validate: Callable[[etree._Element], object],
    description: str,
) -> bytes:
    """``sign_letter`` for any Arna record: ``validate`` checks it against its own schema
    first (raising on a fault), ``description`` names it in the XAdES DataObjectFormat.

    The treaty returns of Appendices 1–5 are signed this way (urn:arna:treaty-return:1);
    the verifier (signing.verify.verify_letter) checks the signatures the same way.
    """

    try:
        check_key_strength(key)
    except ValueError as exc:
        raise SigningError(str(exc)) from None
    if cert.public_key() != key.public_key():
        raise SigningError("the certificate is not the key's certificate")
    when = signing_time or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise SigningError("the signing time needs a time zone")
    root = parse_xml(xml)
    validate(root)
    # Comments are outside every URI="" signature (XMLDSig §4.4.3.3) and processing
    # instructions split the text a reader sees, so the verifier refuses letters
    # carrying either: drop them (keeping the text around them) rather than sign them.
    for node in root.xpath("//comment() | //processing-instruction()"):
        remove_keeping_tail(node)
    sign_alg, digest_alg = _methods(key)
    signer = _ArnaSigner(
        when,
        description,
        signature_algorithm=sign_alg,
        digest_algorithm=digest_alg,
        c14n_algorithm=C14N,
    )
    signed = signer.sign(root, key=key, cert=[cert, *chain], always_add_key_value=False)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
