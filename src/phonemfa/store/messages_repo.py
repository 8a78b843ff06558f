"""The outbox: every send is a row before the provider is called, completed after."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from phonemfa.store.db import Store

PENDING, SENT, FAILED, INTERRUPTED = "pending", "sent", "failed", "interrupted"


@dataclass(frozen=True)
class OutboxRow:
    id: str
    created_at: float
    updated_at: float
    transaction_id: str | None
    user_id: str | None
    channel: str
    action: str
    recipient_masked: str
    region: str | None
    provider: str
    state: str
    status: str | None
    provider_id: str | None
    error_code: str | None
    error_message: str | None
    segments: int | None
    simulated: bool


def _row(raw: dict[str, Any]) -> OutboxRow:
    return OutboxRow(**{**raw, "simulated": bool(raw["simulated"])})


def new_id() -> str:
    return "msg_" + secrets.token_hex(10)


def insert_pending(
    store: Store,
    *,
    now: float,
    channel: str,
    action: str,
    recipient_masked: str,
    provider: str,
    region: str | None = None,
    transaction_id: str | None = None,
    user_id: str | None = None,
    segments: int | None = None,
    simulated: bool = False,
) -> str:
    message_id = new_id()
    store.db.execute(
        "INSERT INTO messages(id, created_at, updated_at, transaction_id, user_id, channel, action,"
        " recipient_masked, region, provider, state, segments, simulated)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            message_id,
            now,
            now,
            transaction_id,
            user_id,
            channel,
            action,
            recipient_masked,
            region,
            provider,
            PENDING,
            segments,
            int(simulated),
        ),
    )
    return message_id


def complete(
    store: Store,
    message_id: str,
    *,
    now: float,
    ok: bool,
    status: str | None,
    provider_id: str | None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> None:
    store.db.execute(
        "UPDATE messages SET state = ?, status = ?, provider_id = ?, error_code = ?,"
        " error_message = ?, updated_at = ? WHERE id = ?",
        (SENT if ok else FAILED, status, provider_id, error_code, error_message, now, message_id),
    )


def update_status_by_provider_id(
    store: Store,
    provider_id: str,
    *,
    now: float,
    status: str,
    error_code: str | None = None,
    error_message: str | None = None,
    failed: bool | None = None,
) -> OutboxRow | None:
    """A provider's later word on a send (Twilio status callback). Returns the updated row.

    `failed` defaults to the SMS failure statuses; calls pass it (busy, no-answer... fail too).
    """
    if failed is None:
        failed = status in ("failed", "undelivered")
    store.db.execute(
        "UPDATE messages SET status = ?, updated_at = ?,"
        " state = CASE WHEN ? THEN 'failed' ELSE state END,"
        " error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message)"
        " WHERE provider_id = ?",
        (status, now, failed, error_code, error_message, provider_id),
    )
    return by_provider_id(store, provider_id)


def mark_interrupted(store: Store, *, now: float, older_than: float) -> int:
    """Rows left pending by a crash: marked, never re-sent (the user may have received it)."""
    cursor = store.db.execute(
        "UPDATE messages SET state = ?, updated_at = ? WHERE state = ? AND created_at < ?",
        (INTERRUPTED, now, PENDING, older_than),
    )
    return cursor.rowcount


def get(store: Store, message_id: str) -> OutboxRow | None:
    raw = store.query_one("SELECT * FROM messages WHERE id = ?", (message_id,))
    return _row(raw) if raw else None


def by_provider_id(store: Store, provider_id: str) -> OutboxRow | None:
    raw = store.query_one("SELECT * FROM messages WHERE provider_id = ?", (provider_id,))
    return _row(raw) if raw else None


def recent(store: Store, limit: int = 100) -> list[OutboxRow]:
    return [
        _row(r)
        for r in store.query(
            "SELECT * FROM messages ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
        )
    ]
