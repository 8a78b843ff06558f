"""Shared fixtures: real SQLite files under tmp_path, a fake clock, real servers on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from phonemfa.clock import FakeClock
from phonemfa.service import PhoneMfa

pytest_plugins = ["tests.twilio_support"]

# Nothing in the tests may leave the machine, and loopback must never go through a proxy.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ.pop("PHONEMFA_SECRET_KEY", None)
os.environ.setdefault("PHONEMFA_HOME", str(Path(__file__).parent / ".home-never-used"))


# Shared 2-core machines are noisy: judge behaviour, never speed.
hypothesis_settings.register_profile(
    "phonemfa",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("phonemfa")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "phonemfa.db"


@pytest.fixture
def service(db_path: Path, clock: FakeClock) -> Iterator[PhoneMfa]:
    svc = PhoneMfa.open(db_path, clock=clock, demo=False)
    yield svc
    svc.close()


@pytest.fixture
def demo_service(db_path: Path, clock: FakeClock) -> Iterator[PhoneMfa]:
    svc = PhoneMfa.open(db_path, clock=clock, demo=True)
    yield svc
    svc.close()


@pytest.fixture
def make_token(service: PhoneMfa) -> Callable[..., str]:
    def make(*scopes: str, ttl: int = 3600) -> str:
        return service.create_token(list(scopes), ttl=ttl)

    return make


@pytest.fixture
def api(service: PhoneMfa) -> Iterator[httpx.Client]:
    """The API in-process (same service, same fake clock)."""
    from fastapi.testclient import TestClient

    from phonemfa.api import create_app

    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


class LiveServer:
    """`phonemfa api` as a real process on a free loopback port."""

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "phonemfa",
                "--db",
                str(self.db),
                "--no-demo",
                "api",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: nobody reads a pipe during a test and a full one blocks the server.
            stderr=self.db.with_name(f"server-{self.port}.log").open("wb"),
        )
        wait_for_port(self.port, self.proc)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            (self.proc.kill if kill else self.proc.terminate)()
            self.proc.wait(timeout=10)

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "phonemfa", "--db", str(self.db), "--no-demo", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=input,
            timeout=60,
        )


@pytest.fixture
def live_server(db_path: Path, service: PhoneMfa) -> Iterator[LiveServer]:
    """A real server process on the same database file as `service` (real clock there)."""
    server = LiveServer(db_path).start()
    yield server
    server.stop()


def run_cli(
    db: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phonemfa", "--db", str(db), "--no-demo", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
    )
