"""Enrollment and challenge transactions: counter, channel, expiry, attempts, state; never a code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from phonemfa.store.db import Store

SENDING, OPEN, VERIFIED, SUPERSEDED, FAILED = "sending", "open", "verified", "superseded", "failed"
LIVE = (SENDING, OPEN)


def new_id() -> str:
    # The oob_code handed to the backend: unguessable, URL-safe.
    return "Fe26." + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class TransactionRow:
    id: str
    kind: str  # enrollment | challenge
    user_id: str
    enrollment_id: str
    channel: str
    counter: int
    digits: int
    expires_at: float
    attempts: int
    state: str
    message_id: str | None
    ip: str | None
    created_at: float
    updated_at: float
    simulated: bool

    @property
    def action(self) -> str:
        return "enrollment" if self.kind == "enrollment" else "second-factor-authentication"


def _row(raw: dict[str, Any]) -> TransactionRow:
    return TransactionRow(**{**raw, "simulated": bool(raw["simulated"])})


def insert(store: Store, row: TransactionRow) -> None:
    store.db.execute(
        "INSERT INTO transactions(id, kind, user_id, enrollment_id, channel, counter, digits,"
        " expires_at, attempts, state, message_id, ip, created_at, updated_at, simulated)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            row.id,
            row.kind,
            row.user_id,
            row.enrollment_id,
            row.channel,
            row.counter,
            row.digits,
            row.expires_at,
            row.attempts,
            row.state,
            row.message_id,
            row.ip,
            row.created_at,
            row.updated_at,
            int(row.simulated),
        ),
    )


def get(store: Store, transaction_id: str) -> TransactionRow | None:
    raw = store.query_one("SELECT * FROM transactions WHERE id = ?", (transaction_id,))
    return _row(raw) if raw else None


def supersede_live(store: Store, enrollment_id: str, now: float) -> int:
    """A newer challenge replaces every open one of the same enrollment."""
    return store.db.execute(
        "UPDATE transactions SET state = ?, updated_at = ? WHERE enrollment_id = ?"
        " AND state IN (?, ?)",
        (SUPERSEDED, now, enrollment_id, *LIVE),
    ).rowcount


def set_state(store: Store, transaction_id: str, state: str, now: float) -> None:
    store.db.execute(
        "UPDATE transactions SET state = ?, updated_at = ? WHERE id = ?",
        (state, now, transaction_id),
    )


def opened(store: Store, transaction_id: str, now: float) -> None:
    """The send succeeded: the code may now be checked (unless a newer one replaced it)."""
    store.db.execute(
        "UPDATE transactions SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
        (OPEN, now, transaction_id, SENDING),
    )


def count_attempt(store: Store, transaction_id: str, now: float) -> None:
    store.db.execute(
        "UPDATE transactions SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
        (now, transaction_id),
    )


def for_enrollment(store: Store, enrollment_id: str) -> list[TransactionRow]:
    return [
        _row(r)
        for r in store.query(
            "SELECT * FROM transactions WHERE enrollment_id = ? ORDER BY created_at",
            (enrollment_id,),
        )
    ]
