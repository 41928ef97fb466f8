"""Fixtures for the client-compatibility suite.

One real `hamlet serve` process per test session, in a fresh temporary directory (so
its SQLite database, `./hamlet-data`, lands there), on a free loopback port. Members are
created with the real CLI (`hamlet admin user create`), run from the same directory and
with the same environment, so that it opens the same database.

Environment:
  HAMLET_BIN                   the binary to test (default: target/release/hamlet)
  HAMLET_CLIENTS_DATABASE_URL  run the server on this database (PostgreSQL) instead of
                               SQLite; it is passed on as HAMLET_DATABASE_URL
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECS = 30
STOP_TIMEOUT_SECS = 15
OOB = "urn:ietf:wg:oauth:2.0:oob"
# A redirect URI that no request ever follows: the tests read the redirect with
# allow_redirects=False, and `.invalid` never resolves (RFC 2606), so nothing leaves
# this machine even by mistake.
CALLBACK = "https://client.example.invalid/callback"
PASSWORD = "correct horse battery staple"


def hamlet_binary() -> Path:
    raw = os.environ.get("HAMLET_BIN") or "target/release/hamlet"
    path = Path(raw)
    if not path.is_absolute():
        path = (REPO / path).resolve()
    if not path.is_file():
        pytest.exit(
            f"hamlet binary not found at {path}: build it with "
            "`cargo build --release -p hamlet` or set HAMLET_BIN",
            returncode=3,
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client(server: "HamletServer", **kwargs) -> Mastodon:
    """A Mastodon.py client for `server`.

    version_check_mode="none": Mastodon.py would otherwise parse the instance `version`
    ("4.3.0 (compatible; Hamlet 0.1.0)") and refuse, client side, any method it believes
    that Mastodon version lacks; that would test Mastodon.py's version table, not our
    server. (It is the default in 2.x; it is explicit so a future default cannot hide a
    server response behind a client-side refusal.)
    ratelimit_method="throw": by default Mastodon.py sleeps on 429 and retries, which
    would turn a server rate-limit problem into a slow test instead of a failure.
    """
    kwargs.setdefault("version_check_mode", "none")
    kwargs.setdefault("ratelimit_method", "throw")
    kwargs.setdefault("request_timeout", 30)
    return Mastodon(api_base_url=server.base_url, **kwargs)


@dataclass
class Member:
    username: str
    password: str
    email: str


class HamletServer:
    def __init__(self, binary: Path, workdir: Path, env: dict[str, str], port: int):
        self.binary = binary
        self.workdir = workdir
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        self.database_url = env.get("HAMLET_DATABASE_URL", "")
        self._names = itertools.count(1)

    # --- process -------------------------------------------------------------------

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve"],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"hamlet serve exited with {self.process.returncode} before it was "
                    f"healthy:\n{self.log_tail()}"
                )
            try:
                response = requests.get(f"{self.base_url}/health", timeout=2)
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except requests.RequestException as error:
                last_error = str(error)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"hamlet serve was not healthy within {STARTUP_TIMEOUT_SECS}s "
            f"({last_error}):\n{self.log_tail()}"
        )

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(
                f"hamlet serve ignored SIGTERM for {STOP_TIMEOUT_SECS}s and was killed"
            )

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    # --- CLI -----------------------------------------------------------------------

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Runs `hamlet ARGS` against the same database as the server."""
        return subprocess.run(
            [str(self.binary), *args],
            cwd=self.workdir,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=60,
        )

    def unique_name(self, prefix: str) -> str:
        return f"{prefix}{next(self._names)}"

    def create_member(
        self,
        username: str | None = None,
        password: str = PASSWORD,
        role: str = "member",
        email: str | None = None,
    ) -> Member:
        username = username or self.unique_name("member")
        email = email or f"{username}@example.invalid"
        done = self.cli(
            "admin", "user", "create", username,
            "--role", role, "--email", email, "--password-stdin",
            stdin=password + "\n",
        )
        assert done.returncode == 0, (
            f"`hamlet admin user create {username}` exited {done.returncode}\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}"
        )
        assert done.stdout.strip() == f"created @{username} ({role})", done.stdout
        return Member(username=username, password=password, email=email)

    # --- OAuth helpers through Mastodon.py -------------------------------------------

    def create_app(
        self,
        scopes: list[str],
        redirect_uris: list[str] | str = OOB,
        name: str | None = None,
    ) -> tuple[str, str, str]:
        name = name or self.unique_name("Client test app ")
        client_id, client_secret = Mastodon.create_app(
            name,
            scopes=scopes,
            redirect_uris=redirect_uris,
            website="https://client.example.invalid/",
            api_base_url=self.base_url,
            request_timeout=30,
        )
        return client_id, client_secret, name

    def password_login(
        self,
        member: Member,
        scopes: list[str],
        login_name: str | None = None,
    ) -> Mastodon:
        """A client app and a password-grant token for `member`, all via Mastodon.py."""
        client_id, client_secret, _ = self.create_app(scopes)
        api = client(self, client_id=client_id, client_secret=client_secret)
        # allow_http: Mastodon.py insists on https OAuth endpoints unless told otherwise;
        # the test server has only http on loopback.
        api.log_in(
            username=login_name or member.username,
            password=member.password,
            scopes=scopes,
            allow_http=True,
        )
        return api


