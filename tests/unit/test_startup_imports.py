"""Command-line tools load only what they use: ``python -m signing verify`` never needs the
holiday calendar (``holidays`` costs ~0.1 s to import; routing builds its table on first use),
nor what only signing, key loading, online revocation checks or GOST keys use (issue 18: its
whole process within 3x ``xmlsec1 --verify``; bench/signing.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(done.stdout.split())


def test_the_signing_cli_does_not_load_the_holiday_calendar() -> None:
    assert "holidays" not in _loaded_after("import signing.__main__")


def test_the_signing_cli_loads_nothing_verifying_does_not_need() -> None:
    loaded = _loaded_after("import signing.__main__")
    assert {"argon2", "asn1crypto", "urllib.request", "signing.sign", "signing.keys"} & loaded == {
        "signing.keys"  # its exceptions and key-strength rules, without argon2
    }


def test_verifying_loads_neither_signxml_nor_an_http_client() -> None:
    """signing.core_validation verifies every algorithm without signxml (which only makes
    Arna's own signatures), and fetching CRLs or OCSP answers imports its client itself."""
    assert {"signxml", "http.client"} & _loaded_after("import signing.__main__") == set()


def test_the_calendar_still_loads_it_when_asked_for_a_working_day() -> None:
    loaded = _loaded_after(
        "import datetime, routing.calendar as c; c.is_workday(datetime.date(2026, 3, 20))"
    )
    assert "holidays" in loaded
