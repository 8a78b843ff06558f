"""The background loop: delivers every active log stream from its cursor, then evaluates alerts
and notifies alert webhooks. `phonemfa api` runs it in its lifespan, the console while it is open,
`phonemfa streams run` in the foreground.

Sends never wait for it: the engine only appends events; this loop reads them afterwards, in its
own thread and connection, and holds no database lock while it talks to a sink.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from phonemfa.core.events import Event, log_id_for
from phonemfa.errors import PhoneMfaError
from phonemfa.logstream.sinks import DeliveryError, FileSink, HttpSink, Sink, post_json

if TYPE_CHECKING:
    from phonemfa.service import PhoneMfa
    from phonemfa.service.alerts import AlertFiring
    from phonemfa.service.streams import LogStream

log = logging.getLogger("phonemfa.logstream")
ALERTS_LEASE = "alerts"


@dataclass
class TickReport:
    delivered: dict[str, int] = field(default_factory=dict)  # stream id -> records sent
    failed: dict[str, str] = field(default_factory=dict)  # stream id -> last error
    skipped: list[str] = field(default_factory=list)  # streams another process delivers
    fired: list[AlertFiring] = field(default_factory=list)


def _holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class BackgroundLoop:
    def __init__(
        self,
        service: PhoneMfa,
        *,
        interval: float = 1.0,
        batch_size: int = 100,
        max_batches: int = 20,
        attempts: int = 3,
        retry_delays: tuple[float, ...] = (1.0, 3.0),
        failure_backoff: tuple[float, float] = (5.0, 300.0),
        suspend_after: int = 50,
        timeout: float = 10.0,
        lease_ttl: float = 30.0,
        alerts: bool = True,
        holder: str | None = None,
    ) -> None:
        self.service = service
        self.interval = interval
        self.batch_size = batch_size
        self.max_batches = max_batches
        self.attempts = attempts
        self.retry_delays = retry_delays
        self.failure_backoff = failure_backoff
        self.suspend_after = suspend_after
        self.timeout = timeout
        self.lease_ttl = lease_ttl
        self.alerts = alerts
        self.holder = holder or _holder_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._file_sinks: dict[tuple[str, str], FileSink] = {}

    # -- running -------------------------------------------------------------------------------

    def start(self) -> BackgroundLoop:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self.run_forever, name="phonemfa-background", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            self.service.release_leases(self.holder)
        except PhoneMfaError as exc:
            log.warning("could not release leases: %s", exc)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # never let one bad tick end the loop
                log.exception("background loop tick failed")
            self._stop.wait(self.interval)

    def tick(self) -> TickReport:
        report = TickReport()
        for stream in self.service.list_streams():
            if self._stop.is_set():
                break
            if stream.status != "active":
                continue
            if stream.retry_at is not None and stream.retry_at > self.service.now():
                continue
            if not self.service.claim_lease(f"sink:{stream.id}", self.holder, ttl=self.lease_ttl):
                report.skipped.append(stream.id)
                continue
            self._deliver(stream, report)
        if self.alerts and self.service.claim_lease(ALERTS_LEASE, self.holder, ttl=self.lease_ttl):
            report.fired = self.service.evaluate_alerts()
            self._notify_alerts()
        return report

    # -- streams -------------------------------------------------------------------------------

    def _sink_for(self, stream: LogStream) -> Sink:
        if stream.type == "file":
            key = (stream.id, stream.file_path or "")
            if key not in self._file_sinks:
                self._file_sinks[key] = FileSink(stream.file_path or "")
            return self._file_sinks[key]
        return HttpSink(
            stream.endpoint or "",
            content_format=stream.content_format or "JSONLINES",
            content_type=stream.content_type or "application/json",
            authorization=self.service.stream_authorization(stream.id),
            timeout=self.timeout,
        )

    def _deliver(self, stream: LogStream, report: TickReport) -> None:
        sink = self._sink_for(stream)
        cursor = stream.last_event_id
        for _ in range(self.max_batches):
            events = self.service.stream_backlog(stream, limit=self.batch_size)
            if not events:
                return
            for chunk in self._units(sink, stream, events):
                wanted = [e for e in chunk if stream.accepts(e)]
                if wanted:
                    error = self._send_with_retries(sink, wanted)
                    if error is not None:
                        backoff = self._backoff(stream.failures + 1)
                        self.service.stream_failed(
                            stream.id, error, backoff=backoff, suspend_after=self.suspend_after
                        )
                        report.failed[stream.id] = error
                        log.warning("log stream %s failed: %s", stream.name, error)
                        return
                if not self.service.stream_delivered(
                    stream.id, expected=cursor, to_id=chunk[-1].id, count=len(wanted)
                ):
                    log.warning("log stream %s cursor moved elsewhere; stopping", stream.name)
                    return
                cursor = chunk[-1].id
                stream = replace(stream, last_event_id=cursor, failures=0)
                report.delivered[stream.id] = report.delivered.get(stream.id, 0) + len(wanted)
                # Keep the lease while a long backlog drains.
                self.service.claim_lease(f"sink:{stream.id}", self.holder, ttl=self.lease_ttl)
            if len(events) < self.batch_size or self._stop.is_set():
                return

    @staticmethod
    def _units(sink: Sink, stream: LogStream, events: list[Event]) -> list[list[Event]]:
        """Split into units sent whole; filtered events ride with the next wanted one (or close
        the list) so the cursor passes them too."""
        units: list[list[Event]] = []
        pending: list[Event] = []
        wanted = [e for e in events if stream.accepts(e)]
        groups = sink.chunks(wanted)
        ends = {group[-1].id for group in groups}
        for event in events:
            pending.append(event)
            if event.id in ends:
                units.append(pending)
                pending = []
        if pending:
            units.append(pending)
        return units

    def _send_with_retries(self, sink: Sink, events: list[Event]) -> str | None:
        error = "not sent"
        for attempt in range(self.attempts):
            try:
                sink.send(events)
                return None
            except DeliveryError as exc:
                error = str(exc)
            if attempt + 1 < self.attempts:
                delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
                if self._stop.wait(delay):
                    break
        return f"{error} (after {self.attempts} attempts)"

    def _backoff(self, failures: int) -> float:
        base, cap = self.failure_backoff
        return min(cap, base * 2 ** max(0, failures - 1))

    # -- alert webhooks ------------------------------------------------------------------------

    def _notify_alerts(self) -> None:
        for firing, rule, authorization in self.service.pending_alert_notifications():
            body = {
                "alert": {
                    "id": firing.id,
                    "rule_id": rule.id,
                    "rule_name": rule.name,
                    "message": firing.message,
                    "key": firing.key,
                    "fired_at": firing.fired_at,
                    "simulated": firing.simulated,
                },
            }
            if firing.event_id is not None:
                try:
                    event = self.service.get_log(log_id_for(firing.event_id))
                    body["event"] = event.to_json()
                except PhoneMfaError:
                    pass
            data = json.dumps(body, ensure_ascii=False).encode()
            error = None
            for attempt in range(self.attempts):
                try:
                    post_json(
                        rule.webhook_url or "",
                        data,
                        authorization=authorization,
                        timeout=self.timeout,
                    )
                    error = None
                    break
                except DeliveryError as exc:
                    error = str(exc)
                if attempt + 1 < self.attempts and self._stop.wait(
                    self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
                ):
                    break
            self.service.alert_notified(firing.id, ok=error is None, error=error)