def start_server(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    pg_schema: str | None = None,
) -> HamletServer:
    """Starts `hamlet serve` in `workdir` on a free loopback port and waits until healthy.

    On PostgreSQL, `pg_schema` gives this server a schema of its own in the suite's
    database (created here), so that two servers of one run never see each other's rows.
    """
    binary = hamlet_binary()
    # The server's environment: ours, without any HAMLET_* variable of the caller's
    # (a developer's HAMLET_DATABASE_URL must not point the test at a real database).
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HAMLET_")}
    database_url = os.environ.get("HAMLET_CLIENTS_DATABASE_URL", "").strip()
    if database_url and pg_schema:
        subprocess.run(
            ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-qc",
             f"CREATE SCHEMA IF NOT EXISTS {pg_schema}"],
            check=True,
            timeout=60,
        )
        separator = "&" if "?" in database_url else "?"
        database_url += f"{separator}options=-c%20search_path%3D{pg_schema}"
    attempts = 3
    for attempt in range(1, attempts + 1):
        port = free_port()
        env = dict(base_env)
        env.update(
            {
                "HAMLET_SERVER_LISTEN": f"127.0.0.1:{port}",
                "HAMLET_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "HAMLET_LOG_LEVEL": "info",
                # Every test signs in from 127.0.0.1; the default allowance (10 password
                # checks per 5 minutes per address) is for attackers, not for a suite
                # that signs in a few dozen times.
                "HAMLET_LIMITS_SIGN_IN_ATTEMPTS": "10000",
                "HAMLET_LIMITS_TOKEN_REQUESTS": "10000",
                "HAMLET_LIMITS_APP_REGISTRATIONS": "10000",
            }
        )
        env.update(extra_env or {})
        if database_url:
            env["HAMLET_DATABASE_URL"] = database_url
        instance = HamletServer(binary, workdir, env, port)
        try:
            instance.start()
            return instance
        except RuntimeError:
            # Another process may have taken the port between our probe and the bind.
            if attempt == attempts or "in use" not in instance.log_tail().lower():
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running_server(
    request,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    pg_schema: str | None = None,
):
    """A server for the duration of a fixture; its log tail is shown if a test failed."""
    instance = start_server(workdir, extra_env, pg_schema)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        sys.stderr.write(
            f"\nhamlet under test: {instance.binary} at {instance.base_url} "
            f"({'PostgreSQL' if instance.database_url else 'SQLite'}), "
            f"log {instance.log_path}\n"
        )
    failed_before = request.session.testsfailed
    yield instance
    code = instance.stop()
    if request.session.testsfailed > failed_before:
        with capture.global_and_fixture_disabled():
            sys.stderr.write(
                f"\n----- last lines of the server log ({instance.log_path}) -----\n"
                f"{instance.log_tail(80)}\n"
            )
    assert code in (0, None), f"hamlet serve exited with {code} on SIGTERM"


@pytest.fixture(scope="session")
def server(request, tmp_path_factory):
    with running_server(request, tmp_path_factory.mktemp("hamlet")) as instance:
        yield instance


@pytest.fixture(scope="session")
def alice(server) -> Member:
    """The one member with a fixed name (for account_lookup("alice"))."""
    return server.create_member("alice", email="alice@example.invalid")
