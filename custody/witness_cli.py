"""``python -m registry.custody witness keygen|serve``: run a witness of Arna's custody log.

The witness's key file holds its name and Ed25519 seed in the signed-note
private-key form ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x04 ‖ seed)>``
(golang.org/x/mod/sumdb/note's signer keys, with the cosignature type 0x04), so
one file names the witness and keys it; ``keygen`` prints the verifier key Arna
and auditors configure.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from custody.cosignature import COSIGNATURE_ALG, Cosigner, cosigner_key_id
from custody.note import NoteError, VerifierKey
from custody.witness import StateFile, Witness
from custody.witness_http import make_server

_PREFIX = "PRIVATE+KEY+"


def dump_cosigner(cosigner_name: str, private_key: Ed25519PrivateKey) -> str:
    """The key file's text for a witness named ``cosigner_name``."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = Cosigner(cosigner_name, private_key).verifier.public_key
    key_id = cosigner_key_id(cosigner_name, public).hex()
    encoded = base64.b64encode(COSIGNATURE_ALG + seed).decode()
    return f"{_PREFIX}{cosigner_name}+{key_id}+{encoded}\n"


def load_cosigner(text: str) -> Cosigner:
    """The witness key a key file holds; NoteError when it is not one."""
    text = text.strip()
    if not text.startswith(_PREFIX):
        raise NoteError(f"witness key file: does not start with {_PREFIX}")
    parts = text[len(_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise NoteError("witness key file: not PRIVATE+KEY+<name>+<hex id>+<base64>")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise NoteError("witness key file: key is not base64") from None
    if len(raw) != 33 or raw[:1] != COSIGNATURE_ALG:
        raise NoteError("witness key file: not an Ed25519 cosignature key (0x04 and 32 bytes)")
    cosigner = Cosigner(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if cosigner.verifier.key_id.hex() != hex_id:
        raise NoteError("witness key file: key id does not match the name and key")
    return cosigner


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``witness keygen`` and ``witness serve`` to the custody command line."""
    witness = commands.add_parser("witness", help="run a witness that cosigns checkpoints")
    sub = witness.add_subparsers(dest="witness_command", required=True)
    keygen = sub.add_parser("keygen", help="create a witness key; print its verifier key")
    keygen.add_argument("--name", required=True, help="the witness's name, e.g. mfa.gov.kz/w1")
    keygen.add_argument("--key", type=Path, required=True, help="key file to create (mode 0600)")
    serve = sub.add_parser("serve", help="serve POST /add-checkpoint (C2SP tlog-witness)")
    serve.add_argument("--key", type=Path, required=True, help="the witness's key file")
    serve.add_argument("--state", type=Path, required=True, help="JSON state file (created)")
    serve.add_argument(
        "--log-key",
        action="append",
        required=True,
        help="verifier key of a log to witness (its name is the log's origin); repeatable",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``witness`` command; return the exit code."""
    if args.witness_command == "keygen":
        text = dump_cosigner(args.name, Ed25519PrivateKey.generate())
        descriptor = os.open(args.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(text)
        print(load_cosigner(text).verifier)
        return 0
    cosigner = load_cosigner(args.key.read_text())
    logs = [VerifierKey.parse(key) for key in args.log_key]
    server = make_server(Witness(cosigner, logs, StateFile(args.state)), args.host, args.port)
    print(
        f"witness {cosigner.verifier} listening on http://{args.host}:{server.server_port}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
