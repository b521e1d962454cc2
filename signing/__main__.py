"""python -m signing sign|verify — exactly contracts/signing-cli.md.

    python -m signing sign IN.xml --key KEY.pem --cert CERT.pem [--chain CHAIN.pem ...]
                           [--passphrase-env VAR] -o OUT.xml
    python -m signing verify IN.xml --trust ROOT.pem [--trust ROOT2.pem ...] [--crl CRL.pem ...]
                           [--at ISO_DATETIME]

Exit status: sign 0; verify 0 only for TOTAL_PASSED, 1 otherwise; 2 when an input
cannot be read or parsed (one line on stderr, nothing on stdout).  The key's
passphrase is read from the environment variable named by --passphrase-env,
never from the command line, and never printed.

``--trust`` takes roots and intermediates, PEM (several per file) or DER; each
is marked with the PKI it belongs to by ``signing.pki_marks.recognise`` (the
NCA RK test and production CAs by fingerprint or name, the registry's own root
by its O), which the report's ``signer.pki`` names.  ``--crl`` takes full or
delta CRLs, PEM or DER.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import warnings
from collections.abc import Sequence

from cryptography import x509

from signing.pki_marks import recognise
from signing.trust import TrustStore, load_certificates
from signing.verify import verify_letter

EXIT_OK, EXIT_NOT_PASSED, EXIT_BAD_INPUT = 0, 1, 2


class _InputError(Exception):
    """An input cannot be read or parsed: one line on stderr, exit 2."""


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as file:  # not pathlib: its import is start-up time for nothing
            return file.read()
    except OSError as exc:
        raise _InputError(f"cannot read {what} {path}: {exc.strerror}") from None


def _certificates(path: str, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(_read(path, what))
    except ValueError:
        raise _InputError(f"{what} {path} is not a PEM certificate") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m signing", description="Sign and verify Arna XML letters."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sign = commands.add_parser("sign", help="add an enveloped XAdES baseline-B signature")
    sign.add_argument("input", metavar="IN.xml")
    sign.add_argument("--key", required=True, metavar="KEY.pem", help="PEM key, may be PKCS#8")
    sign.add_argument("--cert", required=True, metavar="CERT.pem")
    sign.add_argument("--chain", action="append", default=[], metavar="CHAIN.pem")
    sign.add_argument(
        "--passphrase-env", metavar="VAR", help="environment variable holding the passphrase"
    )
    sign.add_argument("-o", "--output", required=True, metavar="OUT.xml")
    verify = commands.add_parser("verify", help="verify every signature, print a JSON report")
    verify.add_argument("input", metavar="IN.xml")
    verify.add_argument("--trust", action="append", required=True, metavar="ROOT.pem")
    verify.add_argument("--crl", action="append", default=[], metavar="CRL.pem")
    verify.add_argument("--at", metavar="ISO_DATETIME", help="default: the claimed signing time")
    return parser


def _sign(args: argparse.Namespace) -> int:
    # Imported here, not above: verifying needs neither (signing.sign, and the key loader's
    # argon2), and the verifier's start-up is most of its time on one letter.
    from signing.keys import load_private_key
    from signing.sign import sign_letter

    passphrase = None
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise _InputError(f"environment variable {args.passphrase_env} is not set")
        passphrase = value.encode()
    key = load_private_key(_read(args.key, "key"), passphrase)
    certs = _certificates(args.cert, "certificate")
    chain = [c for path in args.chain for c in _certificates(path, "chain")]
    signed = sign_letter(_read(args.input, "letter"), key, certs[0], [*certs[1:], *chain])
    try:
        with open(args.output, "wb") as file:
            file.write(signed)
    except OSError as exc:
        raise _InputError(f"cannot write {args.output}: {exc.strerror}") from None
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    trust = TrustStore()
    for path in args.trust:
        for cert in load_certificates(_read(path, "trust anchor")):
            trust.add_anchor(cert, pki=recognise(cert))
    for path in args.crl:
        trust.add_crl(_read(path, "CRL"))
    at = None
    if args.at:
        try:
            at = dt.datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            raise _InputError(f"--at {args.at!r} is not an ISO 8601 date and time") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
    result = verify_letter(_read(args.input, "letter"), trust, at)
    print(json.dumps(result.report, ensure_ascii=False, indent=2))
    return EXIT_OK if result.passed else EXIT_NOT_PASSED


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # NCA RK's CA names are longer than X.520's 64-character bound; cryptography warns on
    # every read of them, which would bury the report's one line on stderr.
    warnings.filterwarnings("ignore", "Attribute's length must be", UserWarning)
    try:
        return _sign(args) if args.command == "sign" else _verify(args)
    except (_InputError, ValueError) as exc:
        # XMLInputError, LetterError, KeyLoadError, SigningError, TrustError are ValueErrors;
        # their messages name what is wrong and never carry key material.
        message = " ".join(str(exc).split())
        print(f"python -m signing {args.command}: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
