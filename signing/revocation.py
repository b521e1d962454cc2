"""Revocation sources beyond the CRLs a caller loads: OCSP (RFC 6960) and CRL fetching.

A certificate names where its revocation status is published: an OCSP responder
in authorityInformationAccess, full CRLs in cRLDistributionPoints and delta CRLs
in freshestCRL.  ``TrustStore`` asks the responder (``OcspClient``) when it is
given one; ``fetch_crls`` downloads the CRLs a certificate names, for the
registry's refresh job or an operator working offline.

Whatever is used is kept as ``Evidence`` (the DER bytes as received), so a
registry can store, beside a verification report, what the decision rested on.

Only http URLs are followed (OCSP and CRLs are signed objects, and RFC 5280 §4.2.1.13
and RFC 6960 use plain http; https would add a TLS trust decision of its own).
GOST-signed OCSP responses are not verified here: for GOST chains the CRLs decide.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

#: How far a responder's clock may run ahead of ours.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: Largest CRL or OCSP response read from the network.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class RevocationError(Exception):
    """No usable answer from a revocation source; the message says which and why."""


@dataclass(frozen=True)
class Evidence:
    """A CRL or OCSP response a decision rested on, as received."""

    kind: str  # "crl" or "ocsp"
    issuer: str  # the issuer's name (RFC 4514)
    data: bytes  # DER
    source: str | None = None  # the URL it came from, if fetched


@dataclass(frozen=True)
class OcspAnswer:
    """A verified OCSP answer for one certificate."""

    status: str  # "good", "revoked" or "unknown"
    revocation_time: dt.datetime | None
    evidence: Evidence


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    """The http OCSP responders named in ``cert``'s authorityInformationAccess."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in access
        if d.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
        and d.access_location.value.lower().startswith("http://")
    ]


def crl_urls(cert: x509.Certificate) -> list[str]:
    """The http URLs of ``cert``'s full (cRLDistributionPoints) then delta (freshestCRL) CRLs."""
    urls = []
    for extension in (x509.CRLDistributionPoints, x509.FreshestCRL):
        try:
            points = cert.extensions.get_extension_for_class(extension).value
        except x509.ExtensionNotFound:
            continue
        for point in points:
            for name in point.full_name or ():
                if isinstance(
                    name, x509.UniformResourceIdentifier
                ) and name.value.lower().startswith("http://"):
                    urls.append(name.value)
    return urls


def fetch_crls(cert: x509.Certificate, *, timeout: float = 10.0) -> list[Evidence]:
    """Download every CRL ``cert`` names (full and delta); RevocationError if one fails.

    The CRLs are returned as received; ``TrustStore.add_crl`` checks their
    signatures and freshness when they are used.
    """
    return [fetch_crl(url, cert.issuer.rfc4514_string(), timeout=timeout) for url in crl_urls(cert)]


def fetch_crl(url: str, issuer: str, *, timeout: float = 10.0) -> Evidence:
    """Download one CRL (DER or PEM, kept as DER) from an http ``url``; RevocationError if
    it cannot be fetched or is no CRL.  ``issuer`` names whose CRL it is expected to be."""
    data = _http(url, None, timeout)
    if data.lstrip().startswith(b"-----"):
        try:
            data = x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
        except ValueError:
            raise RevocationError(f"{url} did not return a CRL") from None
    return Evidence("crl", issuer, data, url)


