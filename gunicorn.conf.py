"""Gunicorn settings shared by ``make run``, the e2e tests and production.

The asyncio worker reads requests (headers and, through registry.serving, whole
bodies) without tying up a thread, so clients that trickle their bodies cannot
block the service; the Flask app runs in each worker's thread pool.
Override the address with ``--bind`` (``make run`` passes ``127.0.0.1:$PORT``).
"""

import os

wsgi_app = "asgi:app"
worker_class = "asgi"
workers = int(os.environ.get("ARNA_WORKERS", "2"))
bind = [os.environ.get("ARNA_BIND", "127.0.0.1:8000")]
# Open connections per worker, slow ones included (each costs a coroutine and a socket).
worker_connections = 1000
# A worker that does not report back within this many seconds is restarted.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Request line and header limits (gunicorn's defaults, stated so they are reviewed here).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
