"""Shared pieces of the benchmarks: servers on loopback, a concurrent load generator, tables."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
        self.env = {**os.environ, **(env or {})}

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def phonemfa_server(db: Path) -> Server:
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
        ]
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
    )
    return out.stdout.strip()


@dataclass
class LoadResult:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def load(
    name: str,
    port: int,
    make_steps: Callable[[int, int], list[Request]],
    *,
    clients: int,
    seconds: float,
    ok: Callable[[int], bool] = lambda s: s < 400,
) -> LoadResult:
    """`clients` threads, each with a keep-alive connection, repeating its steps for `seconds`.

    One "request" in the result is one whole list of steps (a flow); its latency is the flow's.
    """
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        iteration = 0
        local: list[float] = []
        local_errors = 0
        while time.monotonic() < stop:
            steps = make_steps(index, iteration)
            iteration += 1
            start = time.perf_counter()
            for method, path, body, headers in steps:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                if not ok(response.status):
                    local_errors += 1
                    if local_errors < 3:
                        print(
                            f"  {name}: {method} {path} -> {response.status} {payload[:200]!r}",
                            file=sys.stderr,
                        )
            local.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += local_errors

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return LoadResult(name, len(latencies), elapsed, latencies, errors[0])


def json_body(value: object) -> bytes:
    return json.dumps(value).encode()


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def temp_db() -> Path:
    return Path(tempfile.mkdtemp(prefix="phonemfa-bench-")) / "bench.db"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
