"""The virtual phone inbox of the Built-in provider, and durable tenant-wide counters."""

from __future__ import annotations

from typing import Any

from phonemfa.store.db import Store

BUILTIN_COUNTER = "builtin_messages"


def deliver(
    store: Store,
    *,
    message_id: str,
    recipient: str,
    channel: str,
    ciphertext: str,
    now: float,
    simulated: bool,
) -> int:
    cursor = store.db.execute(
        "INSERT INTO virtual_inbox(message_id, recipient, channel, ciphertext, created_at,"
        " simulated) VALUES (?,?,?,?,?,?)",
        (message_id, recipient, channel, ciphertext, now, int(simulated)),
    )
    return int(cursor.lastrowid or 0)


def messages(
    store: Store, *, recipient: str | None = None, after_id: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    where, params = ["id > ?"], [after_id]
    if recipient:
        where.append("recipient = ?")
        params.append(recipient)
    return store.query(
        f"SELECT * FROM virtual_inbox WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
        (*params, limit),
    )


def counter(store: Store, name: str) -> int:
    row = store.query_one("SELECT value FROM tenant_counters WHERE name = ?", (name,))
    return int(row["value"]) if row else 0


def take_from_allowance(store: Store, name: str, limit: int) -> bool:
    """Count one more against a lifetime allowance; False (nothing counted) when it is spent.

    Call inside `store.transaction()`: the read and the increment are one atomic step.
    """
    store.db.execute(
        "INSERT INTO tenant_counters(name, value) VALUES (?, 0) ON CONFLICT(name) DO NOTHING",
        (name,),
    )
    return (
        store.db.execute(
            "UPDATE tenant_counters SET value = value + 1 WHERE name = ? AND value < ?",
            (name, limit),
        ).rowcount
        == 1
    )
