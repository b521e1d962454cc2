"""The service under gunicorn on a free port, bootstrapped with the demo data, on a fresh
database (SQLite, or a schema of its own on TEST_DATABASE_URL's PostgreSQL)."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """An empty database: a SQLite file in ``folder``, or on TEST_DATABASE_URL's
    PostgreSQL a schema of its own, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL") or ""
    if not base.startswith("postgresql"):
        yield f"sqlite:///{folder / 'arna.db'}"
        return
    schema = f"arna_e2e_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("e2e-db")) as url:
        yield url


def service_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment gunicorn and the CLI run with: this database and instance folder."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "ARNA_INSTANCE": str(instance),
        "ARNA_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
        "ARNA_SERVER_SIGNING": os.environ.get("ARNA_SERVER_SIGNING", "1"),  # the demo's keys
    }


def bootstrap_demo(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "bootstrap", "--demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn with ``gunicorn.conf.py`` on ``port``, in a process group of its own (so a
    test can signal the master and its workers at once), once it answers /healthz."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "gunicorn did not become healthy"
        time.sleep(0.2)


def bootstrap(database_url: str, instance: Path) -> dict[str, str]:
    """``flask bootstrap --demo`` on the database; the environment the service runs with."""
    env = service_env(database_url, instance)
    bootstrap_demo(env)
    return env


@contextmanager
def gunicorn(env: dict[str, str], instance: Path) -> Iterator[str]:
    """gunicorn with ``env`` on a free port until the block ends; the base URL, which is
    also the service's public address (the QR codes of the copies it issues point there)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_gunicorn({"ARNA_PUBLIC_URL": base, **env}, port, instance / "gunicorn.log")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``flask bootstrap --demo`` then gunicorn with ``gunicorn.conf.py``; the base URL."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    with gunicorn(bootstrap(database_url, instance), instance) as base:
        yield base


_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class Person:
    """A browser over real HTTP: cookies, the CSRF token of the session, forms."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.password = password
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"  # the assertions read English pages
        login = self.http.post(
            f"{base}/login",
            data={"username": username, "password": password, "csrf_token": self.csrf("/login")},
            allow_redirects=False,
        )
        assert login.status_code == 302, login.text

    def csrf(self, path: str) -> str:
        match = _CSRF.search(self.http.get(f"{self.base}{path}").text)
        assert match, path
        return match.group(1)

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}")

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        form = {"csrf_token": self.csrf("/account/"), **(data or {})}
        return self.http.post(f"{self.base}{path}", data=form, allow_redirects=False)

    def api_token(self) -> dict[str, str]:
        page = self.post("/account/tokens", {"name": "e2e", "current": self.password})
        match = re.search(r"<code>(arna_[^<]+)</code>", page.text)
        assert match, page.text
        return {"Authorization": f"Bearer {match.group(1)}"}
