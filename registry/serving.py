"""Serving the Flask app so that slow clients cost a coroutine, not a worker.

Gunicorn's sync and threaded workers hand a connection to the app as soon as its
headers are in, so a client trickling its body at a byte a second holds a worker
(or a thread) for hours: two of them blocked the whole service (issue 11, M2).

Here gunicorn's asyncio worker (``worker_class = "asgi"``, see ``gunicorn.conf.py``)
reads each request, and :class:`BufferedBody` collects the *whole* body on the event
loop — bounded in size and time — before the request reaches the WSGI app, which
a2wsgi runs in its thread. The app therefore only ever sees complete requests, as it
would behind a buffering reverse proxy (nginx's default).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from a2wsgi import WSGIMiddleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A body must arrive whole within this many seconds (2 MB at ~17 kB/s at worst).
BODY_DEADLINE_SECONDS = 120.0
# Threads running the Flask app, per worker process: one, as under gunicorn's sync
# worker. The app's work is CPU-bound (XML, signatures), so more threads add no
# throughput on two cores, and lxml's schema and XPath objects are not built to be
# shared between threads (8 threads crashed a worker with SIGSEGV in bench/submit.py).
APP_THREADS = 1


class BufferedBody:
    """ASGI middleware: read a request's body completely before calling ``app``.

    A body over ``limit`` bytes is answered 413 and one not complete within
    ``deadline`` seconds 408, both without ever reaching ``app``.
    """

    def __init__(self, app: ASGIApp, limit: int, deadline: float = BODY_DEADLINE_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _refuse(send, 413, f"request body over {self.limit} bytes")
            return
        try:
            body = await asyncio.wait_for(self._read(receive), timeout=self.deadline)
        except TimeoutError:
            await _refuse(send, 408, f"request body not received within {self.deadline:.0f} s")
            return
        except _TooLarge:
            await _refuse(send, 413, f"request body over {self.limit} bytes")
            return
        if body is None:  # the client went away
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.extend(message.get("body", b""))
            if len(chunks) > self.limit:
                raise _TooLarge
            if not message.get("more_body", False):
                return bytes(chunks)


class _TooLarge(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the buffered body once, then waits on the real one."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, message: str) -> None:
    payload = json.dumps({"error": {"code": "bad_request_body", "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": False})


def asgi_app(wsgi_app: Any, limit: int) -> ASGIApp:
    """``wsgi_app`` served from a thread pool behind :class:`BufferedBody`."""
    return BufferedBody(WSGIMiddleware(wsgi_app, workers=APP_THREADS), limit=limit)
