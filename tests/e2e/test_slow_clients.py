"""Issue 11, M2: clients that trickle their request bodies must not block anyone.

Under gunicorn's sync workers two clients sending a 10 kB body to /login at a byte a
second held both workers, and /healthz stopped answering. Here far more tricklers than
the service has workers or application threads hold their connections open while
/healthz and a sign-in keep answering.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from registry.services.setup import DEMO_PASSWORD

from .conftest import Person

pytestmark = pytest.mark.slow

# Far more than 2 workers x APP_THREADS: a server that gave each body a thread (gunicorn's
# gthread worker with 8 threads, say) would run out.
TRICKLERS = 2 * 8 + 2
BODY_BYTES = 10_000
# Generous: a healthy service answers in milliseconds; a blocked one never does.
PATIENCE_SECONDS = 10


class Trickler:
    """A raw HTTP client that sends a POST's headers, then its body one byte a second."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.sock = socket.create_connection((address.hostname, address.port), timeout=5)
        self.sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\nusername=" % BODY_BYTES
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stop.wait(1.0):
            try:
                self.sock.sendall(b"a")
            except OSError:
                return

    def still_connected(self) -> bool:
        """True while the server neither answered nor closed the connection."""
        self.sock.setblocking(False)
        try:
            return self.sock.recv(1) != b""  # any byte means it answered already
        except BlockingIOError:
            return True
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_healthz_and_sign_in_answer_while_clients_trickle_bodies(server: str) -> None:
    tricklers = [Trickler(server) for _ in range(TRICKLERS)]
    try:
        time.sleep(2)  # every trickler is now mid-body
        for _ in range(4):  # several requests, so that every worker is asked
            response = requests.get(f"{server}/healthz", timeout=PATIENCE_SECONDS)
            assert response.json() == {"status": "ok"}
        Person(server, "officer.minhealth", DEMO_PASSWORD)  # a whole sign-in, form and all
        assert all(trickler.still_connected() for trickler in tricklers)
    finally:
        for trickler in tricklers:
            trickler.close()


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: str) -> None:
    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nusername="
        )
        sock.settimeout(PATIENCE_SECONDS)
        assert sock.recv(100).startswith(b"HTTP/1.1 413")
