"""Issued API tokens, kept so any token can be revoked by its jti."""

from __future__ import annotations

from phonemfa.store.db import Store


def record(
    store: Store, *, jti: str, scope: str, subject: str, issued_at: float, expires_at: float
) -> None:
    store.execute(
        "INSERT INTO api_tokens(jti, scope, subject, issued_at, expires_at) VALUES (?,?,?,?,?)",
        (jti, scope, subject, issued_at, expires_at),
    )


def revoke(store: Store, jti: str, now: float) -> bool:
    cursor = store.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL", (now, jti)
    )
    return cursor.rowcount > 0


def is_revoked(store: Store, jti: str) -> bool:
    row = store.db.conn.execute(
        "SELECT revoked_at FROM api_tokens WHERE jti = ?", (jti,)
    ).fetchone()
    # A token we never issued (e.g. from a previous key) counts as revoked.
    return row is None or row[0] is not None
