"""What a certified paper copy shows: plain data, filled in by the service.

Kept free of the database models on purpose: the renderer and its tests need only
these values, and the copy shows exactly what is listed here — the public
verification page promises "nothing beyond what the paper shows", so this
dataclass is also the boundary of what may be disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Attachment:
    """One attachment of the letter, identified by its hash so the paper pins the bytes."""

    file_name: str
    media_type: str
    sha256: str


@dataclass(frozen=True)
class SignatureLine:
    """One signature on the letter and the registry's verification result for it.

    ``indication`` is the simple report's indication (``TOTAL_PASSED``,
    ``TOTAL_FAILED``, ``INDETERMINATE``), as stored when the letter was verified:
    a stored report is never silently re-validated against "now".
    """

    signer: str
    agency: str
    signing_time: datetime
    indication: str
    sub_indication: str | None = None
    #: What the certificate says of the signer: IIN, BIN, role and PKI (the report's signer).
    iin: str | None = None
    bin: str | None = None
    role: str | None = None
    pki: str | None = None


@dataclass(frozen=True)
class CustodyRow:
    """One row of the approval sheet: an event of the custody log for this letter."""

    time: datetime
    actor: str
    action: str
    state: str


@dataclass(frozen=True)
class CopyContent:
    """Everything printed on one certified copy.

    Codes are never printed: ``kind``, ``sender``, ``recipient``, ``state``, the route and
    the custody rows hold the names as the paper prints them (Kazakh / Russian, filled in
    by the copy service from registry.names), so this renderer needs no catalogue.
    Times must be timezone-aware; the PDF prints them in Astana time (UTC+05:00).
    ``certified_at`` is also the PDF's creation date, which makes the rendering of
    the same content byte-for-byte repeatable.
    """

    registry_number: str
    kind: str
    sender: str
    recipient: str
    letter_date: date
    subject: str
    body: str
    letter_sha256: str
    certified_by: str
    certified_at: datetime
    verification_code: str
    verification_url: str
    attachments: tuple[Attachment, ...] = ()
    signatures: tuple[SignatureLine, ...] = ()
    #: MFA's countersignature of the dispatch record (¶44 diplomatic channels), if dispatched.
    countersignature: SignatureLine | None = None
    route: tuple[str, ...] = ()
    route_rules: tuple[str, ...] = ()
    custody: tuple[CustodyRow, ...] = ()
    state: str = ""
    #: Issued by a TEST registry (the demo): every page says it is no official copy.
    test_registry: bool = False
