"""Shared pieces of the benchmarks: servers on loopback, a concurrent load generator, tables."""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Servers and CLI calls run this checkout's phonemfa, whatever the environment has installed.
CHECKOUT_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(port)


class Server:
    """A server process on a free loopback port, stopped on exit."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = {**CHECKOUT_ENV, **(env or {})}

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def phonemfa_server(
    db: Path, env: dict[str, str] | None = None, extra: list[str] | None = None
) -> Server:
    return Server(
        [
            sys.executable,
            "-m",
            "phonemfa",
            "--db",
            str(db),
            "--no-demo",
            "api",
            "--port",
            "{port}",
            "--log-level",
            "warning",
            *(extra or []),
        ],
        env,
    )


def bare_server() -> Server:
    """The floor: a bare uvicorn app answering one JSON route, same server settings."""
    return Server([sys.executable, str(ROOT / "benchmarks" / "_bare_app.py"), "{port}"])


def cli(db: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "phonemfa", "--db", str(db), "--no-demo", *args],
        capture_output=True,
        text=True,
        check=True,
        env=CHECKOUT_ENV,
    )
    return out.stdout.strip()


@dataclass
class LoadResult:
    name: str
    requests: int  # flows: one "request" of `load` is one whole flow
    seconds: float
    latencies_ms: list[float]  # per flow
    errors: int
    http_requests: int = 0  # HTTP requests inside the flows
    request_latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def http_rate(self) -> float:
        return self.http_requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def request_pct(self, q: float) -> float:
        return percentile(self.request_latencies_ms, q)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


class Client:
    """One keep-alive connection of a load worker; `call` sends a request and times it."""

    def __init__(self, name: str, port: int, ok: Callable[[int], bool]) -> None:
        self.name = name
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.ok = ok
        self.latencies: list[float] = []
        self.errors = 0

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        payload = response.read()
        self.latencies.append((time.perf_counter() - start) * 1000)
        if not self.ok(response.status):
            self.errors += 1
            if self.errors < 3:
                print(
                    f"  {self.name}: {method} {path} -> {response.status} {payload[:200]!r}",
                    file=sys.stderr,
                )
        return response.status, payload

    def json(self, method: str, path: str, body: bytes | None, headers: dict) -> dict:
        status, payload = self.call(method, path, body, headers)
        try:
            return json.loads(payload)
        except ValueError:
            return {"status": status}


Flow = Callable[[Client, int, int], None]  # (client, worker index, iteration)


def load_flows(
    name: str,
    port: int,
    flow: Flow,
    *,
    clients: int,
    seconds: float,
    ok: Callable[[int], bool] = lambda s: s < 400,
) -> LoadResult:
    """`clients` threads, each with a keep-alive connection, running `flow` for `seconds`.

    A flow may send several requests, each depending on the answers before it; the result has
    the flows' latencies and the requests' latencies.
    """
    stop = time.monotonic() + seconds
    flows: list[float] = []
    requests: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = Client(name, port, ok)
        local: list[float] = []
        iteration = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            flow(client, index, iteration)
            local.append((time.perf_counter() - start) * 1000)
            iteration += 1
        client.conn.close()
        with lock:
            flows.extend(local)
            requests.extend(client.latencies)
            errors[0] += client.errors

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return LoadResult(name, len(flows), elapsed, flows, errors[0], len(requests), requests)


def load(
    name: str,
    port: int,
    make_steps: Callable[[int, int], list[Request]],
    *,
    clients: int,
    seconds: float,
    ok: Callable[[int], bool] = lambda s: s < 400,
) -> LoadResult:
    """`clients` threads repeating fixed steps (a list of requests) for `seconds`."""

    def flow(client: Client, index: int, iteration: int) -> None:
        for method, path, body, headers in make_steps(index, iteration):
            client.call(method, path, body, headers)

    return load_flows(name, port, flow, clients=clients, seconds=seconds, ok=ok)


def json_body(value: object) -> bytes:
    return json.dumps(value).encode()


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def temp_db() -> Path:
    """A database path in a new temporary directory, removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="phonemfa-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder / "bench.db"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
