"""The kk/ru/en catalogues cover every string of the UI and are compiled (registry/translations)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "registry" / "translations"


def _ids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_the_template_holds_every_string_of_the_code(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "extract"),
            *("-F", str(CATALOGUES / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l", "-k", "N_"),
            *("--no-location", "-o", str(extracted), "."),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert _ids(extracted) == _ids(CATALOGUES / "messages.pot"), "run pybabel extract/update"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_string_is_translated_and_compiled(language: str) -> None:
    folder = CATALOGUES / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        translated = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    with (folder / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    missing = _ids(CATALOGUES / "messages.pot") - translated.keys()
    assert not missing, f"{language}: untranslated {sorted(map(str, missing))[:5]}"
    assert compiled == translated, f"{language}: run pybabel compile -d registry/translations"
