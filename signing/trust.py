"""Trust anchors, CRLs and certificate path validation for signers.

The anchors are the registry's own root and any outside roots and intermediates
an operator imports (e.g. NCA RK's), each marked with the PKI it belongs to
(``signing.pki_marks``).  Path validation of RSA and ECDSA chains uses
cryptography's RFC 5280 verifier; what it cannot tell us in the terms of the
report (expired vs. untrusted vs. revoked) is decided here, before or after it.
cryptography parses GOST certificates and CRLs but refuses their keys, so GOST
chains (NCA RK's GOST 34.10-2015) are built and checked here: issuer signatures
with ``signing.gost``, validity, basicConstraints (CA flag, path length) and
keyUsage, then the same period and CRL checks as every other chain.

A store made for production (``production=True``) refuses signatures whose path
ends at an NCA RK *test* anchor unless ``allow_test_pki`` says otherwise: test
certificates are issued to anyone who asks.

Path building is the costly part of verifying a 5 KB letter, and it does not
depend on the time: the path found for a certificate once is cached, and only
the time-dependent checks (validity periods, revocations) are redone per call.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import verification as xv

from signing import gost, pki_marks
from signing.keys import KeyLoadError, check_key_strength
from signing.revocation import Evidence, OcspClient, RevocationError

_MAX_CACHED_PATHS = 4096
#: CA certificates between a GOST signer and its anchor, at most (NCA RK uses one).
_MAX_GOST_PATH = 4


class TrustError(ValueError):
    """A trust anchor or CRL could not be imported."""


class ChainFailure(Exception):
    """Why a signer's certificate is not acceptable, in the report's terms."""

    def __init__(self, indication: str, sub_indication: str, reason: str) -> None:
        super().__init__(f"{sub_indication}: {reason}")
        self.indication = indication
        self.sub_indication = sub_indication
        self.reason = reason


def _key_usage_allows_signing(
    _policy: object, _cert: x509.Certificate, usage: x509.KeyUsage
) -> None:
    if not (usage.digital_signature or usage.content_commitment):
        raise ValueError("KeyUsage allows neither digitalSignature nor nonRepudiation")


# Signing certificates are neither TLS clients nor servers: no EKU or SAN demands,
# but the key usage must allow signatures.  CA certificates keep RFC 5280's rules.
_EE_POLICY = xv.ExtensionPolicy.permit_all().require_present(
    x509.KeyUsage, xv.Criticality.AGNOSTIC, _key_usage_allows_signing
)
_CA_POLICY = xv.ExtensionPolicy.permit_all().require_present(
    x509.BasicConstraints, xv.Criticality.AGNOSTIC, None
)


class TrustStore:
    """Anchors + CRLs.  Mutations invalidate the path cache; reads are thread-safe."""

    def __init__(
        self,
        *,
        production: bool = False,
        allow_test_pki: bool = False,
        ocsp: OcspClient | None = None,
    ) -> None:
        self.production = production
        self.allow_test_pki = allow_test_pki
        self.ocsp = ocsp
        self._anchors: dict[x509.Certificate, str] = {}  # ordered: anchor -> its PKI mark
        self._crls: dict[x509.Name, list[x509.CertificateRevocationList]] = {}
        self._live_crls: set[int] = set()  # id() of CRLs added with live=True (kept in _crls)
        self._crl_evidence: dict[int, Evidence] = {}  # id() of each CRL -> its evidence
        self._store: xv.Store | None = None
        # Certificates hash and compare by their DER encoding, cheaper than a fingerprint.
        self._paths: dict[tuple[x509.Certificate, ...], list[x509.Certificate]] = {}
        self._crl_ok: dict[tuple[int, x509.Certificate], bool] = {}
        self._lock = threading.Lock()

    @property
    def anchors(self) -> list[x509.Certificate]:
        return list(self._anchors)

    def crls_of(self, issuers: Iterable[x509.Name]) -> list[x509.CertificateRevocationList]:
        """The CRLs held for each of ``issuers`` (none for an issuer it has no CRL of)."""
        with self._lock:
            return [crl for name in dict.fromkeys(issuers) for crl in self._crls.get(name, ())]

    def add_anchor(self, data: bytes | x509.Certificate, *, pki: str = pki_marks.OTHER) -> None:
        """Trust one or more CA certificates: PEM (possibly several), DER, or a Certificate.

        Roots and intermediates alike: a path ends at the first anchor it meets.
        ``pki`` marks which PKI they belong to (``signing.pki_marks``; the report's
        ``pki``).  Outside roots (e.g. the national certification authority's) are
        usually published as a DER ``.cer``; operators should compare the fingerprint
        (``fingerprint(cert)``) with the one the authority publishes before importing.
        """
        if pki not in pki_marks.MARKS:
            raise TrustError(f"unknown PKI mark {pki!r}: one of {sorted(pki_marks.MARKS)}")
        certs = [data] if isinstance(data, x509.Certificate) else load_certificates(data)
        for cert in certs:
            try:
                constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            except x509.ExtensionNotFound:
                constraints = None
            if constraints is None or not constraints.ca:
                raise TrustError(f"{cert.subject.rfc4514_string()} is not a CA certificate")
        with self._lock:
            for cert in certs:
                self._anchors[cert] = pki
            self._store = None
            self._paths.clear()

    def add_crl(self, data: bytes | x509.CertificateRevocationList, *, live: bool = False) -> None:
        """Load a full or delta CRL (PEM or DER).  Its signature is checked against its
        issuer when used, and it must be current (nextUpdate) at the validation time —
        unless ``live``: the caller keeps it as the issuer's revocation state itself (the
        registry's own CA, which re-issues its CRL with every revocation), so it is never
        out of date whatever its nextUpdate says."""
        crl = data if isinstance(data, x509.CertificateRevocationList) else load_crl(data)
        used = Evidence("crl", crl.issuer.rfc4514_string(), crl.public_bytes(Encoding.DER))
        with self._lock:
            self._crls.setdefault(crl.issuer, []).append(crl)
            self._crl_evidence[id(crl)] = used
            if live:
                self._live_crls.add(id(crl))

    def pki_of(self, anchor: x509.Certificate) -> str:
        """The PKI mark of an anchor (a path's last certificate); ``other`` if not an anchor."""
        return self._anchors.get(anchor, pki_marks.OTHER)

    def pki_of_issuer(self, cert: x509.Certificate) -> str:
        """The mark of the anchor named as ``cert``'s issuer — for reports on signatures
        whose path could not be validated; ``other`` when no anchor has that name."""
        marks = {mark for anchor, mark in self._anchors.items() if anchor.subject == cert.issuer}
        return marks.pop() if len(marks) == 1 else pki_marks.OTHER

    def validate(
        self,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        at: dt.datetime,
        evidence: list[Evidence] | None = None,
    ) -> list[x509.Certificate]:
        """The certificate path from the signer to an anchor at time ``at``, or ChainFailure.

        The CRLs and OCSP responses the revocation checks used are appended to ``evidence``.
        """
        _check_period(leaf, at, "signer certificate")
        key = (leaf, *intermediates)
        path = self._paths.get(key)
        if path is None or not all(_within(c, at) for c in path):
            path = self._build(leaf, intermediates, at)
            with self._lock:
                if len(self._paths) >= _MAX_CACHED_PATHS:
                    self._paths.clear()
                self._paths[key] = path
        for cert in path[1:]:
            _check_period(cert, at, "CA certificate")
        if (
            self.production
            and not self.allow_test_pki
            and self.pki_of(path[-1]) == pki_marks.NCA_TEST
        ):
            raise ChainFailure(
                "INDETERMINATE",
                "CHAIN_CONSTRAINTS_FAILURE",
                f"{leaf.subject.rfc4514_string()} is a certificate of the NCA RK test PKI, "
                "which this production trust store does not accept",
            )
        self._check_revocation(path, at, evidence if evidence is not None else [])
        return path

    def _build(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], at: dt.datetime
    ) -> list[x509.Certificate]:
        if not self._anchors:
            raise ChainFailure("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND", "no trust anchors")
        if gost.is_gost_certificate(leaf):
            return self._build_gost(leaf, intermediates)
        try:
            check_key_strength(leaf.public_key())  # type: ignore[arg-type]
        except KeyLoadError as exc:
            raise ChainFailure("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE", str(exc)) from None
        except UnsupportedAlgorithm:
            raise ChainFailure(
                "INDETERMINATE",
                "CRYPTO_CONSTRAINTS_FAILURE",
                f"the key algorithm of {leaf.subject.rfc4514_string()} "
                f"({leaf.signature_algorithm_oid.dotted_string}) is not supported",
            ) from None
        with self._lock:
            if self._store is None:
                self._store = xv.Store(list(self._anchors))
            store = self._store
        verifier = (
            xv.PolicyBuilder()
            .store(store)
            .time(at)
            .extension_policies(ee_policy=_EE_POLICY, ca_policy=_CA_POLICY)
            .build_client_verifier()
        )
        try:
            return list(verifier.verify(leaf, intermediates).chain)
        except xv.VerificationError as exc:
            raise ChainFailure(
                "INDETERMINATE",
                "NO_CERTIFICATE_CHAIN_FOUND",
                f"no path to a trust anchor for {leaf.subject.rfc4514_string()}: {exc}",
            ) from None

    def _build_gost(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate]
    ) -> list[x509.Certificate]:
        """The path from a GOST signer to an anchor, built and checked here (RFC 5280 §6.1
        as far as these chains use it: names, signatures, CA flags, path lengths, key usage).

        Validity periods and revocation are checked by ``validate`` for every path."""
        try:
            gost.public_key_from_certificate(leaf)
        except gost.GostError as exc:
            raise ChainFailure("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE", str(exc)) from None
        _check_end_entity(leaf)
        path = [leaf]
        while path[-1] not in self._anchors:
            if len(path) > _MAX_GOST_PATH:
                raise ChainFailure(
                    "INDETERMINATE",
                    "NO_CERTIFICATE_CHAIN_FOUND",
                    f"no path to a trust anchor for {leaf.subject.rfc4514_string()} within "
                    f"{_MAX_GOST_PATH} CA certificates",
                )
            current = path[-1]
            candidates = [
                c
                for c in [*self._anchors, *intermediates]
                if c.subject == current.issuer and c not in path
            ]
            issuer = next((c for c in candidates if _issued(current, c)), None)
            if issuer is None:
                raise ChainFailure(
                    "INDETERMINATE",
                    "NO_CERTIFICATE_CHAIN_FOUND",
                    f"no path to a trust anchor for {leaf.subject.rfc4514_string()}: no "
                    f"certificate of {current.issuer.rfc4514_string()} signed "
                    f"{current.subject.rfc4514_string()}",
                )
            _check_ca(issuer, below=len(path) - 1)
            path.append(issuer)
        return path

    def _crl_signed_by(self, crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
        # CRLs stay referenced by self._crls, so their id() is stable while cached.
        key = (id(crl), issuer)
        ok = self._crl_ok.get(key)
        if ok is None:
            ok = crl_issued_by(crl, issuer)
            with self._lock:
                self._crl_ok[key] = ok
        return ok

    def _check_revocation(
        self, path: list[x509.Certificate], at: dt.datetime, evidence: list[Evidence]
    ) -> None:
        """Each certificate of the path is looked up in the CRLs its issuer signed and,
        when the store has an OCSP client and the certificate names a responder (or the
        client names one), asked about by OCSP.

        A revocation on or before ``at`` refuses.  Where the issuer's CRLs are known,
        the newest must still be current at ``at`` (an expired CRL cannot say the
        certificate was not revoked since) unless an OCSP answer settles it.  When
        OCSP is used and no answer comes, only a current CRL settles it.  What was
        used is appended to ``evidence``.
        """
        for cert, issuer in itertools.pairwise(path):
            crls = [c for c in self._crls.get(cert.issuer, ()) if self._crl_signed_by(c, issuer)]
            evidence.extend(self._crl_evidence[id(crl)] for crl in crls)
            entry = _latest_entry(crls, cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= at:
                raise _revoked(cert, entry.revocation_date_utc)
            stale: ChainFailure | None = None
            if crls and not any(id(crl) in self._live_crls for crl in crls):
                try:
                    _check_fresh(crls, at)
                except ChainFailure as failure:
                    stale = failure
            current_crl = bool(crls) and stale is None
            if self._asks_ocsp(cert, issuer):
                answered = self._check_ocsp(cert, issuer, at, evidence, required=not current_crl)
                if answered:
                    continue
            if stale is not None:
                raise stale

    def _asks_ocsp(self, cert: x509.Certificate, issuer: x509.Certificate) -> bool:
        # GOST-signed OCSP responses are not verified (signing.revocation): CRLs decide there.
        return (
            self.ocsp is not None
            and bool(self.ocsp.urls(cert))
            and not gost.is_gost_certificate(issuer)
        )

    def _check_ocsp(
        self,
        cert: x509.Certificate,
        issuer: x509.Certificate,
        at: dt.datetime,
        evidence: list[Evidence],
        *,
        required: bool,
    ) -> bool:
        """True when a responder answered good; ChainFailure when it answered revoked or
        unknown, or when none answered and ``required`` (no current CRL)."""
        assert self.ocsp is not None
        try:
            answer = self.ocsp.check(cert, issuer)
        except RevocationError as exc:
            if not required:
                return False
            raise ChainFailure(
                "INDETERMINATE",
                "TRY_LATER",
                f"no revocation status for {cert.subject.rfc4514_string()}: {exc}",
            ) from None
        evidence.append(answer.evidence)
        if answer.status == "revoked":
            assert answer.revocation_time is not None
            if answer.revocation_time <= at:
                raise _revoked(cert, answer.revocation_time, " (OCSP)")
        elif answer.status == "unknown":
            raise ChainFailure(
                "INDETERMINATE",
                "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                f"the OCSP responder {answer.evidence.source} does not know "
                f"{cert.subject.rfc4514_string()} (serial {cert.serial_number})",
            )
        return True


def _latest_entry(
    crls: list[x509.CertificateRevocationList], serial: int
) -> x509.RevokedCertificate | None:
    """The revocation of ``serial`` the newest of an issuer's full and delta CRLs says is in
    force: None when none lists it, or when the newest that does lists it as removeFromCRL
    (a delta CRL releasing a certificateHold, RFC 5280 §5.3.1)."""
    listed = [
        (crl.last_update_utc, entry)
        for crl in crls
        if (entry := crl.get_revoked_certificate_by_serial_number(serial)) is not None
    ]
    if not listed:
        return None
    entry = max(listed, key=lambda item: item[0])[1]
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return entry
    return None if reason == x509.ReasonFlags.remove_from_crl else entry


def _revoked(cert: x509.Certificate, when: dt.datetime, how: str = "") -> ChainFailure:
    return ChainFailure(
        "TOTAL_FAILED",
        "REVOKED",
        f"{cert.subject.rfc4514_string()} (serial {cert.serial_number}) revoked on "
        f"{when.isoformat()}{how}",
    )


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (possibly several) or DER; TrustError if neither."""
    try:
        if data.lstrip().startswith(b"-----"):
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustError(f"not a PEM or DER certificate: {exc}") from None


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER; TrustError if neither."""
    try:
        if data.lstrip().startswith(b"-----"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise TrustError(f"not a CRL: {exc}") from None


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated hex, the form CAs publish for their roots."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key signed ``cert`` (GOST or not); False when it cannot tell."""
    try:
        if gost.is_gost_certificate(issuer):
            return gost.verify_certificate_signature(cert, issuer)
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def crl_issued_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``crl`` (GOST or not); False when it cannot tell."""
    try:
        if gost.is_gost_certificate(issuer):
            return gost.verify_crl_signature(crl, issuer)
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


def _check_end_entity(cert: x509.Certificate) -> None:
    """A signer's certificate: not a CA, and its key usage allows signatures."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise ChainFailure(
            "INDETERMINATE",
            "CHAIN_CONSTRAINTS_FAILURE",
            f"the key usage of {cert.subject.rfc4514_string()} allows neither "
            "digitalSignature nor nonRepudiation",
        )


def _check_ca(cert: x509.Certificate, below: int) -> None:
    """A CA of the path with ``below`` CA certificates between it and the signer."""
    name = cert.subject.rfc4514_string()
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise ChainFailure(
            "INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE", f"{name} is not a CA certificate"
        )
    if constraints.path_length is not None and below > constraints.path_length:
        raise ChainFailure(
            "INDETERMINATE",
            "CHAIN_CONSTRAINTS_FAILURE",
            f"{name} allows {constraints.path_length} CA certificates below it, not {below}",
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise ChainFailure(
            "INDETERMINATE",
            "CHAIN_CONSTRAINTS_FAILURE",
            f"the key usage of {name} does not allow signing certificates",
        )


def _check_fresh(crls: list[x509.CertificateRevocationList], at: dt.datetime) -> None:
    """ChainFailure TRY_LATER unless one of an issuer's CRLs is current at ``at``."""
    next_updates = [c.next_update_utc for c in crls if c.next_update_utc is not None]
    if len(next_updates) == len(crls) and max(next_updates) < at:
        raise ChainFailure(
            "INDETERMINATE",
            "TRY_LATER",
            f"the CRL of {crls[0].issuer.rfc4514_string()} expired on "
            f"{max(next_updates).isoformat()}: a newer CRL is needed to check revocation at "
            f"{at.isoformat()}",
        )


def _within(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _check_period(cert: x509.Certificate, at: dt.datetime, what: str) -> None:
    if at < cert.not_valid_before_utc:
        raise ChainFailure(
            "TOTAL_FAILED",
            "NOT_YET_VALID",
            f"{what} {cert.subject.rfc4514_string()} is not valid before "
            f"{cert.not_valid_before_utc.isoformat()}",
        )
    if at > cert.not_valid_after_utc:
        raise ChainFailure(
            "INDETERMINATE",
            "OUT_OF_BOUNDS_NO_POE",
            f"{what} {cert.subject.rfc4514_string()} expired on "
            f"{cert.not_valid_after_utc.isoformat()}",
        )
