"""Real servers for the proofs at scale: a private PostgreSQL cluster and gunicorn instances.

Used by the fault, concurrency and scale-out tests and by the load benchmarks. Nothing here
touches the shared test database: each caller gets its own cluster or its own database URL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresCluster:
    """A throwaway PostgreSQL server on 127.0.0.1 that a test may stop and restart at will.

    initdb refuses to run as root, so as root the server runs as the ``postgres`` user.
    """

    def __init__(self, *, durable: bool = False) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found (install postgresql)")
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="socialvalue-pgtest-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        # Fault tests need real durability (fsync on) to prove nothing half-saved survives.
        self.durable = durable
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "socialvalue") -> str:
        return f"postgresql+psycopg://socialvalue:socialvalue@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_postgres, *args], check=True, capture_output=True, text=True)

    def init(self) -> PostgresCluster:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self.psql("CREATE ROLE socialvalue LOGIN PASSWORD 'socialvalue' CREATEDB")
        self.create_database("socialvalue")
        return self

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}" OWNER socialvalue')
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "-q",
                "-At",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def start(self) -> None:
        durability = [] if self.durable else ["-c fsync=off", "-c synchronous_commit=off"]
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.root}",
                "-c max_connections=200",
                *durability,
            ]
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"
            )

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.init()

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def server_environment(database_url: str, instance_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a production-like socialvalue process against ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SOCIALVALUE_") and key != "DATABASE_URL"
    }
    env.update(
        {
            "SOCIALVALUE_ENV": "production",
            "SOCIALVALUE_SECRET_KEY": "scale-test-secret-key-0123456789abcdef0123456789",
            "SOCIALVALUE_DATABASE_URL": database_url,
            "SOCIALVALUE_INSTANCE_PATH": str(instance_path),
            "PYTHONPATH": str(REPO_ROOT),
        }
    )
    env.update(extra)
    return env


def flask_command(env: dict[str, str], *args: str, check: bool = True) -> str:
    """Run ``flask <args>`` for the app in ``env`` (e.g. ``db upgrade``) and return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


class GunicornServer:
    """``gunicorn wsgi:app`` on 127.0.0.1, started and stopped by the caller."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        port: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="socialvalue-gunicorn-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> GunicornServer:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # The child keeps its own copy of the descriptor; ours is closed at once (an open file
        # left to the garbage collector is a ResourceWarning, an error under the test suite).
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(gunicorn),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--graceful-timeout",
                    "5",
                    *self.extra_args,
                    "wsgi:app",
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_ready(timeout)
        return self

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                # A loopback http:// address built here, never user input.
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become ready in {timeout} s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """PIDs of the worker processes (children of the gunicorn master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if not children.exists():
            return []
        return [int(pid) for pid in children.read_text().split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            self.log_path.unlink()


@contextlib.contextmanager
def pushed_app(config: dict[str, Any], instance_path: Path) -> Iterator[Any]:
    """An in-process app made with ``config``, its instance folder ``instance_path`` (never the
    checkout's ``instance/``), with its app context pushed; its engine is disposed after."""
    from socialvalue.app import create_app
    from socialvalue.extensions import db

    previous = os.environ.get("SOCIALVALUE_INSTANCE_PATH")
    os.environ["SOCIALVALUE_INSTANCE_PATH"] = str(instance_path)
    try:
        app = create_app(config)
    finally:
        if previous is None:
            os.environ.pop("SOCIALVALUE_INSTANCE_PATH", None)
        else:
            os.environ["SOCIALVALUE_INSTANCE_PATH"] = previous
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@contextlib.contextmanager
def migrated_database(cluster: PostgresCluster, name: str, instance_path: Path) -> Iterator[str]:
    """A fresh database on ``cluster`` with the full schema and the framework library."""
    url = cluster.create_database(name)
    env = server_environment(url, instance_path)
    flask_command(env, "db", "upgrade")
    flask_command(env, "frameworks", "sync")
    yield url


class HttpClient:
    """A minimal browser-like HTTP client for a real server: keeps cookies, fills CSRF tokens.

    Production mode marks cookies Secure; Python's cookie jars will not send those over plain
    http:// on loopback, so this client keeps the cookies itself.
    """

    CSRF_PATTERN = r'name="csrf_token" value="([^"]+)"'

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """Send one request without following redirects; return (status, headers, body)."""
        import urllib.parse

        body = urllib.parse.urlencode(data).encode() if data is not None else None
        all_headers = dict(headers or {})
        if body is not None:
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        status, response_headers, content = self.send(method, path, body, all_headers)
        return status, response_headers, content.decode("utf-8", errors="replace")

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Send ``body`` as it is, with this client's cookies; keep the cookies it sets."""
        import http.client
        import urllib.parse

        all_headers = dict(headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        parsed = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "expires=Thu, 01 Jan 1970" not in value:
                        self.cookies[name.strip()] = cookie_value
                    else:
                        self.cookies.pop(name.strip(), None)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        import re

        status, _, html = self.get(path)
        match = re.search(self.CSRF_PATTERN, html)
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (status {status})")
        return match.group(1)

    def post_form(
        self, path: str, data: dict[str, str], form_page: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        """Fetch the form page for a CSRF token, then post ``data`` with it."""
        token = self.csrf_token(form_page or path)
        return self.request("POST", path, {**data, "csrf_token": token})

    def sign_in(self, email: str, password: str) -> None:
        status, _headers, _ = self.post_form("/sign-in", {"email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"sign-in as {email} failed with status {status}")
