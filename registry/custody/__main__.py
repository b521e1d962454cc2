"""``python -m registry.custody verify|verify-package|witness`` (contracts/custody-bundle.md).

A thin entry point kept at the contract's name: the offline verifier and the
witness are the pure ``custody`` engine (``custody.cli``); ``verify-package``
needs ``signing`` too and is ``registry.evidence.cli``. Neither imports Flask
or SQLAlchemy.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the engine's command line, or to the evidence package's."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["verify-package"]:
        from registry.evidence.cli import main as verify_package

        return verify_package(args[1:])
    from custody.cli import main as custody_main

    return custody_main(args)


__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
