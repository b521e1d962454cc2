"""The strict verifier: this module decides what is acceptable, ``signing.core_validation``
does the cryptography.

XMLDSig core validation on its own verifies whatever a signature claims to sign.
Arna needs more: the signature must cover the whole letter and nothing else may be
smuggled beside it.  Before any cryptography, each signature's structure is pinned
(policy in ``signing.report.POLICY``):

- every ds:Signature is a direct child of the document element (no wrapping);
- exactly one Reference has URI="" with exactly the enveloped-signature and one
  canonicalisation transform; the only other References are, for XAdES, to this
  signature's own SignedProperties and KeyInfo, each with exactly one
  canonicalisation transform, their Id unique in the document;
- RSA or ECDSA with SHA-256 or stronger for the signature and every digest, or
  NCA RK's GOST 34.10-2015 512-bit with Streebog-512 (the ``pkigovkz`` URIs);
- canonicalisation with or without comments: NCALayer writes "#WithComments" on
  its references, and with comment nodes refused (below) both give the same bytes;
- the signer is the certificate in X509Data, which must chain to a trust anchor
  (roots and intermediates come from the trust store: NCALayer puts only the
  signer's certificate there); a KeyValue is never used; an NCA RK
  authentication certificate never signs (CHAIN_CONSTRAINTS_FAILURE);
- no comments anywhere: a URI="" reference never covers them (XMLDSig §4.4.3.3),
  so they are content a reader could see and no signature vouches for; and no
  processing instructions: they are signed, but a reader taking an element's
  ``.text`` stops at one, so the text shown would be only part of the text signed
  (``signing.letter.read_letter`` refuses both for the same reason);
- a ds:Object holds nothing but this signature's xades:QualifyingProperties, and
  every element of the signature is in an XMLDSig or XAdES namespace: nothing
  unsigned (e.g. a second letter) rides along inside the signature;
- XAdES signatures carry a SigningTime.

Then one core verifier, the same for RSA, ECDSA and GOST (``signing.core_validation``,
whose docstring says why it is not signxml), checks the signature value and every
reference, and the XAdES signing certificate and SigningTime are read from what it
verified.  Callers get ``signed_root``: the canonical form of what the signature
covers, re-parsed, never the input tree.

A co-signed letter carries several signatures, each appended after the ones it
covers (``sign_letter`` does this).  Signature *n* is therefore checked over the
document without the signatures after it; every signature must pass, and the
last one covers the whole document including the earlier signatures.
"""

from __future__ import annotations

import datetime as dt
from base64 import b64decode
from copy import deepcopy
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing import gost
from signing.ca import OfficerIdentity
from signing.core_validation import (
    C14N_METHODS,
    DIGEST_METHODS,
    SIGNATURE_METHODS,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    digest,
    verify_signature,
)
from signing.profile import AUTHENTICATION
from signing.report import (
    INDETERMINATE,
    TOTAL_FAILED,
    TOTAL_PASSED,
    SignatureReport,
    Signer,
    simple_report,
)
from signing.revocation import Evidence
from signing.trust import ChainFailure, TrustStore
from signing.xmlparse import parse_xml, remove_keeping_tail

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = DS + "enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
_NS = {"ds": DS, "xades": XADES}
#: XMLDSig 1.1 (e.g. ECKeyValue), XAdES 1.3.2 and its 1.4.1 additions.
_SIGNATURE_NAMESPACES = frozenset(
    {DS, XADES, "http://www.w3.org/2009/xmldsig11#", "http://uri.etsi.org/01903/v1.4.1#"}
)
_SIGNATURE = f"{{{DS}}}Signature"
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
#: Comment or processing-instruction nodes anywhere in the document (see _verify_one).
_HAS_HIDDEN_NODES = etree.XPath("boolean(//comment() | //processing-instruction())")
#: Every Id, ID or id attribute (in any namespace, e.g. xml:id) of the document.
_ID_ATTRIBUTES = etree.XPath(
    "//@*[local-name() = 'Id' or local-name() = 'ID' or local-name() = 'id']"
)

