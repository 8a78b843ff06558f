"""4 processes x 4 threads enroll, challenge and verify an overlapping set of users: two through
the service, two over HTTP against a real `phonemfa api` process, all on one database file.

Every answer a caller got is accounted for in the log (no event lost or written twice), no user
gets more messages than the bucket holds, and no caller ever sees "database is locked" or a 500.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import LiveServer
from tests.robustness import _worker
from tests.robustness.support import (
    Phones,
    custom_tenant,
    enroll,
    event_counts,
    integrity,
    send_events_by_message,
)

THREADS, OPS = 4, 12
BURST = 10  # limit_user_messages_burst, the default
# What each answer writes in the log: (operation, outcome) -> event types, one each.
EVENTS = {
    ("challenge", "ok"): ["gd_start_auth", "gd_send_sms"],
    ("enroll", "ok"): ["gd_start_enroll", "gd_send_sms"],
    ("challenge", "too_many_sms"): ["limit_phone"],
    ("enroll", "too_many_sms"): ["limit_phone"],
    ("enroll", "already_enrolled"): ["gd_start_enroll_failed"],
    ("verify", "invalid_grant"): ["gd_auth_failed"],
    ("verify", "too_many_failures"): ["gd_otp_rate_limit_exceed"],
}


def test_processes_and_threads_share_the_buckets_and_lose_no_event(tmp_path: Path):
    db, phones = tmp_path / "shared.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    for user, number in _worker.ENROLLED:
        enroll(service, phones, user, number)
    backend = service.create_token(["create:mfa_tokens"])
    before = event_counts(service)
    server = LiveServer(db).start()
    try:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(_worker.__file__)),
                    mode,
                    str(db),
                    server.base_url,
                    backend,
                    str(phones.root),
                    str(seed),
                    str(THREADS),
                    str(OPS),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for seed, mode in enumerate(["service", "http", "service", "http"])
        ]
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
    finally:
        server.stop()
    server_log = db.with_name(f"server-{server.port}.log").read_text(errors="replace")
    assert "Traceback" not in server_log and "locked" not in server_log, server_log

    assert [u for r in reports for u in r["unexpected"]] == []
    outcomes = [tuple(o) for r in reports for o in r["outcomes"]]
    assert len(outcomes) == 4 * THREADS * OPS
    seen = Counter((op, outcome) for op, _, outcome in outcomes)
    assert set(seen) <= set(EVENTS) | {("verify", "ok")}, seen  # no storage_error, no 5xx
    assert seen[("challenge", "too_many_sms")] > 0  # the buckets were really contended

    # Every answer's events, exactly once each.
    expected = Counter(event for key, n in seen.items() for event in EVENTS.get(key, []) * n)
    after = event_counts(service)
    flow_types = {t for t in set(after) | set(before) if t.startswith(("gd_", "limit_"))}
    grown = {t: after.get(t, 0) - before.get(t, 0) for t in flow_types}  # not derived alerts
    verified = grown.pop("gd_auth_succeed", 0) + grown.pop("gd_enrollment_complete", 0)
    assert verified == seen[("verify", "ok")]
    assert {t: n for t, n in grown.items() if n} == dict(expected)

    # The outbox: every send completed, each with exactly one send event.
    rows = service.store.query("SELECT id, user_id, state FROM messages")
    assert {r["state"] for r in rows} == {"sent"}
    assert send_events_by_message(service) == {r["id"]: 1 for r in rows}
    # No user got more than the bucket holds, and the bucket shows what was spent.
    per_user = Counter(r["user_id"] for r in rows)
    for user, sent in per_user.items():
        assert sent <= BURST, (user, sent)
        assert service.bucket_status("user_messages", user).tokens == BURST - sent
    assert integrity(db) == "ok"
    service.close()
