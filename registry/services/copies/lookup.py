"""The public checks of ``/verify``: a copy found by its code, or an uploaded PDF recognised.

Both count failures per client address and refuse (429) once too many fall within a
window, so that even the (already infeasible) guessing of codes is slowed down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import CertifiedCopy, CopyLookupThrottle
from registry.paper.codes import CodeError, lookup_key
from registry.paper.pades import CopyValidation, validate_copy
from registry.paper.pdf import format_time
from registry.services.copies.issue import parse_time
from registry.services.copies.seal import seal_roots
from registry.services.errors import Throttled


@dataclass(frozen=True)
class LookupPolicy:
    """Failed look-ups per address within ``window`` before the address waits out ``lock``."""

    max_failures: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock: dt.timedelta = dt.timedelta(minutes=15)


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


def _throttle_key(client: str | None) -> str:
    return f"addr:{(client or 'unknown')[:150]}"


def _ensure_not_locked(session: Session, key: str, now: dt.datetime) -> None:
    row = session.get(CopyLookupThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise Throttled("too many failed look-ups from this address; try again later")


def _count_failure(session: Session, key: str, now: dt.datetime, policy: LookupPolicy) -> None:
    """Count one failure of ``key``; the row is locked so that concurrent workers add up."""
    row = session.get(CopyLookupThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(CopyLookupThrottle(key=key, failures=0, window_started_at=now))
        except IntegrityError:  # another worker counted this address's first failure
            pass
        row = session.get(CopyLookupThrottle, key, with_for_update=True, populate_existing=True)
        assert row is not None
    if now - row.window_started_at > policy.window:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= policy.max_failures:
        row.locked_until = now + policy.lock
    session.flush()


def find_copy(
    session: Session, code: str, *, client: str | None, policy: LookupPolicy = LookupPolicy()
) -> PublicCopy | None:
    """The copy a verification code belongs to, or None (counted as a failed guess)."""
    now = utcnow()
    key = _throttle_key(client)
    _ensure_not_locked(session, key, now)
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
        _count_failure(session, key, now, policy)
        return None
    return PublicCopy.of(row)


def check_upload(
    session: Session, pdf: bytes, *, client: str | None, policy: LookupPolicy = LookupPolicy()
) -> UploadCheck:
    """Check an uploaded PDF: its SHA-256 must be that of an issued copy, its seal valid.

    The hash match is the registry's own answer; the signature check tells the
    same story independently of the registry's records (and of a PDF reader).
    """
    now = utcnow()
    key = _throttle_key(client)
    _ensure_not_locked(session, key, now)
    digest = hashlib.sha256(pdf).hexdigest()
    row = session.scalar(select(CertifiedCopy).where(CertifiedCopy.pdf_sha256 == digest))
    found = PublicCopy.of(row) if row is not None else None
    validation = validate_copy(pdf, seal_roots(session))
    if found is None:
        _count_failure(session, key, now, policy)
    return UploadCheck(copy=found, signature=validation, sha256=digest)
