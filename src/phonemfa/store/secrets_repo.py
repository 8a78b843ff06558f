"""Encrypted secrets (Twilio auth token, action secrets): ciphertext plus a mask, never the clear."""

from __future__ import annotations

from phonemfa.core.masking import mask_secret
from phonemfa.store.crypto import SecretBox
from phonemfa.store.db import Store


def put(store: Store, box: SecretBox, name: str, clear: str, now: float) -> None:
    store.execute(
        "INSERT INTO secrets(name, ciphertext, hint, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET ciphertext = excluded.ciphertext, hint = excluded.hint, "
        "updated_at = excluded.updated_at",
        (name, box.encrypt(clear), mask_secret(clear) or "", now),
    )


def get(store: Store, box: SecretBox, name: str) -> str | None:
    row = store.query_one("SELECT ciphertext FROM secrets WHERE name = ?", (name,))
    return box.decrypt(row["ciphertext"]) if row else None


def hint(store: Store, name: str) -> str | None:
    row = store.query_one("SELECT hint FROM secrets WHERE name = ?", (name,))
    return row["hint"] if row else None


def delete(store: Store, name: str) -> None:
    store.execute("DELETE FROM secrets WHERE name = ?", (name,))
