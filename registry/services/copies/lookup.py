"""The public checks of ``/verify``: a copy found by its code, or an uploaded PDF recognised.

Both count look-ups per client address with the one throttle (a look-up that finds
its copy is given back) and refuse (429) once too many fail within a window, so that
even the (already infeasible) guessing of codes is slowed down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import CertifiedCopy
from registry.paper.codes import CodeError, lookup_key
from registry.paper.pades import CopyValidation, validate_copy
from registry.paper.pdf import format_time
from registry.services import throttle
from registry.services.copies.issue import parse_time
from registry.services.copies.seal import seal_roots


@dataclass(frozen=True)
class PublicCopy:
    """What ``/verify`` shows of a copy: only what the paper itself shows, times as printed
    (Astana time, ``registry.paper.pdf.format_time``) so the holder can compare them."""

    registry_number: str
    letter_state: str
    letter_sha256: str
    signatures: tuple[dict[str, Any], ...]
    certified_by: str
    issued_at: dt.datetime
    pdf_sha256: str

    @property
    def certified_at_text(self) -> str:
        return format_time(self.issued_at)

    @classmethod
    def of(cls, row: CertifiedCopy) -> PublicCopy:
        return cls(
            registry_number=row.registry_number,
            letter_state=row.letter_state,
            letter_sha256=row.letter_sha256,
            signatures=tuple(
                {**line, "signing_time": format_time(parse_time(line["signing_time"]))}
                for line in row.signatures
            ),
            certified_by=row.certified_by,
            issued_at=row.issued_at,
            pdf_sha256=row.pdf_sha256,
        )


@dataclass(frozen=True)
class UploadCheck:
    """The answer of the upload box: is this file, byte for byte, a copy Arna issued?"""

    copy: PublicCopy | None
    signature: CopyValidation
    sha256: str

    @property
    def ok(self) -> bool:
        return self.copy is not None and self.signature.ok


def _charge(session: Session, client: str | None) -> throttle.Attempt:
    """One look-up against the address's allowance (registry.services.throttle); commits."""
    return throttle.charge(
        session,
        [throttle.Key.address("copy", client)],
        throttle.configured_policy(),
        refusal="too many failed look-ups from this address; try again later",
    )


def _found(session: Session, attempt: throttle.Attempt) -> None:
    """A look-up that found its copy costs the address nothing."""
    throttle.give_back(session, attempt)
    session.commit()


def find_copy(session: Session, code: str, *, client: str | None) -> PublicCopy | None:
    """The copy a verification code belongs to, or None (counted as a failed guess)."""
    attempt = _charge(session, client)
    try:
        stored = lookup_key(code)
    except CodeError:
        stored = None
    row = (
        session.scalar(select(CertifiedCopy).where(CertifiedCopy.code_sha256 == stored))
        if stored
        else None
    )
    if row is None:
        session.rollback()
        return None
    found = PublicCopy.of(row)
    _found(session, attempt)
    return found


def check_upload(session: Session, pdf: bytes, *, client: str | None) -> UploadCheck:
    """Check an uploaded PDF: its SHA-256 must be that of an issued copy, its seal valid.

    The hash match is the registry's own answer; the signature check tells the
    same story independently of the registry's records (and of a PDF reader).
    """
    attempt = _charge(session, client)
    digest = hashlib.sha256(pdf).hexdigest()
    row = session.scalar(select(CertifiedCopy).where(CertifiedCopy.pdf_sha256 == digest))
    found = PublicCopy.of(row) if row is not None else None
    validation = validate_copy(pdf, seal_roots(session))
    if found is None:
        session.rollback()
    else:
        _found(session, attempt)
    return UploadCheck(copy=found, signature=validation, sha256=digest)
