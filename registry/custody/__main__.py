"""``python -m registry.custody verify BUNDLE.json [--key VKEY]`` (contracts/custody-bundle.md).

A thin entry point kept at the contract's name: the offline verifier itself is the
pure ``custody`` engine (``custody.cli``), so this imports neither Flask nor SQLAlchemy.
"""

import sys

from custody.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
