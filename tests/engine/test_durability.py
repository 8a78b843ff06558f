"""What must hold across crashes and processes: the outbox, secrets at rest, shared buckets."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from phonemfa.service import PhoneMfa
from phonemfa.store import messages_repo
from tests.engine.conftest import ALICE, enrolled, events_of, last_code

CRASHING_ACTION = """
import os

def on_execute_send_phone_message(event, api):
    os._exit(3)  # the process dies while the provider holds the message
"""


def test_crash_during_a_send_leaves_a_marked_row_never_resent(mfa, db_path, tmp_path, clock):
    action = tmp_path / "crash.py"
    action.write_text(CRASHING_ACTION)
    mfa.update_settings({"provider": "phone-message-hook", "custom_action": str(action)}, actor="t")
    script = textwrap.dedent(
        f"""
        from phonemfa.clock import FakeClock
        from phonemfa.service import PhoneMfa
        service = PhoneMfa.open({str(db_path)!r}, clock=FakeClock({clock.now()!r}), demo=False)
        service.start_enrollment("auth0|alice", {ALICE!r})
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert out.returncode == 3, out.stderr
    pending = messages_repo.recent(mfa.store)[0]
    assert pending.state == "pending"
    # Reopened later (the fake clock, 10 minutes on): the row is marked and logged, not re-sent.
    clock.advance(600)
    reopened = PhoneMfa.open(db_path, clock=clock, demo=False)
    try:
        row = messages_repo.get(reopened.store, pending.id)
        assert row.state == "interrupted"
        failure = events_of(reopened, "gd_send_sms_failure")
        assert len(failure) == 1
        assert failure[0]["details"]["provider_error"]["errorCode"] == "interrupted"
        assert reopened.recover_interrupted_sends() == 0  # only once
    finally:
        reopened.close()


def test_recent_pending_rows_of_a_live_process_are_left_alone(mfa):
    with mfa.store.transaction():
        messages_repo.insert_pending(
            mfa.store,
            now=mfa.now(),
            channel="sms",
            action="enrollment",
            recipient_masked="+1•••••••0123",
            provider="twilio",
        )
    assert mfa.recover_interrupted_sends() == 0


def test_the_database_files_hold_no_code_secret_or_recovery_code(mfa, db_path, tmp_path):
    """Read the .db AND the -wal bytes: nothing that lets someone pass the factor is in clear."""
    import pyotp

    mfa.update_settings({"otp_length": 8}, actor="t")  # long codes: no chance match in the bytes
    sent = enrolled(mfa)
    codes = [last_code(mfa, ALICE)]
    login = mfa.challenge("auth0|alice")
    codes.append(last_code(mfa, ALICE))
    mfa.verify(login.transaction_id, codes[-1])
    renewed = mfa.use_recovery_code("auth0|alice", sent.recovery_code).recovery_code
    mfa.set_action_secret("WEBHOOK_AUTHORIZATION", "Bearer s3cr3t-action-token-value", actor="t")
    # Through the Custom provider too: the action's secret and the code in its event.
    action = tmp_path / "a.py"
    action.write_text("def on_execute_send_phone_message(event, api):\n    return {}\n")
    mfa.update_settings({"provider": "phone-message-hook", "custom_action": str(action)}, actor="t")
    mfa.challenge("auth0|alice", ip="192.0.2.3")
    row = mfa.store.query("SELECT secret, counter FROM enrollments")[0]
    hotp_secret = mfa.box.decrypt(row["secret"])
    codes.append(pyotp.HOTP(hotp_secret, digits=8).at(row["counter"] - 1))

    blob = b"".join(
        path.read_bytes()
        for path in (db_path, db_path.with_name(db_path.name + "-wal"))
        if path.exists()
    )
    assert len(blob) > 10_000
    for clear in [*codes, hotp_secret, sent.recovery_code, renewed, "s3cr3t-action-token-value"]:
        assert clear.encode() not in blob, clear
        assert clear.encode("utf-16-le") not in blob
    assert ALICE[-4:].encode() in blob  # sanity: the search does find what is there


HAMMER = """
import json, sys
from phonemfa.errors import PhoneMfaError
from phonemfa.service import PhoneMfa

service = PhoneMfa.open(sys.argv[1], demo=False)
sent = refused = 0
for _ in range(int(sys.argv[2])):
    try:
        service.challenge("auth0|alice")
        sent += 1
    except PhoneMfaError as exc:
        assert exc.code == "too_many_sms", exc.code
        refused += 1
print(json.dumps({"sent": sent, "refused": refused}))
"""


def test_four_processes_never_send_more_than_the_bucket_allows(db_path, tmp_path):
    # Real clock in every process (a refill needs an hour; the test takes seconds).
    service = PhoneMfa.open(db_path, demo=False)
    try:
        service.update_settings({"enabled": True, "limit_user_messages_burst": 25}, actor="t")
        enrolled(service)  # spends one token
    finally:
        service.close()
    script = tmp_path / "hammer.py"
    script.write_text(HAMMER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db_path), "15"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
        for _ in range(4)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert sum(r["sent"] for r in results) == 24  # 60 tries, 24 tokens left
    assert sum(r["refused"] for r in results) == 36
    check = PhoneMfa.open(db_path, demo=False)
    try:
        counts = check.store.query("SELECT state, COUNT(*) AS n FROM messages GROUP BY state")
        assert counts == [{"state": "sent", "n": 25}]
        assert len(check.inbox(ALICE)) == 25
        assert len(events_of(check, "limit_phone")) == 36
    finally:
        check.close()


@pytest.mark.parametrize("workers", [8])
def test_threads_racing_for_one_code_verify_it_once(mfa, workers):
    import concurrent.futures

    from phonemfa.errors import PhoneMfaError

    enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    code = last_code(mfa, ALICE)

    def attempt(_):
        try:
            mfa.verify(login.transaction_id, code)
            return "ok"
        except PhoneMfaError as exc:
            return exc.code

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(attempt, range(workers)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "transaction_expired"}
