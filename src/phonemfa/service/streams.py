"""Log streams: sinks that receive every tenant log event, managed here, delivered by the
background loop (phonemfa.logstream) from a cursor persisted per sink, under a lease."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonemfa.core import streamformat as fmt
from phonemfa.core.events import Event
from phonemfa.core.masking import is_masked
from phonemfa.errors import ConflictError, NotFoundError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.service.monitor import parse_time
from phonemfa.store import events_repo, leases_repo, secrets_repo, streams_repo

UNSET: Any = object()


def secret_name(stream_id: str) -> str:
    return f"log_stream:{stream_id}:authorization"


@dataclass(frozen=True)
class LogStream:
    id: str
    name: str
    type: str  # http | file
    status: str  # active | paused | suspended
    filters: tuple[fmt.StreamFilter, ...]
    endpoint: str | None
    content_type: str | None
    content_format: str | None
    file_path: str | None
    authorization_hint: str | None  # the mask of the Authorization value, never the value
    last_event_id: int
    delivered: int
    failures: int
    failing_since: float | None
    retry_at: float | None
    last_error: str | None
    last_success_at: float | None

    @property
    def health(self) -> str:
        """paused and suspended as set; otherwise failing while batches keep failing, else ok."""
        if self.status != "active":
            return self.status
        return "failing" if self.failures else "ok"

    @property
    def target(self) -> str:
        return self.endpoint or self.file_path or ""

    def accepts(self, event: Event) -> bool:
        return fmt.accepts(self.filters, event)

    def to_api(self) -> dict[str, Any]:
        """Auth0's log stream shape; the Authorization value appears only as its mask."""
        if self.type == "http":
            sink: dict[str, Any] = {
                "httpEndpoint": self.endpoint,
                "httpContentType": self.content_type,
                "httpContentFormat": self.content_format,
            }
            if self.authorization_hint:
                sink["httpAuthorization"] = self.authorization_hint
        else:
            sink = {"filePath": self.file_path}
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "sink": sink,
            "filters": [f.to_json() for f in self.filters],
        }


def _to_stream(row: dict[str, Any], hint: str | None) -> LogStream:
    return LogStream(
        id=row["id"],
        name=row["name"],
        type=row["type"],
        status=row["status"],
        filters=fmt.parse_filters(row["filters"]),
        endpoint=row["endpoint"],
        content_type=row["content_type"],
        content_format=row["content_format"],
        file_path=row["file_path"],
        authorization_hint=hint,
        last_event_id=int(row["last_event_id"]),
        delivered=int(row["delivered"]),
        failures=int(row["failures"]),
        failing_since=row["failing_since"],
        retry_at=row["retry_at"],
        last_error=row["last_error"],
        last_success_at=row["last_success_at"],
    )


def _check_file_path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("A file sink needs a file path.", field="filePath")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ValidationError("The file path must be absolute.", field="filePath")
    if not path.parent.is_dir():
        raise ValidationError(f"The folder {path.parent} does not exist.", field="filePath")
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a file.", field="filePath")
    return str(path)


