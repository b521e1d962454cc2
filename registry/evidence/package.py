"""A letter's evidence package: an ASiC-E container (ETSI EN 319 162-1), and its offline check.

Layout (a plain ZIP any unzip opens)::

    mimetype                          first, stored: application/vnd.etsi.asic-e+zip
    <registry number>.xml             the signed letter, byte for byte as stored
    META-INF/manifest.xml             every part with its media type (OpenDocument manifest)
    META-INF/custody.json             the one-letter custody bundle, with cosignatures and
                                      time-stamps (contracts/custody-bundle.md)
    META-INF/timestamps/*.tst         the RFC 3161 tokens of the bundle's "timestamps"
    META-INF/certificates/*.der       signers', their CAs' and the TSA's certificates
    META-INF/revocation/*.crl|*.ocsp  the CRLs and OCSP answers captured at receipt

The check trusts only what the auditor pins: the log's verifier key, the
witnesses' keys and quorum, the TSA's root and the signers' CA roots. Everything
in the container is recomputed against those: the bundle, the letter's digest
against the custody events, each token's imprint against the bytes it names,
and the letter's signatures (at their time-stamps' time: proof of existence).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from custody.bundle import BundleFormatError, verify_bundle
from custody.cosignature import CosignerKey
from signing.poe import verify_with_poe
from signing.timestamp import TimestampError, signature_values, verify_timestamp
from signing.trust import TrustStore
from signing.verify import verify_letter
from signing.xmlparse import XMLInputError

MIMETYPE = "application/vnd.etsi.asic-e+zip"
CUSTODY = "META-INF/custody.json"
MANIFEST = "META-INF/manifest.xml"
_MAX_PARTS = 1000
_MAX_PART_BYTES = 64 * 1024 * 1024
_MEDIA = {
    ".xml": "application/xml",
    ".json": "application/json",
    ".tst": "application/timestamp-reply",  # the token's DER (RFC 3161 names no other type)
    ".der": "application/pkix-cert",
    ".crl": "application/pkix-crl",
    ".ocsp": "application/ocsp-response",
}


class PackageError(ValueError):
    """The container cannot be read as an evidence package at all (exit 2)."""


@dataclass(frozen=True)
class Evidence:
    """What goes into a package besides the letter and its bundle."""

    certificates: Sequence[bytes] = ()  # DER
    crls: Sequence[bytes] = ()  # DER
    ocsp: Sequence[bytes] = ()  # DER OCSPResponse


def _manifest(names: Sequence[str]) -> bytes:
    entries = "".join(
        f' <manifest:file-entry manifest:full-path="{name}" '
        f'manifest:media-type="{_MEDIA[name[name.rfind(".") :]]}"/>\n'
        for name in names
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">\n'
        f' <manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>\n'
        f"{entries}</manifest:manifest>\n"
    ).encode()


def timestamp_part(stamp: dict[str, Any]) -> str:
    """The file name of a bundle time-stamp inside META-INF/timestamps/."""
    if stamp["covers"] == "checkpoint":
        return f"META-INF/timestamps/checkpoint-{stamp['size']}.tst"
    return f"META-INF/timestamps/signature-{stamp['signature']}.tst"


def write_package(
    registry_number: str, xml: bytes, bundle: dict[str, Any], evidence: Evidence
) -> bytes:
    """The ASiC-E container's bytes; ``xml`` goes in untouched."""
    parts: list[tuple[str, bytes]] = [(f"{registry_number}.xml", xml)]
    parts.append((CUSTODY, json.dumps(bundle, ensure_ascii=False, indent=1).encode()))
    for stamp in bundle.get("timestamps", []):
        parts.append((timestamp_part(stamp), base64.b64decode(stamp["token"])))
    for kind, items, suffix in (
        ("certificates", evidence.certificates, "der"),
        ("revocation", evidence.crls, "crl"),
        ("revocation", evidence.ocsp, "ocsp"),
    ):
        for item in dict.fromkeys(items):  # once each, in order
            digest = hashlib.sha256(item).hexdigest()[:16]
            parts.append((f"META-INF/{kind}/{digest}.{suffix}", item))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
        for name, data in parts:
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
        archive.writestr(MANIFEST, _manifest([name for name, _ in parts]), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@dataclass(frozen=True)
class Package:
    """A container read back: the letter, its bundle and every other part by name."""

    registry_number: str
    xml: bytes
    bundle: dict[str, Any]
    parts: dict[str, bytes]


def read_package(data: bytes) -> Package:
    """Open a container, checking the ASiC-E framing; PackageError when it is not one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PackageError(f"package: not a ZIP ({exc})") from None
    infos = archive.infolist()
    if not infos or infos[0].filename != "mimetype":
        raise PackageError("package: the first entry is not 'mimetype'")
    if infos[0].compress_type != zipfile.ZIP_STORED or infos[0].extra:
        raise PackageError("package: 'mimetype' is compressed or has an extra field")
    if len(infos) > _MAX_PARTS:
        raise PackageError(f"package: more than {_MAX_PARTS} parts")
    parts: dict[str, bytes] = {}
    for info in infos:
        if info.file_size > _MAX_PART_BYTES or info.filename in parts:
            raise PackageError(f"package: {info.filename} is too large or appears twice")
        try:
            parts[info.filename] = archive.read(info)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise PackageError(f"package: {info.filename}: {exc}") from None
    if parts["mimetype"] != MIMETYPE.encode():
        raise PackageError(f"package: mimetype is not {MIMETYPE}")
    letters = [name for name in parts if "/" not in name and name.endswith(".xml")]
    if len(letters) != 1:
        raise PackageError("package: not exactly one signed letter (<registry number>.xml)")
    if CUSTODY not in parts:
        raise PackageError(f"package: no {CUSTODY}")
    try:
        bundle = json.loads(parts[CUSTODY])
    except (ValueError, RecursionError) as exc:
        raise PackageError(f"package: {CUSTODY}: {exc}") from None
    if not isinstance(bundle, dict):
        raise PackageError(f"package: {CUSTODY} is not a JSON object")
    return Package(letters[0].removesuffix(".xml"), parts[letters[0]], bundle, parts)


@dataclass
class PackageReport:
    """What the check found: facts that hold, and the first problem (None when all check)."""

    facts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None


def _check_letter_digest(package: Package) -> str:
    digests = [
        entry["event"].get("letter_sha256")
        for entry in package.bundle.get("entries", [])
        if isinstance(entry, dict) and isinstance(entry.get("event"), dict)
    ]
    recorded = [d for d in digests if d]
    actual = hashlib.sha256(package.xml).hexdigest()
    if not recorded or recorded[-1] != actual:
        raise _Bad(f"the letter's SHA-256 {actual} is not the one its custody events record last")
    if package.bundle["entries"][0]["event"].get("registry_number") != package.registry_number:
        raise _Bad(f"the custody events are not about {package.registry_number}")
    return actual


class _Bad(Exception):
    pass


def _covered(package: Package, stamp: dict[str, Any], checkpoint_body: str) -> bytes:
    if stamp.get("covers") == "checkpoint":
        if stamp.get("size") != int(checkpoint_body.split("\n")[1]):
            raise _Bad(f"time-stamp of checkpoint {stamp.get('size')} is not the bundle's")
        return checkpoint_body.encode()
    if stamp.get("covers") == "signature-value":
        values = signature_values(package.xml)
        index = stamp.get("signature")
        if not isinstance(index, int) or not 0 <= index < len(values):
            raise _Bad(f"time-stamp names signature {index!r}; the letter has {len(values)}")
        return values[index]
    raise _Bad(f"time-stamp covers {stamp.get('covers')!r}, which this verifier does not know")


def _check_timestamps(
    package: Package, checkpoint_body: str, tsa_roots: Sequence[x509.Certificate]
) -> list[str]:
    facts = []
    for stamp in package.bundle.get("timestamps", []):
        if not isinstance(stamp, dict) or not isinstance(stamp.get("token"), str):
            raise _Bad("a time-stamp is not an object with a base64 'token'")
        try:
            token = base64.b64decode(stamp["token"], validate=True)
        except binascii.Error:
            raise _Bad("a time-stamp token is not base64") from None
        if package.parts.get(timestamp_part(stamp)) != token:
            raise _Bad(f"{timestamp_part(stamp)} is missing or differs from the bundle's token")
        data = _covered(package, stamp, checkpoint_body)
        try:
            verified = verify_timestamp(token, data, tsa_roots)
        except TimestampError as exc:
            raise _Bad(f"{timestamp_part(stamp)}: {exc}") from None
        facts.append(
            f"{timestamp_part(stamp)}: {stamp['covers']} existed at "
            f"{verified.gen_time.isoformat()} ({verified.tsa})"
        )
    return facts


def _check_signatures(
    package: Package, trust_roots: Sequence[x509.Certificate], tsa_roots: Sequence[x509.Certificate]
) -> str:
    """The letter's signatures against the pinned roots and the CRLs the package carries.

    With a time-stamp for every signature and a pinned TSA root, at the stamps'
    time (proof of existence, signing.poe); else as ``python -m signing verify``.
    """
    trust = TrustStore()
    for root in trust_roots:
        trust.add_anchor(root)
    for name, part in package.parts.items():
        if name.startswith("META-INF/revocation/") and name.endswith(".crl"):
            trust.add_crl(part)  # signed by its CA, checked when used: safe to take from here
    stamps = sorted(
        (stamp["signature"], base64.b64decode(stamp["token"]))
        for stamp in package.bundle.get("timestamps", [])
        if stamp.get("covers") == "signature-value"
    )
    if stamps and tsa_roots:
        try:
            proved = verify_with_poe(package.xml, trust, [t for _, t in stamps], tsa_roots)
        except TimestampError as exc:
            raise _Bad(f"proof of existence: {exc}") from None
        result, when = proved.result, f"at their time-stamps' time {proved.at.isoformat()}"
    else:
        result, when = verify_letter(package.xml, trust), "at their claimed signing time"
    report = result.report
    if not result.passed:
        raise _Bad(
            f"the signatures are {report['indication']} ({report['sub_indication']}) {when}: "
            + "; ".join(r for s in report["signatures"] for r in s.get("reasons", []))
        )
    return (
        f"{package.registry_number}.xml: {len(report['signatures'])} signatures TOTAL_PASSED {when}"
    )


def verify_package(
    data: bytes,
    *,
    verifier_key: str | None,
    witnesses: Sequence[CosignerKey] = (),
    quorum: int = 0,
    tsa_roots: Sequence[x509.Certificate] = (),
    trust_roots: Sequence[x509.Certificate] = (),
) -> PackageReport:
    """Check a container offline; PackageError when it cannot be read at all.

    With ``trust_roots`` (the signers' CA roots), the letter's signatures are
    verified too, with the package's CRLs and, when stamped, at the stamps' time.
    """
    package = read_package(data)
    report = PackageReport()
    try:
        bundle_report = verify_bundle(
            package.bundle, verifier_key=verifier_key, witnesses=witnesses, quorum=quorum
        )
    except BundleFormatError as exc:
        raise PackageError(f"{CUSTODY}: {exc}") from None
    if bundle_report.key_from_bundle:
        report.warnings.append("no --key given: the bundle is only self-consistent")
    if bundle_report.problem is not None:
        report.problem = f"{CUSTODY}: {bundle_report.problem}"
        return report
    assert bundle_report.checkpoint is not None
    checkpoint_body = bundle_report.checkpoint.body()
    report.facts.append(
        f"{CUSTODY}: {bundle_report.entries} events of {package.registry_number} are in the "
        f"log of size {bundle_report.checkpoint.size}"
    )
    report.facts.extend(f"witnessed by {name}" for name in bundle_report.witnessed)
    try:
        digest = _check_letter_digest(package)
        report.facts.append(f"{package.registry_number}.xml: SHA-256 {digest} as recorded")
        if package.bundle.get("timestamps") and not tsa_roots:
            report.warnings.append("no --tsa-root given: the time-stamps were not checked")
        elif tsa_roots:
            report.facts.extend(_check_timestamps(package, checkpoint_body, tsa_roots))
        if trust_roots:
            report.facts.append(_check_signatures(package, trust_roots, tsa_roots))
        else:
            report.warnings.append("no --trust given: the letter's signatures were not checked")
    except _Bad as bad:
        report.problem = str(bad)
    except XMLInputError as exc:
        report.problem = f"{package.registry_number}.xml: {exc}"
    return report
