"""Rate buckets and blocked IPs. Callers hold `store.transaction()` around read-modify-write."""

from __future__ import annotations

from dataclasses import dataclass

from phonemfa.core.limits import BucketState
from phonemfa.store.db import Store


def read_bucket(store: Store, key: str) -> BucketState | None:
    row = store.query_one("SELECT tokens, updated_at FROM rate_buckets WHERE key = ?", (key,))
    return BucketState(row["tokens"], row["updated_at"]) if row else None


def write_bucket(store: Store, key: str, state: BucketState) -> None:
    store.db.execute(
        "INSERT INTO rate_buckets(key, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT(key)"
        " DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
        (key, state.tokens, state.updated_at),
    )


def delete_buckets(store: Store, key_prefix: str) -> int:
    return store.db.execute(
        "DELETE FROM rate_buckets WHERE key >= ? AND key < ?", (key_prefix, key_prefix + "\uffff")
    ).rowcount


@dataclass(frozen=True)
class BlockedIp:
    ip: str
    reason: str
    detail: str
    blocked_at: float


def block(store: Store, ip: str, reason: str, detail: str, now: float) -> None:
    store.db.execute(
        "INSERT INTO blocked_ips(ip, reason, detail, blocked_at) VALUES (?,?,?,?)"
        " ON CONFLICT(ip) DO NOTHING",
        (ip, reason, detail, now),
    )


def blocked(store: Store, ip: str) -> BlockedIp | None:
    row = store.query_one("SELECT * FROM blocked_ips WHERE ip = ?", (ip,))
    return BlockedIp(**row) if row else None


def all_blocked(store: Store) -> list[BlockedIp]:
    return [BlockedIp(**r) for r in store.query("SELECT * FROM blocked_ips ORDER BY blocked_at")]


def unblock(store: Store, ip: str) -> bool:
    return store.db.execute("DELETE FROM blocked_ips WHERE ip = ?", (ip,)).rowcount > 0
