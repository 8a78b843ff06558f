"""kill -9 of the API server while it holds sends; restart.

The file is intact, every outbox row is complete or marked interrupted (at the restart: the
sender process is gone), nothing is sent again, and the buckets show exactly what was reserved.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from phonemfa.service import PhoneMfa
from phonemfa.store import senders
from tests.conftest import LiveServer
from tests.robustness.support import (
    Phones,
    custom_tenant,
    enroll,
    event_counts,
    integrity,
    send_events_by_message,
)

USERS = [(f"k|{i}", f"+33630000{i:03d}") for i in range(6)]
BURST = 10


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def challenge_over_http(base_url: str, backend: str, user: str) -> None:
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            token = client.post(
                "/mfa/token", json={"user_id": user}, headers={"Authorization": f"Bearer {backend}"}
            ).json()["mfa_token"]
            client.post("/mfa/challenge", data={"mfa_token": token})
    except httpx.HTTPError:
        pass  # the server dies under this request: that is the point


def test_kill_during_sends_then_restart(tmp_path: Path):
    db, phones = tmp_path / "crash.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    for user, number in USERS:
        enroll(service, phones, user, number)
    backend = service.create_token(["create:mfa_tokens"])
    service.close()
    calls_before = len(phones.calls())

    phones.slow.touch()  # from now on the action holds every message
    server = LiveServer(db).start()
    clients = [
        threading.Thread(target=challenge_over_http, args=(server.base_url, backend, user))
        for user, _ in USERS
    ]
    for client in clients:
        client.start()
    wait_for(lambda: len(phones.calls()) == calls_before + len(USERS))  # all six in flight
    server.stop(kill=True)  # SIGKILL: no cleanup of any kind
    for client in clients:
        client.join(30)
    phones.slow.unlink()
    assert integrity(db) == "ok"
    pending = rows(db, "SELECT id, sender FROM messages WHERE state = 'pending'")
    assert len(pending) == len(USERS)  # reserved and handed to the action, never completed
    assert all(senders.is_gone(sender) for _, sender in pending)

    restarted = LiveServer(db).start()  # opening the database recovers the dead sends
    try:
        states = dict(rows(db, "SELECT state, COUNT(*) FROM messages GROUP BY state"))
        assert states == {"sent": len(USERS), "interrupted": len(USERS)}
        check = PhoneMfa.open(db, demo=False)
        try:
            failures = [
                d
                for d in check.store.query(
                    "SELECT details FROM events WHERE type = 'gd_send_sms_failure'"
                )
                if '"interrupted"' in d["details"]
            ]
            assert len(failures) == len(USERS)
            every_row = [r["id"] for r in check.store.query("SELECT id FROM messages")]
            assert send_events_by_message(check) == {m: 1 for m in every_row}
            assert len(phones.calls()) == calls_before + len(USERS)  # nothing sent again
            for user, _ in USERS:  # enrollment + the interrupted challenge
                assert check.bucket_status("user_messages", user).tokens == BURST - 2
            # The restarted server serves; only the new challenge reaches the phone.
            challenge_over_http(restarted.base_url, backend, USERS[0][0])
            assert len(phones.calls()) == calls_before + len(USERS) + 1
            logged = event_counts(check)
        finally:
            check.close()
    finally:
        restarted.stop()
    LiveServer(db).start().stop()  # another restart recovers nothing twice
    again = PhoneMfa.open(db, demo=False)
    try:
        assert event_counts(again)["gd_send_sms_failure"] == logged["gd_send_sms_failure"]
    finally:
        again.close()
    assert integrity(db) == "ok"


def rows(db: Path, sql: str) -> list[tuple]:
    """Read with plain sqlite3: opening the service would itself recover interrupted sends."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_send_of_a_live_process_is_left_alone(tmp_path: Path):
    """Another process sharing the file is mid-send: a process opening the database now must
    not mark its row (it is alive); once that process is killed, the next open does."""
    db, phones = tmp_path / "live.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    enroll(service, phones, *USERS[0])
    service.close()
    phones.slow.touch()
    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER, str(db), USERS[0][0]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(phones.calls()) == 2)
        opened = PhoneMfa.open(db, demo=False)
        assert rows(db, "SELECT state FROM messages ORDER BY created_at")[-1] == ("pending",)
        opened.close()
    finally:
        sender.kill()
        sender.wait(10)
        phones.slow.unlink()
    reopened = PhoneMfa.open(db, demo=False)
    reopened.close()
    assert rows(db, "SELECT state FROM messages ORDER BY created_at")[-1] == ("interrupted",)


SENDER = """
import sys
from phonemfa.service import PhoneMfa
PhoneMfa.open(sys.argv[1], demo=False).challenge(sys.argv[2])
"""


def test_sender_identity():
    me = senders.current()
    host, pid, _ = me.split(":")
    assert pid == str(os.getpid()) and not senders.is_gone(me)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(10)
    assert senders.is_gone(senders.current().replace(f":{os.getpid()}:", f":{child.pid}:", 1))
    assert not senders.is_gone(f"another-host:{child.pid}:1")  # elsewhere: judged by age only
    assert not senders.is_gone(None) and not senders.is_gone("garbage")
