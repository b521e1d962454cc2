"""The kk/ru/en catalogues cover every string of the UI and are compiled (registry/translations)."""

from __future__ import annotations

import ast
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


def _duty_wordings() -> list[tuple[str, ast.expr]]:
    """Every ``what=`` of a ``Duty(...)`` the engines (routing/) build, with where it is."""
    found = []
    for path in sorted((ROOT / "routing").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Duty":
                found += [
                    (f"{path.name}:{node.lineno}", k.value)
                    for k in node.keywords
                    if k.arg == "what"
                ]
    return found


def test_every_duty_wording_of_the_engines_is_a_translated_message_id() -> None:
    """A duty's ``what`` is an ``N_("…")`` wording (or a choice of them), never text built
    there (an f-string, a concatenation, a bare literal) that no catalogue could hold; and
    every ``N_`` wording has a Kazakh and a Russian translation."""
    wordings = _duty_wordings()
    assert len(wordings) > 40
    for where, value in wordings:
        marked = {
            id(arg)
            for node in ast.walk(value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
            for arg in node.args
        }
        for node in ast.walk(value):
            assert not isinstance(node, ast.JoinedStr | ast.BinOp), f"{where}: built text"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert id(node) in marked, f"{where}: {node.value!r} is not marked with N_"
    literals = {
        node.args[0].value
        for path in (ROOT / "routing").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
        if node.args and isinstance(node.args[0], ast.Constant)
    }
    assert len(literals) > 40
    for language in ("kk", "ru"):
        with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            translated = {m.id for m in read_po(f) if m.id and m.string and not m.fuzzy}
        assert not literals - translated, f"{language}: {sorted(literals - translated)[:3]}"