XADES_FORMAT = "XAdES-BASELINE-B"
XMLDSIG_FORMAT = "XMLDSig"

#: Canonicalisations, of SignedInfo and in references.  NCALayer writes "#WithComments" on
#: every reference.  It is accepted because documents carrying comments (or PIs) are refused
#: before any of this runs, so with or without comments the canonical form, and the meaning,
#: are the same.
ALLOWED_C14N = frozenset(C14N_METHODS)
#: RSA (PKCS#1 v1.5 or PSS) or ECDSA with SHA-256 or stronger, or NCA RK's GOST 34.10-2015:
#: every method the core verifier implements, and the digests likewise.
_ALLOWED_SIGNATURE_URIS = frozenset({*SIGNATURE_METHODS, gost.SIGNATURE_URI})
_ALLOWED_DIGEST_URIS = frozenset({*DIGEST_METHODS, gost.DIGEST_URI})


@dataclass(frozen=True)
class VerificationResult:
    """The report, and — only when every signature passed — what they proved signed.

    ``evidence`` holds the CRLs and OCSP responses the revocation checks used (DER, as
    received), whatever the outcome, for the registry to keep beside the report.
    """

    report: dict[str, Any]
    signed_root: etree._Element | None = None
    signers: list[OfficerIdentity] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    #: The trust anchor each signer's path ended at (parallel to ``signers``): what the
    #: registry asks which agencies and roles it may vouch for.
    anchors: list[x509.Certificate] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.report["indication"] == TOTAL_PASSED)


class _Refused(Exception):
    """A signature is not acceptable; carries the report's terms."""

    def __init__(self, indication: str, sub_indication: str, reason: str) -> None:
        super().__init__(reason)
        self.indication = indication
        self.sub_indication = sub_indication
        self.reason = reason


def _format(reason: str) -> _Refused:
    return _Refused(TOTAL_FAILED, "FORMAT_FAILURE", reason)


