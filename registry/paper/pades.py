"""The registry's PAdES signature on a certified copy, and checking a copy (¶32-1).

Why PAdES baseline-B as a *certification* signature with "no changes allowed"
(DocMDP P=1): any PDF reader then shows both that Arna issued the copy and that
nothing was added afterwards — an incremental update (a new page, an annotation,
a changed content stream) is reported as a violation, not silently accepted.

``validate_copy`` is stricter than a reader: it requires exactly one signature
that covers the whole file, is cryptographically intact, chains to a given trust
root and passes the DocMDP check. It never raises on bad input, because the
public upload box hands it whatever a stranger uploads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

FIELD_NAME = "ArnaCertifiedCopy"
REASON = "Электрондық құжаттың көшірмесі дұрыс / Копия электронного документа верна"

#: A registry seal certificate may carry either usage; officer certificates carry both.
_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)

KeyInput = PrivateKeyTypes | bytes
CertInput = x509.Certificate | bytes


@dataclass(frozen=True)
class CopyValidation:
    """The outcome of checking one PDF; ``ok`` is the single answer the public page shows."""

    ok: bool
    reason: str
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    unmodified: bool = False
    signer: str | None = None
    signing_time: datetime | None = None


def sign_copy(
    pdf: bytes,
    key: KeyInput,
    cert: CertInput,
    chain: Sequence[CertInput] = (),
    *,
    location: str = "Astana",
) -> bytes:
    """Certify ``pdf`` as the registry: PAdES baseline-B, SHA-256, no later changes allowed.

    ``key`` and ``cert`` are the registry's signing key and certificate, as
    ``cryptography`` objects or unencrypted PEM (decrypting a stored key is
    ``signing.keys``' job); ``chain`` adds intermediates so a reader can build the path.
    """
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=_asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=REASON,
        location=location,
        signer_key_usage={"digital_signature", "non_repudiation"},
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def validate_copy(
    pdf: bytes,
    trust_roots: Iterable[CertInput],
    *,
    crls: Iterable[bytes] = (),
    at: datetime | None = None,
) -> CopyValidation:
    """Check that ``pdf`` is a copy signed by a key chaining to ``trust_roots`` and left unaltered.

    ``crls`` are DER CRLs of the registry CA (no network fetching: the check must
    work offline and must not be steerable by URLs inside an uploaded file);
    ``at`` is the validation time, "now" by default.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # any parse failure of untrusted input is a "no"
        log.info("copy check: unreadable PDF: %s", exc)
        return CopyValidation(ok=False, reason="not a readable PDF")
    if len(signatures) != 1:
        return CopyValidation(ok=False, reason=f"expected one signature, found {len(signatures)}")
    context = ValidationContext(
        trust_roots=[_asn1_cert(root) for root in trust_roots],
        crls=[asn1_crl.CertificateList.load(der) for der in crls],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=at,
    )
    try:
        status = validate_pdf_signature(
            signatures[0], signer_validation_context=context, key_usage_settings=_KEY_USAGE
        )
    except Exception as exc:  # malformed signature containers land here
        log.info("copy check: signature could not be processed: %s", exc)
        return CopyValidation(ok=False, reason="signature could not be processed")
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    unmodified = status.docmdp_ok is not False
    result = {
        "intact": status.intact,
        "valid": status.valid,
        "trusted": status.trusted,
        "whole_file": whole_file,
        "unmodified": unmodified,
    }
    failed = [name for name, passed in result.items() if not passed]
    return CopyValidation(
        ok=not failed,
        reason="signature valid" if not failed else "failed: " + ", ".join(failed),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        signing_time=status.signer_reported_dt,
        **result,
    )


def _asn1_cert(cert: CertInput) -> asn1_x509.Certificate:
    if isinstance(cert, bytes):
        cert = x509.load_pem_x509_certificate(cert)
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: KeyInput) -> asn1_keys.PrivateKeyInfo:
    if isinstance(key, bytes):
        key = serialization.load_pem_private_key(key, password=None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)