class StreamsMixin(ServiceBase):
    # -- reading -------------------------------------------------------------------------------

    def list_streams(self) -> list[LogStream]:
        return [self._with_hint(r) for r in streams_repo.list_all(self.store)]

    def get_stream(self, id_or_name: str) -> LogStream:
        row = streams_repo.get(self.store, id_or_name) or streams_repo.by_name(
            self.store, id_or_name
        )
        if row is None:
            raise NotFoundError("The log stream does not exist.", code="inexistent_log_stream")
        return self._with_hint(row)

    def _with_hint(self, row: dict[str, Any]) -> LogStream:
        return _to_stream(row, secrets_repo.hint(self.store, secret_name(row["id"])) or None)

    # -- changing ------------------------------------------------------------------------------

    def create_stream(
        self,
        *,
        name: str,
        type: str = "http",
        endpoint: str | None = None,
        authorization: str | None = None,
        content_type: str | None = None,
        content_format: str | None = None,
        file_path: str | None = None,
        filters: Any = None,
        start_from: str | None = None,
        status: str = "active",
    ) -> LogStream:
        """A new sink; it receives events written from now on, or since `start_from` (an ISO
        date, or "beginning" for the whole log)."""
        if type not in fmt.SINK_TYPES:
            raise ValidationError(f"type must be one of {', '.join(fmt.SINK_TYPES)}.", field="type")
        if status not in ("active", "paused"):
            raise ValidationError("status must be active or paused.", field="status")
        row: dict[str, Any] = {
            "id": "lst_" + secrets.token_hex(8),
            "name": fmt.check_name(name),
            "type": type,
            "status": status,
            "filters": [f.to_json() for f in fmt.parse_filters(filters)],
        }
        if type == "http":
            row["endpoint"] = fmt.check_endpoint(endpoint)
            row["content_type"] = fmt.check_header_value(
                content_type or fmt.DEFAULT_CONTENT_TYPE, "httpContentType"
            )
            row["content_format"] = fmt.check_format(content_format or "JSONLINES")
            if authorization is not None and authorization != "":
                fmt.check_header_value(authorization, "httpAuthorization")
        else:
            row["file_path"] = _check_file_path(file_path)
            if authorization:
                raise ValidationError("A file sink has no Authorization.", field="authorization")
        with self.store.transaction():
            if streams_repo.by_name(self.store, row["name"]):
                raise ConflictError(f"A log stream named {row['name']!r} already exists.")
            start_after = self._start_position(start_from)
            streams_repo.insert(self.store, row=row, start_after=start_after, now=self.now())
            if authorization:
                secrets_repo.put(
                    self.store, self.box, secret_name(row["id"]), authorization, self.now()
                )
        return self.get_stream(row["id"])

    def _start_position(self, start_from: str | None) -> int:
        if start_from in (None, ""):
            return events_repo.last_id(self.store)
        if start_from == "beginning":
            return 0
        when = parse_time(start_from)
        if when is None:
            raise ValidationError(
                "startFrom must be an ISO 8601 date such as 2026-01-31T00:00:00Z.",
                field="startFrom",
            )
        row = self.store.query_one(
            "SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE ts < ?", (when,)
        )
        return int(row["id"]) if row else 0

    def update_stream(
        self,
        id_or_name: str,
        *,
        name: Any = UNSET,
        status: Any = UNSET,
        endpoint: Any = UNSET,
        authorization: Any = UNSET,
        content_type: Any = UNSET,
        content_format: Any = UNSET,
        file_path: Any = UNSET,
        filters: Any = UNSET,
    ) -> LogStream:
        """Change some fields. An Authorization equal to its mask keeps the stored value;
        None or "" removes it. Resuming a failing or suspended sink clears its failures."""
        stream = self.get_stream(id_or_name)
        changes: dict[str, Any] = {}
        if name is not UNSET:
            changes["name"] = fmt.check_name(name)
        if status is not UNSET:
            if status not in ("active", "paused"):
                raise ValidationError(
                    "status can be set to active or paused (suspended is set by phonemfa "
                    "after repeated delivery failures).",
                    field="status",
                )
            changes["status"] = status
        if filters is not UNSET:
            changes["filters"] = [f.to_json() for f in fmt.parse_filters(filters)]
        http_fields = (endpoint, authorization, content_type, content_format)
        if stream.type == "http":
            if file_path is not UNSET:
                raise ValidationError("An http stream has no file path.", field="filePath")
            if endpoint is not UNSET:
                changes["endpoint"] = fmt.check_endpoint(endpoint)
            if content_type is not UNSET:
                changes["content_type"] = fmt.check_header_value(
                    content_type or fmt.DEFAULT_CONTENT_TYPE, "httpContentType"
                )
            if content_format is not UNSET:
                changes["content_format"] = fmt.check_format(content_format)
            if authorization not in (UNSET, None, "") and not is_masked(authorization):
                fmt.check_header_value(authorization, "httpAuthorization")
        else:
            if any(value is not UNSET for value in http_fields):
                raise ValidationError("A file stream has no HTTP settings.", field="sink")
            if file_path is not UNSET:
                changes["file_path"] = _check_file_path(file_path)
        with self.store.transaction():
            if "name" in changes and changes["name"] != stream.name:
                other = streams_repo.by_name(self.store, changes["name"])
                if other and other["id"] != stream.id:
                    raise ConflictError(f"A log stream named {changes['name']!r} already exists.")
            streams_repo.update(self.store, stream.id, changes, self.now())
            if authorization is not UNSET and not is_masked(authorization):
                if authorization in (None, ""):
                    secrets_repo.delete(self.store, secret_name(stream.id))
                else:
                    secrets_repo.put(
                        self.store, self.box, secret_name(stream.id), authorization, self.now()
                    )
            if changes.get("status") == "active" or {"endpoint", "file_path"} & set(changes):
                streams_repo.reset_health(self.store, stream.id)
        return self.get_stream(stream.id)

    def pause_stream(self, id_or_name: str) -> LogStream:
        return self.update_stream(id_or_name, status="paused")

    def resume_stream(self, id_or_name: str) -> LogStream:
        return self.update_stream(id_or_name, status="active")

    def remove_stream(self, id_or_name: str) -> None:
        stream = self.get_stream(id_or_name)
        with self.store.transaction():
            streams_repo.delete(self.store, stream.id)
            secrets_repo.delete(self.store, secret_name(stream.id))
            leases_repo.drop(self.store, f"sink:{stream.id}")

    # -- delivery (used by the background loop) ------------------------------------------------

    def stream_authorization(self, stream_id: str) -> str | None:
        return secrets_repo.get(self.store, self.box, secret_name(stream_id))

    def stream_backlog(self, stream: LogStream, limit: int = 100) -> list[Event]:
        """The next events after the sink's cursor, oldest first (filtered ones included:
        the cursor moves past them too)."""
        return events_repo.after(self.store, stream.last_event_id, limit=limit)

    def stream_lag(self, stream: LogStream) -> int:
        """Events written but not yet past the sink's cursor (ids are gap-free)."""
        return max(0, events_repo.last_id(self.store) - stream.last_event_id)

    def stream_delivered(self, stream_id: str, *, expected: int, to_id: int, count: int) -> bool:
        with self.store.transaction():
            return streams_repo.advance(
                self.store,
                stream_id,
                expected=expected,
                to_id=to_id,
                delivered=count,
                now=self.now(),
            )

    def stream_failed(
        self, stream_id: str, error: str, *, backoff: float, suspend_after: int
    ) -> LogStream:
        """One more failed batch: retry after `backoff` seconds; suspended after too many."""
        with self.store.transaction():
            failures = streams_repo.record_failure(
                self.store, stream_id, error=error, now=self.now(), retry_at=self.now() + backoff
            )
            if failures >= suspend_after:
                streams_repo.update(self.store, stream_id, {"status": "suspended"}, self.now())
        return self.get_stream(stream_id)

    def claim_lease(self, name: str, holder: str, *, ttl: float) -> bool:
        with self.store.transaction():
            return leases_repo.acquire(self.store, name, holder, now=self.now(), ttl=ttl)

    def release_leases(self, holder: str) -> None:
        with self.store.transaction():
            leases_repo.release_all(self.store, holder)

    def lease_holder(self, name: str) -> str | None:
        return leases_repo.holder_of(self.store, name, now=self.now())
