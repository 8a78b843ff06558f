"""Settings rows: one per key, JSON values. Missing keys read as their registered default."""

from __future__ import annotations

import json
from typing import Any

from phonemfa.core import settings as spec
from phonemfa.store.db import Store


def read_all(store: Store) -> dict[str, Any]:
    values = spec.defaults()
    for row in store.query("SELECT key, value FROM settings"):
        if row["key"] in values:
            values[row["key"]] = json.loads(row["value"])
    return values


def read(store: Store, key: str) -> Any:
    row = store.query_one("SELECT value FROM settings WHERE key = ?", (key,))
    return json.loads(row["value"]) if row else spec.spec_for(key).default


def write(store: Store, values: dict[str, Any], now: float) -> None:
    """Call inside `store.transaction()`."""
    for key, value in values.items():
        store.execute(
            "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value), now),
        )
