"""Leases: a named job (deliver one sink, evaluate alerts) is done by one process at a time.

A holder takes a free or expired lease, renews it while it works and releases it when it stops;
a holder that dies simply lets it expire. Callers run these inside `store.transaction()` so the
read and the write happen under the write lock.
"""

from __future__ import annotations

from phonemfa.store.db import Store


def acquire(store: Store, name: str, holder: str, *, now: float, ttl: float) -> bool:
    """Take or renew `name` for `holder`; False while another holder's lease is still valid."""
    row = store.query_one("SELECT holder, expires_at FROM leases WHERE name = ?", (name,))
    if row and row["holder"] != holder and row["expires_at"] > now:
        return False
    if row and row["holder"] == holder:
        store.db.execute("UPDATE leases SET expires_at = ? WHERE name = ?", (now + ttl, name))
    else:
        store.db.execute(
            "INSERT INTO leases(name, holder, acquired_at, expires_at) VALUES (?,?,?,?)"
            " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
            " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
            (name, holder, now, now + ttl),
        )
    return True


def release(store: Store, name: str, holder: str) -> None:
    store.db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))


def drop(store: Store, name: str) -> None:
    store.db.execute("DELETE FROM leases WHERE name = ?", (name,))


def release_all(store: Store, holder: str) -> None:
    store.db.execute("DELETE FROM leases WHERE holder = ?", (holder,))


def holder_of(store: Store, name: str, *, now: float) -> str | None:
    row = store.query_one(
        "SELECT holder FROM leases WHERE name = ? AND expires_at > ?", (name, now)
    )
    return row["holder"] if row else None
