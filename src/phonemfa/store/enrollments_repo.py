"""Phone enrollments and recovery codes (secrets encrypted / hashed by the caller)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from phonemfa.store.db import Store

PENDING, CONFIRMED = "pending", "confirmed"
_ALPHABET = string.ascii_letters + string.digits


def new_device_id() -> str:
    return "dev_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


@dataclass(frozen=True)
class EnrollmentRow:
    id: str
    user_id: str
    phone_number: str
    region: str
    number_type: str
    channel: str
    status: str
    secret: str  # ciphertext
    counter: int
    created_at: float
    enrolled_at: float | None
    last_auth: float | None
    simulated: bool


def _row(raw: dict[str, Any]) -> EnrollmentRow:
    return EnrollmentRow(**{**raw, "simulated": bool(raw["simulated"])})


def insert(store: Store, row: EnrollmentRow) -> None:
    store.db.execute(
        "INSERT INTO enrollments(id, user_id, phone_number, region, number_type, channel, status,"
        " secret, counter, created_at, enrolled_at, last_auth, simulated)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            row.id,
            row.user_id,
            row.phone_number,
            row.region,
            row.number_type,
            row.channel,
            row.status,
            row.secret,
            row.counter,
            row.created_at,
            row.enrolled_at,
            row.last_auth,
            int(row.simulated),
        ),
    )


def get(store: Store, enrollment_id: str) -> EnrollmentRow | None:
    raw = store.query_one("SELECT * FROM enrollments WHERE id = ?", (enrollment_id,))
    return _row(raw) if raw else None


def for_user(store: Store, user_id: str, status: str | None = None) -> list[EnrollmentRow]:
    sql, params = "SELECT * FROM enrollments WHERE user_id = ?", [user_id]
    if status:
        sql += " AND status = ?"
        params.append(status)
    return [_row(r) for r in store.query(sql + " ORDER BY created_at, id", tuple(params))]


def bump_counter(store: Store, enrollment_id: str) -> int:
    """Reserve the next HOTP counter; returns the reserved value. Call inside a transaction."""
    row = store.query_one("SELECT counter FROM enrollments WHERE id = ?", (enrollment_id,))
    if row is None:
        raise LookupError(enrollment_id)
    store.db.execute("UPDATE enrollments SET counter = counter + 1 WHERE id = ?", (enrollment_id,))
    return int(row["counter"])


def confirm(store: Store, enrollment_id: str, now: float) -> None:
    store.db.execute(
        "UPDATE enrollments SET status = ?, enrolled_at = ?, last_auth = ? WHERE id = ?",
        (CONFIRMED, now, now, enrollment_id),
    )


def touch_last_auth(store: Store, enrollment_id: str, now: float) -> None:
    store.db.execute("UPDATE enrollments SET last_auth = ? WHERE id = ?", (now, enrollment_id))


def delete(store: Store, enrollment_id: str) -> bool:
    return store.db.execute("DELETE FROM enrollments WHERE id = ?", (enrollment_id,)).rowcount > 0


def delete_pending_for_user(store: Store, user_id: str) -> list[str]:
    ids = [
        r["id"]
        for r in store.query(
            "SELECT id FROM enrollments WHERE user_id = ? AND status = ?", (user_id, PENDING)
        )
    ]
    for enrollment_id in ids:
        delete(store, enrollment_id)
        store.db.execute(
            "DELETE FROM recovery_codes WHERE enrollment_id = ? AND state = 'pending'",
            (enrollment_id,),
        )
    return ids


# -- recovery codes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryRow:
    id: str
    user_id: str
    enrollment_id: str | None
    code_hash: str
    state: str
    created_at: float
    used_at: float | None


def insert_recovery(
    store: Store, *, user_id: str, enrollment_id: str | None, code_hash: str, state: str, now: float
) -> str:
    recovery_id = new_device_id()
    store.db.execute(
        "INSERT INTO recovery_codes(id, user_id, enrollment_id, code_hash, state, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (recovery_id, user_id, enrollment_id, code_hash, state, now),
    )
    return recovery_id


def active_recovery(store: Store, user_id: str) -> RecoveryRow | None:
    raw = store.query_one(
        "SELECT * FROM recovery_codes WHERE user_id = ? AND state = 'active'"
        " ORDER BY created_at DESC LIMIT 1",
        (user_id,),
    )
    return RecoveryRow(**raw) if raw else None


def has_recovery(store: Store, user_id: str) -> bool:
    row = store.query_one(
        "SELECT 1 AS x FROM recovery_codes WHERE user_id = ? AND state IN ('active', 'pending')",
        (user_id,),
    )
    return row is not None


def activate_recovery_for(store: Store, enrollment_id: str) -> None:
    store.db.execute(
        "UPDATE recovery_codes SET state = 'active' WHERE enrollment_id = ? AND state = 'pending'",
        (enrollment_id,),
    )


def use_recovery(store: Store, recovery_id: str, now: float) -> None:
    store.db.execute(
        "UPDATE recovery_codes SET state = 'used', used_at = ? WHERE id = ?", (now, recovery_id)
    )


def delete_recovery_for_user(store: Store, user_id: str) -> int:
    return store.db.execute(
        "DELETE FROM recovery_codes WHERE user_id = ? AND state IN ('active', 'pending')",
        (user_id,),
    ).rowcount
