"""registry.copies is a pure library, like the other engines (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys


def test_copies_import_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, registry.copies.pdf, registry.copies.pades, registry.copies.codes\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'flask', 'sqlalchemy'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"registry.copies pulls in {out}"
