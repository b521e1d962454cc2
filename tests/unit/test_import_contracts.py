"""The layer contracts of pyproject.toml ([tool.importlinter], run by ``make lint``).

The real tree keeps every contract, and a planted violation of each kind breaks
one: so a new import across a layer fails ``make lint``, not only a reviewer's eye.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("routing", "signing", "custody", "registry")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, "--no-logo", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The project's packages and contracts, copied to play with."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "envelope_fields.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("signing/planted.py", "import routing.planner", "The engines do not import one another"),
        ("routing/planted.py", "import custody.merkle", "The engines do not import one another"),
        ("custody/planted.py", "import sqlalchemy", "import neither the web nor the database"),
        ("registry/paper/planted.py", "import flask", "import neither the web nor the database"),
        ("registry/services/planted.py", "import registry.web.guard", "never import the web"),
        ("registry/planted_table.py", "import flask_login", "The permission table imports no"),
    ],
)
def test_a_planted_violation_breaks_a_contract(
    tree_copy: Path, module: str, line: str, contract: str
) -> None:
    target = tree_copy / module
    target.write_text(f"{line}\n", encoding="utf-8")
    if module == "registry/planted_table.py":  # reached from the permission table
        permissions = tree_copy / "registry" / "permissions.py"
        permissions.write_text(
            permissions.read_text(encoding="utf-8") + "\nimport registry.planted_table\n",
            encoding="utf-8",
        )
    result = lint_imports(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract}" in result.stdout.split("Broken contracts")[-1]
