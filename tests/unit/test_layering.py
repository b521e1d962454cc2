"""The engines never import the web or database stack (docs/architecture.md)."""

import subprocess
import sys

import pytest

PURE_MODULES = [
    "routing",
    "signing",
    "custody",
    "registry.custody",
    "registry.paper",
    "registry.evidence",
]


@pytest.mark.parametrize("package", PURE_MODULES)
def test_engine_imports_neither_flask_nor_sqlalchemy(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'flask', 'sqlalchemy'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{package} pulls in {out}"
