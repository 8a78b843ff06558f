"""Where stream records go: an HTTP webhook (POST) or a local file of JSON lines.

Sinks do I/O only; the loop decides what to send, retries, and moves the cursor.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from phonemfa import __version__
from phonemfa.core import streamformat as fmt
from phonemfa.core.events import Event, row_id_from_log_id

USER_AGENT = f"phonemfa/{__version__} (log stream)"


class DeliveryError(Exception):
    """A batch did not reach its sink; the message says why in plain words."""


class Sink(Protocol):
    def chunks(self, events: list[Event]) -> list[list[Event]]:
        """How `events` split into units that are sent (and retried) whole."""
        ...

    def send(self, events: list[Event]) -> None:
        """Deliver `events` (already filtered) or raise DeliveryError."""
        ...


def post_json(
    url: str,
    body: bytes,
    *,
    content_type: str = fmt.DEFAULT_CONTENT_TYPE,
    authorization: str | None = None,
    timeout: float = 10.0,
) -> int:
    """POST `body`; returns the status or raises DeliveryError for anything but a 2xx."""
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    if authorization:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach {url}: {reason}") from exc


class HttpSink:
    def __init__(
        self,
        endpoint: str,
        *,
        content_format: str,
        content_type: str,
        authorization: str | None,
        timeout: float,
        post: Callable[..., int] = post_json,
    ) -> None:
        self.endpoint = endpoint
        self.content_format = content_format
        self.content_type = content_type
        self.authorization = authorization
        self.timeout = timeout
        self._post = post

    def chunks(self, events: list[Event]) -> list[list[Event]]:
        if self.content_format != "JSONOBJECT":
            return [events] if events else []
        # One object per request: each request is its own unit of retry and progress.
        return [[event] for event in events]

    def send(self, events: list[Event]) -> None:
        for body in fmt.bodies(events, self.content_format):
            self._post(
                self.endpoint,
                body,
                content_type=self.content_type,
                authorization=self.authorization,
                timeout=self.timeout,
            )


class FileSink:
    """Appends JSON lines and fsyncs before the cursor moves.

    After a crash between the write and the cursor update, the file already holds the batch:
    the sink reads the last log_id in the file and skips what it already has, so the file never
    holds a duplicate; a torn last line is cut off before appending.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._last_id: int | None = None

    def chunks(self, events: list[Event]) -> list[list[Event]]:
        return [events] if events else []

    def send(self, events: list[Event]) -> None:
        try:
            last = self._last_written_id()
            fresh = [e for e in events if e.id > last]
            if not fresh:
                return
            data = "".join(fmt.json_line(e) for e in fresh).encode()
            with open(self.path, "ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            self._last_id = fresh[-1].id
        except OSError as exc:
            self._last_id = None  # re-read the file next time
            raise DeliveryError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def _last_written_id(self) -> int:
        if self._last_id is not None:
            return self._last_id
        self._last_id = _repair_and_read_last_id(self.path)
        return self._last_id


def _repair_and_read_last_id(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        tail_start = max(0, size - 65536)
        handle.seek(tail_start)
        tail = handle.read()
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            handle.truncate(tail_start + cut + 1 if cut >= 0 else tail_start)
            tail = tail[: cut + 1] if cut >= 0 else b""
        for line in reversed(tail.splitlines()):
            try:
                log_id = json.loads(line)["log_id"]
            except (ValueError, KeyError, TypeError):
                continue
            row_id = row_id_from_log_id(str(log_id))
            if row_id is not None:
                return row_id
    return 0
