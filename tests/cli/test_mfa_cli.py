"""The engine's CLI for scripts and demos: one JSON object per command, errors with their code."""

import json
import subprocess
import sys
import threading
import time

from tests.conftest import run_cli

PHONE = "+34612345678"


def test_enroll_inbox_verify_challenge(db_path):
    assert run_cli(db_path, "settings", "set", "enabled", "true").returncode == 0
    enrolled = run_cli(
        db_path, "enroll", "--user", "auth0|carmen", "--phone", PHONE, "--ip", "192.0.2.4"
    )
    assert enrolled.returncode == 0, enrolled.stderr
    sent = json.loads(enrolled.stdout)
    assert sent["channel"] == "sms" and sent["recipient"] == "+3•••••••5678"
    assert sent["trail"][-1] == {
        "step": "result",
        "ok": True,
        "detail": "SMS handed to Built-in (delivered).",
        "data": {
            "message_id": sent["message_id"],
            "provider_id": sent["provider_id"],
            "status": "delivered",
        },
    }
    lines = run_cli(db_path, "inbox", "--phone", PHONE).stdout.splitlines()
    assert len(lines) == 1
    code = json.loads(lines[0])["text"].split()[0]
    verified = run_cli(db_path, "verify", "--transaction", sent["transaction_id"], "--code", code)
    assert verified.returncode == 0 and json.loads(verified.stdout)["enrollment_completed"] is True
    reused = run_cli(db_path, "verify", "--transaction", sent["transaction_id"], "--code", code)
    assert reused.returncode == 1 and reused.stdout == ""
    assert reused.stderr.strip() == "error: This code was already used. (transaction_expired)"
    login = run_cli(db_path, "challenge", "--user", "auth0|carmen")
    assert json.loads(login.stdout)["action"] == "second-factor-authentication"
    listed = json.loads(run_cli(db_path, "enrollments", "--user", "auth0|carmen").stdout)
    assert listed["enrollments"][0]["status"] == "confirmed"
    recovered = run_cli(
        db_path, "recover", "--user", "auth0|carmen", "--code", sent["recovery_code"]
    )
    assert recovered.returncode == 0 and len(json.loads(recovered.stdout)["recovery_code"]) == 24
    removed = run_cli(db_path, "unenroll", listed["enrollments"][0]["id"])
    assert json.loads(removed.stdout)["user_id"] == "auth0|carmen"


def test_refusals_exit_non_zero_with_the_code(db_path):
    off = run_cli(db_path, "enroll", "--user", "u", "--phone", PHONE)
    assert off.returncode == 1 and off.stderr.strip().endswith("(feature_disabled)")
    run_cli(db_path, "settings", "set", "enabled", "true")
    for args, code in (
        (("enroll", "--user", "u", "--phone", "nonsense"), "invalid_phone_number"),
        (
            ("enroll", "--user", "u", "--phone", PHONE, "--channel", "voice"),
            "enrollment_method_disabled",
        ),
        (("enroll", "--user", "u", "--phone", PHONE, "--ip", "300.1.1.1"), "invalid_body"),
        (("challenge", "--user", "nobody"), "not_enrolled"),
        (("verify", "--transaction", "nope", "--code", "123456"), "transaction_not_found"),
        (("unblock", "192.0.2.1"), "not_blocked"),
    ):
        result = run_cli(db_path, *args)
        assert result.returncode == 1, args
        assert result.stderr.count("\n") == 1 and f"({code})" in result.stderr, result.stderr


def test_block_then_unblock_from_the_cli(db_path):
    run_cli(db_path, "settings", "set", "enabled", "true")
    run_cli(db_path, "settings", "set", "limit_ip_enroll_per_minute", "1")
    assert (
        run_cli(db_path, "enroll", "--user", "a", "--phone", PHONE, "--ip", "192.0.2.9").returncode
        == 0
    )
    blocked = run_cli(db_path, "enroll", "--user", "b", "--phone", PHONE, "--ip", "192.0.2.9")
    assert "(too_many_attempts)" in blocked.stderr
    assert json.loads(run_cli(db_path, "blocks").stdout)["blocked_ips"][0]["ip"] == "192.0.2.9"
    assert run_cli(db_path, "unblock", "192.0.2.9").returncode == 0
    assert json.loads(run_cli(db_path, "blocks").stdout) == {"blocked_ips": []}


def test_action_secrets_from_the_cli(db_path):
    stored = run_cli(db_path, "action", "set-secret", "API_KEY", "--value", "key-0123456789abcdef")
    assert json.loads(stored.stdout) == {"API_KEY": "••••••••cdef"}
    shown = json.loads(run_cli(db_path, "action", "show").stdout)
    assert shown["secrets"] == {"API_KEY": "••••••••cdef"}
    prompted = run_cli(db_path, "action", "set-secret", "OTHER", input="hidden-value-123\n")
    assert prompted.returncode == 0 and "hidden-value-123" not in prompted.stdout
    assert run_cli(db_path, "action", "delete-secret", "OTHER").returncode == 0


def test_inbox_follow_prints_new_messages(db_path):
    import os

    run_cli(db_path, "settings", "set", "enabled", "true")
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonemfa",
            "--db",
            str(db_path),
            "--no-demo",
            "inbox",
            "--follow",
            "--interval",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        time.sleep(0.5)
        assert run_cli(db_path, "enroll", "--user", "u", "--phone", PHONE).returncode == 0
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(follower.stdout.readline()))
        reader.start()
        reader.join(30)  # the follower prints the new message within its polling interval
        assert lines and json.loads(lines[0])["to"] == PHONE
    finally:
        follower.terminate()
        follower.wait(timeout=10)
