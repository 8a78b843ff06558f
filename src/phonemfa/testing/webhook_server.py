"""A loopback HTTP endpoint that receives log streams and alert webhooks, for tests and demos.

with FakeWebhook() as hook:
    ... stream to hook.url ...
    hook.records        # every record accepted, in arrival order
    hook.fail_next(2)   # answer the next 2 requests with 503
    hook.stop(); hook.start()   # a real outage: connection refused, then back on the same port
    hook.hold()/release()       # keep requests waiting (a slow SIEM)
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def records(self) -> list[Any]:
        """The JSON values in the body: an array's items, each line, or the single object."""
        text = self.body.decode("utf-8")
        stripped = text.strip()
        if stripped.startswith("["):
            return list(json.loads(stripped))
        lines = [line for line in text.split("\n") if line.strip()]
        return [json.loads(line) for line in lines]


class FakeWebhook:
    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._gate = threading.Event()
        self._gate.set()
        self.waiting = threading.Event()  # set while a request is held at the gate
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeWebhook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if not hook._gate.is_set():
                    hook.waiting.set()
                    hook._gate.wait(30)
                status = hook._next_status()
                with hook._lock:
                    hook.requests.append(
                        ReceivedRequest(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                            status=status,
                        )
                    )
                payload = b'{"ok":true}' if status < 300 else b'{"error":"unavailable"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket: senders get 'connection refused' until start()."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FakeWebhook:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/logs"

    # -- faults --------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def hold(self) -> None:
        self.waiting.clear()
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def _next_status(self) -> int:
        with self._lock:
            return self._failures.pop(0) if self._failures else 200

    # -- what arrived --------------------------------------------------------------------------

    @property
    def accepted(self) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.requests if r.status < 300]

    @property
    def records(self) -> list[Any]:
        return [record for request in self.accepted for record in request.records()]

    def log_ids(self) -> list[str]:
        return [record["log_id"] for record in self.records]
