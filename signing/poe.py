"""Verification with proof of existence: a letter's signatures judged at their time-stamp's time.

ETSI EN 319 102-1 (§5.6.2.1, past signature validation): once a trusted
time-stamp proves that a signature value existed at time T, a certificate that
expired after T, or was revoked after T, no longer invalidates it, while a
revocation before T still does. This layer does exactly that with the strict
verifier, and nothing else: every token is verified (imprint over its signature
value, TSA path to the TSA anchors), and the letter is verified by
:func:`signing.verify.verify_letter` at T = the latest of the tokens' times,
against the CRLs the caller passes in the trust store (those captured at
receipt, and any newer ones: a revocation dated after T does not count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from signing.timestamp import Timestamp, TimestampError, signature_values, verify_timestamp
from signing.trust import TrustStore
from signing.verify import VerificationResult, verify_letter


@dataclass(frozen=True)
class PoeVerification:
    """The verifier's result at the proof-of-existence time, and the stamps that set it."""

    result: VerificationResult
    at: dt.datetime
    stamps: tuple[Timestamp, ...]


def verify_with_poe(
    xml: bytes,
    trust: TrustStore,
    tokens: Sequence[bytes],
    tsa_roots: Sequence[x509.Certificate],
) -> PoeVerification:
    """Verify ``xml`` at the time its signature values were time-stamped.

    ``tokens[i]`` must cover the i-th ``ds:SignatureValue``; a letter with an
    unstamped signature has no proof of existence for it: TimestampError.
    """
    values = signature_values(xml)
    if not values or len(tokens) != len(values):
        raise TimestampError(
            f"proof of existence needs one time-stamp per signature: {len(values)} "
            f"signatures, {len(tokens)} time-stamps"
        )
    stamps = tuple(
        verify_timestamp(token, value, tsa_roots)
        for token, value in zip(tokens, values, strict=True)
    )
    at = max(stamp.gen_time for stamp in stamps)
    return PoeVerification(verify_letter(xml, trust, at=at), at, stamps)
