"""Helpers of the robustness tests: a Custom action whose "phone" is a file per number, a tenant
set up on it with the real clock, and readers of what the database holds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from phonemfa.service import PhoneMfa

# The action writes each code to <phones>/<number> and logs every call. While <slow> exists it
# waits there (a send in flight); it never touches the database.
ACTION = """
import os, threading, time

PHONES = {phones!r}
SLOW = {slow!r}

def on_execute_send_phone_message(event, api):
    options = event["message_options"]
    with open(os.path.join(PHONES, "calls.log"), "a") as log:
        log.write(options["recipient"] + " " + options["code"] + "\\n")
    while os.path.exists(SLOW):
        time.sleep(0.02)
    # Atomically: a concurrent reader must never see the file empty.
    phone = os.path.join(PHONES, options["recipient"])
    partial = phone + "." + str(os.getpid()) + "." + str(threading.get_ident())
    with open(partial, "w") as handle:
        handle.write(options["code"])
    os.replace(partial, phone)
    return {{"id": "robust"}}
"""


class Phones:
    """The directory the action delivers into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.slow = root / "SLOW"

    def code(self, number: str) -> str | None:
        path = self.root / number
        return path.read_text() if path.exists() else None

    def calls(self) -> list[tuple[str, str]]:
        log = self.root / "calls.log"
        if not log.exists():
            return []
        return [tuple(line.split()) for line in log.read_text().splitlines()]  # type: ignore[misc]


def custom_tenant(db: Path, phones: Phones, **settings: object) -> PhoneMfa:
    """A tenant on the system clock, sending through the file action."""
    action = phones.root.parent / "robust_action.py"
    action.write_text(ACTION.format(phones=str(phones.root), slow=str(phones.slow)))
    service = PhoneMfa.open(db, demo=False)
    service.update_settings(
        {
            "enabled": True,
            "message_types": ["sms"],
            "provider": "phone-message-hook",
            "custom_action": str(action),
            **settings,
        },
        actor="test",
    )
    return service


def enroll(service: PhoneMfa, phones: Phones, user: str, number: str) -> None:
    sent = service.start_enrollment(user, number)
    service.verify(sent.transaction_id, phones.code(number) or "", user_id=user)


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def event_counts(service: PhoneMfa) -> dict[str, int]:
    rows = service.store.query("SELECT type, COUNT(*) AS n FROM events GROUP BY type")
    return {r["type"]: r["n"] for r in rows}


def send_events_by_message(service: PhoneMfa) -> dict[str, int]:
    """How many gd_send_* events name each outbox row."""
    counts: dict[str, int] = {}
    for row in service.store.query("SELECT details FROM events WHERE type LIKE 'gd_send_%'"):
        message_id = json.loads(row["details"]).get("message_id")
        if message_id:
            counts[message_id] = counts.get(message_id, 0) + 1
    return counts
