"""Log stream sinks and their delivery cursors (one cursor row per sink)."""

from __future__ import annotations

import json
from typing import Any

from phonemfa.store.db import Store

_SELECT = (
    "SELECT s.*, c.last_event_id, c.delivered, c.failures, c.failing_since, c.retry_at,"
    " c.last_error, c.last_attempt_at, c.last_success_at"
    " FROM stream_sinks s JOIN stream_cursors c ON c.sink_id = s.id"
)
_EDITABLE = {
    "name",
    "status",
    "endpoint",
    "content_type",
    "content_format",
    "file_path",
    "filters",
}


def insert(store: Store, *, row: dict[str, Any], start_after: int, now: float) -> None:
    store.db.execute(
        "INSERT INTO stream_sinks(id, name, type, status, endpoint, content_type, content_format,"
        " file_path, filters, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            row["id"],
            row["name"],
            row["type"],
            row["status"],
            row.get("endpoint"),
            row.get("content_type"),
            row.get("content_format"),
            row.get("file_path"),
            json.dumps(row.get("filters", [])),
            now,
            now,
        ),
    )
    store.db.execute(
        "INSERT INTO stream_cursors(sink_id, last_event_id) VALUES (?, ?)", (row["id"], start_after)
    )


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["filters"] = json.loads(row["filters"])
    return row


def get(store: Store, sink_id: str) -> dict[str, Any] | None:
    row = store.query_one(f"{_SELECT} WHERE s.id = ?", (sink_id,))
    return _decode(row) if row else None


def by_name(store: Store, name: str) -> dict[str, Any] | None:
    row = store.query_one(f"{_SELECT} WHERE s.name = ?", (name,))
    return _decode(row) if row else None


def list_all(store: Store) -> list[dict[str, Any]]:
    return [_decode(r) for r in store.query(f"{_SELECT} ORDER BY s.created_at, s.id")]


def update(store: Store, sink_id: str, changes: dict[str, Any], now: float) -> None:
    bad = set(changes) - _EDITABLE
    if bad:
        raise ValueError(f"not editable: {bad}")
    if not changes:
        return
    values = {k: json.dumps(v) if k == "filters" else v for k, v in changes.items()}
    assignments = ", ".join(f"{k} = ?" for k in values)
    store.db.execute(
        f"UPDATE stream_sinks SET {assignments}, updated_at = ? WHERE id = ?",
        (*values.values(), now, sink_id),
    )


def delete(store: Store, sink_id: str) -> bool:
    store.db.execute("DELETE FROM stream_cursors WHERE sink_id = ?", (sink_id,))
    return store.db.execute("DELETE FROM stream_sinks WHERE id = ?", (sink_id,)).rowcount > 0


def advance(
    store: Store, sink_id: str, *, expected: int, to_id: int, delivered: int, now: float
) -> bool:
    """Move the cursor from `expected` to `to_id`; False if someone else moved it meanwhile."""
    cursor = store.db.execute(
        "UPDATE stream_cursors SET last_event_id = ?, delivered = delivered + ?, failures = 0,"
        " failing_since = NULL, retry_at = NULL, last_error = NULL, last_attempt_at = ?,"
        " last_success_at = ? WHERE sink_id = ? AND last_event_id = ?",
        (to_id, delivered, now, now, sink_id, expected),
    )
    return cursor.rowcount == 1


def record_failure(store: Store, sink_id: str, *, error: str, now: float, retry_at: float) -> int:
    """Count one more failed batch; returns the number of consecutive failures."""
    store.db.execute(
        "UPDATE stream_cursors SET failures = failures + 1,"
        " failing_since = COALESCE(failing_since, ?), retry_at = ?, last_error = ?,"
        " last_attempt_at = ? WHERE sink_id = ?",
        (now, retry_at, error[:500], now, sink_id),
    )
    row = store.query_one("SELECT failures FROM stream_cursors WHERE sink_id = ?", (sink_id,))
    return int(row["failures"]) if row else 0


def reset_health(store: Store, sink_id: str) -> None:
    store.db.execute(
        "UPDATE stream_cursors SET failures = 0, failing_since = NULL, retry_at = NULL"
        " WHERE sink_id = ?",
        (sink_id,),
    )