@dataclass
class OcspClient:
    """Asks OCSP responders about certificates; ``responder`` overrides what AIA names."""

    responder: str | None = None
    timeout: float = 5.0
    _nonce_size: int = field(default=16, repr=False)

    def urls(self, cert: x509.Certificate) -> list[str]:
        return [self.responder] if self.responder else ocsp_urls(cert)

    def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, now: dt.datetime | None = None
    ) -> OcspAnswer:
        """The status of ``cert`` from the first responder that answers; RevocationError if
        none answers with a response signed by ``issuer`` or its delegated responder."""
        urls = self.urls(cert)
        if not urls:
            raise RevocationError(f"{cert.subject.rfc4514_string()} names no OCSP responder")
        now = now or dt.datetime.now(dt.UTC)
        failures = []
        for url in urls:
            nonce = os.urandom(self._nonce_size)
            request = (
                ocsp.OCSPRequestBuilder()
                # SHA-1 names the certificate in the request (RFC 6960 §4.1.1, what every
                # responder supports); it is an identifier here, not a signature.
                .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
                .add_extension(x509.OCSPNonce(nonce), critical=False)
                .build()
            )
            try:
                data = _http(url, request.public_bytes(serialization.Encoding.DER), self.timeout)
                return _read_response(data, cert, issuer, nonce, now, url)
            except RevocationError as exc:
                failures.append(str(exc))
        raise RevocationError("; ".join(failures))


def _http(url: str, body: bytes | None, timeout: float) -> bytes:
    """GET (or POST an OCSP request to) an http URL; RevocationError on any failure."""
    if not url.lower().startswith("http://"):
        raise RevocationError(f"{url}: only http URLs are followed")
    # Imported here: only an online check fetches (http.client and urllib.request cost
    # ~10 ms to import, most of what a verifier of one letter spends beyond its floor).
    import http.client
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/ocsp-request"} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (http only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        # HTTPException: e.g. InvalidURL, a certificate naming a URL with a line break in it
        reason = getattr(exc, "reason", exc)
        raise RevocationError(f"{url} is unreachable: {reason}") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise RevocationError(f"{url} answered more than {MAX_RESPONSE_BYTES} bytes")
    return data


def _read_response(
    data: bytes,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    nonce: bytes,
    now: dt.datetime,
    url: str,
) -> OcspAnswer:
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        raise RevocationError(f"{url} did not answer an OCSP response: {exc}") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise RevocationError(f"{url} answered {response.response_status.name}")
    signer = _response_signer(response, issuer)
    if signer is None or not _signed_by(response, signer):
        raise RevocationError(f"{url}: the OCSP response is not signed for {_name(issuer)}")
    for extension in response.extensions:
        if isinstance(extension.value, x509.OCSPNonce) and extension.value.nonce != nonce:
            raise RevocationError(f"{url}: the OCSP response answers another request (nonce)")
    single = next((r for r in response.responses if r.serial_number == cert.serial_number), None)
    if single is None:
        raise RevocationError(f"{url}: the OCSP response does not name {_name(cert)}")
    if single.this_update_utc > now + CLOCK_SKEW:
        raise RevocationError(f"{url}: the OCSP response is dated in the future")
    if single.next_update_utc is not None and single.next_update_utc < now - CLOCK_SKEW:
        raise RevocationError(f"{url}: the OCSP response expired on {single.next_update_utc}")
    status = single.certificate_status
    evidence = Evidence("ocsp", _name(issuer), data, url)
    if status == ocsp.OCSPCertStatus.REVOKED:
        return OcspAnswer("revoked", single.revocation_time_utc, evidence)
    if status == ocsp.OCSPCertStatus.GOOD:
        return OcspAnswer("good", None, evidence)
    return OcspAnswer("unknown", None, evidence)


def _response_signer(
    response: ocsp.OCSPResponse, issuer: x509.Certificate
) -> x509.Certificate | None:
    """The issuer itself, or a certificate in the response that the issuer made its
    delegated OCSP responder (EKU id-kp-OCSPSigning, RFC 6960 §4.2.2.2)."""
    if _names(response, issuer):
        return issuer
    for candidate in response.certificates:
        if not _names(response, candidate):
            continue
        try:
            candidate.verify_directly_issued_by(issuer)
            usages = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in usages:
            return candidate
    return None


def _names(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    """Whether the response's ResponderID is ``cert`` (by name or key hash)."""
    if response.responder_name is not None:
        return response.responder_name == cert.subject
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return False
    key_hash = x509.SubjectKeyIdentifier.from_public_key(key).digest  # type: ignore[arg-type]
    return response.responder_key_hash == key_hash


def _signed_by(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    key = signer.public_key()
    algorithm = response.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(
                response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm
            )
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()
