"""Constants and types shared by the signing tests (a plain module: conftest is not importable)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from signing.ca import OfficerIdentity
from signing.keys import SigningKey

EXAMPLES = Path(__file__).resolve().parents[3] / "xml_schemas" / "examples"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Officer:
    key: SigningKey
    cert: x509.Certificate
    identity: OfficerIdentity