def _weak(reason: str) -> _Refused:
    return _Refused(INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE", reason)


@dataclass
class _Shape:
    """What the structural checks learned about one signature."""

    signature_format: str
    certificates: list[x509.Certificate]
    leaf: x509.Certificate
    signer: Signer
    claimed_time: str | None = None


def _check_signing_certificate(
    properties: etree._Element, certificates: list[x509.Certificate]
) -> None:
    """The signed SigningCertificate(V2) must name the signer's certificate first.

    ``properties`` is the verified xades:SignedSignatureProperties; digests are
    SHA-2 or, as NCALayer writes them for GOST signatures, Streebog-512.
    """
    found = [
        properties.findall(f"xades:{name}", _NS)
        for name in ("SigningCertificate", "SigningCertificateV2")
    ]
    nodes = [node for group in found for node in group]
    if len(nodes) != 1:
        raise InvalidInput("expected exactly one xades:SigningCertificate(V2)")
    certs = nodes[0].findall("xades:Cert", _NS)
    if not certs:
        raise InvalidInput("xades:SigningCertificate(V2) names no certificate")
    for index, cert in enumerate(certs):
        method = cert.find("xades:CertDigest/ds:DigestMethod", _NS)
        value = cert.findtext("xades:CertDigest/ds:DigestValue", namespaces=_NS)
        if method is None or value is None:
            raise InvalidInput("xades:Cert without a CertDigest")
        expected = b64decode(value)
        candidates = certificates[:1] if index == 0 else certificates
        algorithm = method.get("Algorithm")
        if not any(expected == digest(algorithm, c.public_bytes(Encoding.DER)) for c in candidates):
            raise InvalidDigest("Digest mismatch for signing certificate digest")


def verify_letter(
    xml: bytes, trust: TrustStore, at: dt.datetime | None = None
) -> VerificationResult:
    """Verify every signature of a letter; XMLInputError if the bytes are not acceptable XML.

    ``at`` is the time certificates and revocations are checked at; by default
    the signing time each XAdES signature claims, otherwise now.  A claimed
    time is only the signer's word: the registry passes the time it received
    the letter.
    """
    now = dt.datetime.now(dt.UTC)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    root = parse_xml(xml)
    if root.tag == _SIGNATURE:
        report = SignatureReport(
            TOTAL_FAILED,
            "FORMAT_FAILURE",
            reasons=["an enveloping signature is not a letter: the signature must be enveloped"],
        )
        return VerificationResult(simple_report([report], now))
    direct = [child for child in root if child.tag == _SIGNATURE]
    nested = [s for s in root.iter(_SIGNATURE) if s.getparent() is not root]
    reports: list[SignatureReport] = []
    signers: list[OfficerIdentity] = []
    anchors: list[x509.Certificate] = []
    evidence: list[Evidence] = []
    signed_root: etree._Element | None = None
    comments = _HAS_HIDDEN_NODES(root)
    for index in range(len(direct)):
        if index == len(direct) - 1:
            document, own = root, direct[index]  # the last signature covers the document as it is
        else:
            document, own = _truncated(root, index)
        outcome = _verify_one(document, own, trust, at, now, comments)
        reports.append(outcome.report)
        evidence.extend(e for e in outcome.evidence if e not in evidence)
        if outcome.identity is not None and outcome.anchor is not None:
            signers.append(outcome.identity)
            anchors.append(outcome.anchor)
        signed_root = outcome.signed_root
    for signature in nested:
        reports.append(
            SignatureReport(
                TOTAL_FAILED,
                "FORMAT_FAILURE",
                reasons=[
                    f"line {signature.sourceline}: the signature is not a direct child of the "
                    "document element (signature wrapping is refused)"
                ],
            )
        )
    report = simple_report(reports, now)
    if report["indication"] != TOTAL_PASSED:
        return VerificationResult(report, evidence=evidence)
    return VerificationResult(report, signed_root, signers, evidence, anchors)


def _truncated(root: etree._Element, index: int) -> tuple[etree._Element, etree._Element]:
    """A copy of the document without the signatures after signature ``index``, and that one."""
    copy = deepcopy(root)
    signatures = [child for child in copy if child.tag == _SIGNATURE]
    for later in signatures[index + 1 :]:
        remove_keeping_tail(later)
    return copy, signatures[index]


@dataclass
class _Outcome:
    report: SignatureReport
    signed_root: etree._Element | None = None
    identity: OfficerIdentity | None = None
    evidence: list[Evidence] = field(default_factory=list)
    anchor: x509.Certificate | None = None


def _verify_one(
    document: etree._Element,
    signature: etree._Element,
    trust: TrustStore,
    at: dt.datetime | None,
    now: dt.datetime,
    has_comments: bool,
) -> _Outcome:
    shape: _Shape | None = None
    evidence: list[Evidence] = []
    try:
        if has_comments:
            raise _format(
                "the document carries comments or processing instructions: no signature covers "
                "comments, and either would let a reader show only part of the signed text"
            )
        shape = _check_shape(document, signature)
        signed_root, signing_time = _check_crypto(document, signature, shape)
        checked_at = at or signing_time or now
        _check_signing_use(shape)
        try:
            path = trust.validate(shape.leaf, shape.certificates[1:], checked_at, evidence)
        except ChainFailure as failure:
            raise _Refused(failure.indication, failure.sub_indication, failure.reason) from None
        shape.signer = replace(shape.signer, pki=trust.pki_of(path[-1]))
    except _Refused as refused:
        signer = None
        if shape is not None:
            signer = replace(shape.signer, pki=trust.pki_of_issuer(shape.leaf))
        return _Outcome(
            SignatureReport(
                refused.indication,
                refused.sub_indication,
                signer=signer,
                signing_time=shape.claimed_time if shape else None,
                signature_format=shape.signature_format if shape else XMLDSIG_FORMAT,
                reasons=[refused.reason],
                checked_at=_iso(at) if at else None,
            ),
            evidence=evidence,
        )
    return _Outcome(
        SignatureReport(
            TOTAL_PASSED,
            None,
            signer=shape.signer,
            signing_time=shape.claimed_time,
            signature_format=shape.signature_format,
            checked_at=_iso(checked_at),
        ),
        signed_root,
        _identity(shape.leaf),
        evidence,
        path[-1],
    )


# Reading names out of a certificate is a measurable part of verifying a small letter;
# the same officers sign again and again.
_signer = lru_cache(maxsize=1024)(Signer.from_certificate)
_identity = lru_cache(maxsize=1024)(OfficerIdentity.from_certificate)


def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def _one(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.findall(path, _NS)
    if len(found) != 1:
        raise _format(f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _check_shape(document: etree._Element, signature: etree._Element) -> _Shape:
    """Everything decidable before any cryptography; raises _Refused."""
    signed_info = _one(signature, "ds:SignedInfo", "ds:SignedInfo")
    _one(signature, "ds:SignatureValue", "ds:SignatureValue")
    if len(signature.findall("ds:KeyInfo", _NS)) > 1:
        raise _format("more than one ds:KeyInfo")
    c14n = _one(signed_info, "ds:CanonicalizationMethod", "CanonicalizationMethod")
    if c14n.get("Algorithm") not in ALLOWED_C14N:
        raise _format(f"canonicalisation {c14n.get('Algorithm')} is not allowed")
    method = _one(signed_info, "ds:SignatureMethod", "SignatureMethod").get("Algorithm")
    if method not in _ALLOWED_SIGNATURE_URIS:
        raise _weak(
            f"signature method {method} is not allowed (RSA/ECDSA with SHA-256+, or GOST "
            "34.10-2015 512-bit)"
        )
    for digest_method in signature.iterfind(".//ds:DigestMethod", _NS):
        algorithm = digest_method.get("Algorithm")
        if algorithm not in _ALLOWED_DIGEST_URIS:
            raise _weak(f"digest method {algorithm} is not allowed (SHA-256+ or Streebog-512 only)")
    if method != gost.SIGNATURE_URI and any(
        d.get("Algorithm") == gost.DIGEST_URI
        for d in signed_info.iterfind("ds:Reference/ds:DigestMethod", _NS)
    ):
        # The NCA RK profile pairs Streebog with GOST signatures only: no signer makes RSA or
        # ECDSA signatures over Streebog digests (a Streebog SigningCertificate digest, as
        # NCALayer writes it, is accepted whatever the signature).
        raise _weak("Streebog-512 reference digests are accepted with GOST signatures only")

    _check_objects(signature)
    qualifying = signature.findall("ds:Object/xades:QualifyingProperties", _NS)
    is_xades = bool(qualifying)
    references = signed_info.findall("ds:Reference", _NS)
    whole = [i for i, ref in enumerate(references) if ref.get("URI") == ""]
    if len(whole) != 1:
        raise _format(
            f"{len(whole)} references to the whole document (URI=''); exactly one is required: "
            "a signature must cover the whole letter"
        )
    seen_targets: set[str] = set()
    ids: dict[str, list[etree._Element]] | None = None
    for ref in references:
        transforms = [t.get("Algorithm") for t in ref.iterfind("ds:Transforms/ds:Transform", _NS)]
        if ref.get("URI") == "":
            if (
                transforms[:1] != [ENVELOPED]
                or len(transforms) != 2
                or transforms[1] not in ALLOWED_C14N
            ):
                raise _format(
                    "the whole-document reference must have exactly the enveloped-signature "
                    f"and one canonicalisation transform, not {transforms}"
                )
            continue
        if ids is None:
            ids = {}
            for attribute in _ID_ATTRIBUTES(document):
                ids.setdefault(str(attribute), []).append(attribute.getparent())
        target = _local_target(ids, signature, ref, qualifying)
        if target in seen_targets:
            raise _format(f"{target} is referenced twice")
        seen_targets.add(target)
        if len(transforms) != 1 or transforms[0] not in ALLOWED_C14N:
            raise _format(
                f"the reference to {target} must have exactly one canonicalisation transform, "
                f"not {transforms}"
            )
    if is_xades and "SignedProperties" not in seen_targets:
        raise _format("XAdES SignedProperties are present but not signed")
    if len(qualifying) > 1:
        raise _format("more than one xades:QualifyingProperties")

    certificates = _certificates(signature)
    leaf = _leaf(certificates)
    certificates = [leaf, *[c for c in certificates if c != leaf]]
    claimed = None
    if is_xades:
        claimed = signature.findtext(
            "ds:Object/xades:QualifyingProperties/xades:SignedProperties/"
            "xades:SignedSignatureProperties/xades:SigningTime",
            namespaces=_NS,
        )
    return _Shape(
        signature_format=XADES_FORMAT if is_xades else XMLDSIG_FORMAT,
        certificates=certificates,
        leaf=leaf,
        signer=_signer(leaf),
        claimed_time=claimed.strip() if claimed else None,
    )


def _check_objects(signature: etree._Element) -> None:
    """Nothing but XMLDSig and XAdES markup inside the signature, and ds:Object only for
    XAdES: the enveloped-signature transform removes the whole signature from what the
    document reference covers, so anything else here would be stored unsigned."""
    for element in signature.iter(etree.Element):
        namespace = element.tag[1 : element.tag.find("}")] if element.tag[0] == "{" else None
        if namespace not in _SIGNATURE_NAMESPACES:
            raise _format(
                f"line {element.sourceline}: a {etree.QName(element).localname} element "
                f"({namespace or 'no namespace'}) inside ds:Signature is refused: no signature "
                "covers it"
            )
    for obj in signature.iterfind("ds:Object", _NS):
        for child in obj:
            if child.tag != f"{{{XADES}}}QualifyingProperties":
                raise _format(
                    f"line {child.sourceline}: ds:Object may hold only xades:QualifyingProperties, "
                    f"not {etree.QName(child).localname}"
                )
        if (obj.text or "").strip() or any((child.tail or "").strip() for child in obj):
            raise _format("ds:Object carries text: no signature covers it")


def _local_target(
    ids: dict[str, list[etree._Element]],
    signature: etree._Element,
    ref: etree._Element,
    qualifying: list[etree._Element],
) -> str:
    """Which part of *this* signature a same-document reference points to, or _Refused."""
    uri = ref.get("URI")
    if uri is None or not uri.startswith("#") or uri.startswith("#xpointer("):
        raise _format(f"reference URI {uri!r} is refused: only '' and this signature's parts")
    wanted = uri[1:]
    matches = ids.get(wanted, [])
    if len(matches) != 1:
        raise _format(f"reference {uri} matches {len(matches)} elements; exactly one is required")
    target = matches[0]
    signed_properties = [sp for q in qualifying for sp in q.findall("xades:SignedProperties", _NS)]
    if target.tag == f"{{{XADES}}}SignedProperties" and target in signed_properties:
        sig_id = signature.get("Id")
        if not sig_id or qualifying[0].get("Target") != f"#{sig_id}":
            raise _format("xades:QualifyingProperties do not target this signature")
        return "SignedProperties"
    if target.tag == f"{{{DS}}}KeyInfo" and target.getparent() is signature:
        return "KeyInfo"
    raise _format(
        f"reference {uri} points to a {etree.QName(target).localname} element: a signature "
        "over part of the letter is refused"
    )


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    """X509Data certificates; KeyValue is never a substitute."""
    texts = [
        (el.text or "")
        for el in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    ]
    if not texts:
        raise _Refused(
            INDETERMINATE,
            "NO_SIGNING_CERTIFICATE_FOUND",
            "no X509Certificate in KeyInfo (a bare KeyValue is never trusted)",
        )
    certificates = []
    for text in texts:
        try:
            cert = x509.load_der_x509_certificate(b64decode("".join(text.split())))
            # cryptography parses names, extensions and the key lazily: read them now, so a
            # damaged certificate is refused here rather than raising later on.
            _ = (cert.subject, cert.issuer, cert.extensions)
            # cryptography cannot load GOST keys at all; signing.gost reads those itself.
            _ = (
                gost.public_key_from_certificate(cert)
                if gost.is_gost_certificate(cert)
                else cert.public_key()
            )
        except Exception as exc:
            # Untrusted DER: cryptography answers damage with ValueError, TypeError (a name
            # attribute of the wrong type), DuplicateExtension, UnsupportedAlgorithm, … —
            # each is the same verdict here.
            raise _format(f"an X509Certificate cannot be read: {exc}") from None
        certificates.append(cert)
    return certificates


def _leaf(certificates: list[x509.Certificate]) -> x509.Certificate:
    """The one certificate that issued none of the others."""
    if len(certificates) == 1:
        return certificates[0]
    issuers = {c.issuer for c in certificates}
    leaves = [c for c in certificates if c.subject not in issuers]
    if len(leaves) != 1:
        raise _Refused(
            INDETERMINATE,
            "NO_SIGNING_CERTIFICATE_FOUND",
            f"cannot tell the signer among {len(certificates)} certificates in X509Data",
        )
    return leaves[0]


def _check_signing_use(shape: _Shape) -> None:
    """Only signing certificates sign letters: an NCA RK holder's authentication key
    (the other key of the pair) proves who logged in, not what they agreed to."""
    profile = shape.signer.profile
    if profile is not None and profile.certificate_type == AUTHENTICATION:
        raise _Refused(
            INDETERMINATE,
            "CHAIN_CONSTRAINTS_FAILURE",
            f"{shape.signer.subject} is an authentication certificate (NCA policy "
            "1.2.398.3.3.2.4, or clientAuth without emailProtection): it cannot sign documents",
        )


def _check_crypto(
    document: etree._Element, signature: etree._Element, shape: _Shape
) -> tuple[etree._Element, dt.datetime | None]:
    """Core validation (signing.core_validation), then for XAdES the signed signing
    certificate and SigningTime; returns what is signed and the signed time."""
    try:
        verified = verify_signature(document, signature, shape.leaf)
        if shape.signature_format != XADES_FORMAT:
            return verified.signed_root, None
        if verified.signed_properties is None:
            raise InvalidInput("the XAdES SignedProperties are not signed")
        properties = verified.signed_properties.find("xades:SignedSignatureProperties", _NS)
        if properties is None:
            raise InvalidInput("no xades:SignedSignatureProperties")
        _check_signing_certificate(properties, shape.certificates)
    except InvalidDigest as exc:
        raise _digest_refusal(exc) from None
    except InvalidSignature as exc:
        raise _Refused(TOTAL_FAILED, "SIG_CRYPTO_FAILURE", str(exc)) from None
    except (InvalidInput, ValueError, etree.LxmlError) as exc:
        raise _format(f"the signature cannot be processed: {exc}") from None
    return verified.signed_root, _signing_time(properties)


def _digest_refusal(exc: InvalidDigest) -> _Refused:
    if "certificate digest" in str(exc):
        return _Refused(
            INDETERMINATE,
            "NO_SIGNING_CERTIFICATE_FOUND",
            f"the signed SigningCertificate does not name the certificate in KeyInfo: {exc}",
        )
    return _Refused(TOTAL_FAILED, "HASH_FAILURE", str(exc))


def _signing_time(properties: etree._Element) -> dt.datetime:
    """SigningTime of verified xades:SignedSignatureProperties (required for XAdES)."""
    text = properties.findtext("xades:SigningTime", namespaces=_NS)
    if not text:
        raise _format("a XAdES signature must carry a signed SigningTime")
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _format(f"SigningTime {text!r} is not an xsd:dateTime") from None
    # xsd:dateTime without a zone: read as UTC, as EU DSS does.
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
