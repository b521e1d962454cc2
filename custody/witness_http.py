"""The witness over HTTP: a small standard-library server, and the client Arna submits with.

The standard library's threading HTTP server is enough here: a witness answers
one short POST per checkpoint, every request is capped in size, and the
decisions live in :class:`custody.witness.Witness` under its lock.
"""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from custody.cosignature import CosignerKey
from custody.note import NoteError
from custody.witness import (
    MAX_REQUEST_BYTES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    Answer,
    Witness,
)

ADD_CHECKPOINT = "/add-checkpoint"


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """A server answering ``POST /add-checkpoint`` with ``witness``; call serve_forever()."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec recommends

        def do_POST(self) -> None:
            if self.path != ADD_CHECKPOINT:
                self._answer(Answer(404, "text/plain", b"not found\n"))
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_REQUEST_BYTES:
                self.close_connection = True
                self._answer(Answer(400, "text/plain", b"missing or too large Content-Length\n"))
                return
            self._answer(witness.add_checkpoint(self.rfile.read(length)))

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the caller's own logging says what happened."""

    return ThreadingHTTPServer((host, port), Handler)


class WitnessError(RuntimeError):
    """A witness did not cosign: unreachable, or it refused (status and its reason)."""

    def __init__(self, message: str, status: int | None = None, size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.size = size  # the witness's own size, when it answered 409 with one


@dataclass(frozen=True)
class WitnessEndpoint:
    """A configured witness: where it listens and the key its cosignatures must verify with."""

    url: str
    key: CosignerKey

    @classmethod
    def parse(cls, text: str) -> WitnessEndpoint:
        """``URL VKEY`` (whitespace between), as ARNA_WITNESSES lists them."""
        parts = text.split()
        if len(parts) != 2:
            raise ValueError(f"witness {text!r}: not 'URL VERIFIER-KEY'")
        url, key = parts
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"witness {url!r}: not an http(s) URL")
        try:
            return cls(url.rstrip("/"), CosignerKey.parse(key))
        except NoteError as exc:
            raise ValueError(f"witness {url}: {exc}") from None


def submit(
    endpoint: WitnessEndpoint, request: AddCheckpoint, checkpoint_body: str, timeout: float
) -> str:
    """Send one add-checkpoint; return the witness's verified cosignature line.

    Raises WitnessError for a network failure, a refusal, or an answer without a
    valid cosignature by the configured key.
    """
    parts = urllib.parse.urlsplit(endpoint.url + ADD_CHECKPOINT)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=timeout)
    try:
        connection.request(
            "POST", parts.path, body=request.encode(), headers={"Content-Type": "text/plain"}
        )
        response = connection.getresponse()
        body = response.read(MAX_REQUEST_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise WitnessError(f"witness {endpoint.url}: {exc}") from None
    finally:
        connection.close()
    text = body.decode("utf-8", "replace")
    if response.status == 409 and response.getheader("Content-Type") == SIZE_CONTENT_TYPE:
        size = int(text.strip()) if text.strip().isdigit() else None
        raise WitnessError(f"witness {endpoint.url}: 409, its size is {text.strip()}", 409, size)
    if response.status != 200:
        reason = f"witness {endpoint.url}: {response.status} {text.strip()}"
        raise WitnessError(reason, response.status)
    for line in text.splitlines():
        try:
            if endpoint.key.verify(checkpoint_body, line) is not None:
                return line
        except NoteError as exc:
            raise WitnessError(f"witness {endpoint.url}: {exc}") from None
    raise WitnessError(f"witness {endpoint.url}: no cosignature by {endpoint.key}")
