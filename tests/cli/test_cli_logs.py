"""`phonemfa logs`, `streams` and `alerts` as a user types them (real subprocesses)."""

import json
import os
import queue
import subprocess
import sys
import threading

from phonemfa.testing.traffic import record_ip_block, record_send
from phonemfa.testing.webhook_server import FakeWebhook
from tests.conftest import run_cli


def seed(service):
    record_send(service, user_id="auth0|alice", phone="+14155550123", region="US")
    record_send(
        service,
        user_id="auth0|bruno",
        phone="+33612345678",
        region="FR",
        ok=False,
        error_code="30007",
        error_message="Carrier filtered the message.",
    )
    record_ip_block(service, ip="192.0.2.66")


def test_logs_prints_the_newest_oldest_first(service, db_path):
    seed(service)
    out = run_cli(db_path, "logs")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3
    assert (
        "SENT" in lines[0]
        and "gd_send_sms " in lines[0]
        and "+1\u2022\u2022\u2022\u2022\u2022\u2022\u20220123" in lines[0]
    )
    assert "FAILED" in lines[1] and "Carrier filtered the message." in lines[1]
    assert "BLOCKED" in lines[2] and "ip 192.0.2.66" in lines[2]


def test_logs_filters_and_json(service, db_path):
    seed(service)
    by_type = run_cli(db_path, "logs", "--type", "failed", "--json")
    [event] = [json.loads(line) for line in by_type.stdout.splitlines()]
    assert event["type"] == "gd_send_sms_failure"
    assert event["details"]["provider_error"]["errorCode"] == "30007"
    by_user = run_cli(db_path, "logs", "--user", "auth0|alice", "--json", "-n", "5")
    assert [json.loads(line)["user_id"] for line in by_user.stdout.splitlines()] == ["auth0|alice"]
    bad = run_cli(db_path, "logs", "--type", "gd_send_fax")
    assert bad.returncode == 1 and "unknown event type or category 'gd_send_fax'" in bad.stderr


def test_logs_follow_prints_events_written_by_another_process(service, db_path):
    record_send(service, user_id="auth0|marker", phone="+14155550100", region="US")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonemfa",
            "--db",
            str(db_path),
            "--no-demo",
            "logs",
            "--follow",
            "--json",
            "--type",
            "gd_send_sms",
            "-n",
            "1",
            "--interval",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        # The newest event printed first means it is following from there.
        assert json.loads(lines.get(timeout=20))["user_id"] == "auth0|marker"
        seed(service)
        record_send(service, user_id="auth0|carmen", phone="+34612345678", region="ES")
        got = [json.loads(lines.get(timeout=20)) for _ in range(2)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert [e["user_id"] for e in got] == ["auth0|alice", "auth0|carmen"]
    assert all(e["type"] == "gd_send_sms" for e in got)


def test_streams_add_list_pause_resume_remove(db_path, tmp_path):
    env = {"SIEM_TOKEN": "Bearer from-env-0123456789"}
    added = run_cli(
        db_path,
        "streams",
        "add",
        "siem",
        "--url",
        "https://siem.example/in",
        "--authorization-env",
        "SIEM_TOKEN",
        "--format",
        "jsonarray",
        "--filter",
        "sent",
        "--filter",
        "limit_mu",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    stream = json.loads(added.stdout)
    assert stream["sink"]["httpAuthorization"] == "\u2022" * 8 + "6789"
    assert stream["sink"]["httpContentFormat"] == "JSONARRAY"
    assert stream["filters"] == [
        {"type": "category", "name": "sent"},
        {"type": "type", "name": "limit_mu"},
    ]
    archive = run_cli(db_path, "streams", "add", "archive", "--file", str(tmp_path / "log.jsonl"))
    assert json.loads(archive.stdout)["sink"] == {"filePath": str(tmp_path / "log.jsonl")}

    listed = run_cli(db_path, "streams", "list")
    assert "siem" in listed.stdout and "archive" in listed.stdout and "active" in listed.stdout
    assert "from-env" not in listed.stdout
    assert run_cli(db_path, "streams", "pause", "siem").stdout.strip().endswith(": paused")
    as_json = json.loads(run_cli(db_path, "streams", "list", "--json").stdout)
    assert [(s["name"], s["status"], s["health"]) for s in as_json] == [
        ("siem", "paused", "paused"),
        ("archive", "active", "ok"),
    ]
    assert run_cli(db_path, "streams", "resume", stream["id"]).returncode == 0
    assert run_cli(db_path, "streams", "remove", "siem").returncode == 0
    assert [
        s["name"] for s in json.loads(run_cli(db_path, "streams", "list", "--json").stdout)
    ] == ["archive"]


def test_streams_add_refuses_bad_input(db_path):
    both = run_cli(
        db_path, "streams", "add", "x", "--url", "https://a", "--file", "/tmp/phonemfa-never.jsonl"
    )
    assert both.returncode == 1 and "either --url or --file" in both.stderr
    bad_url = run_cli(db_path, "streams", "add", "x", "--url", "siem.example")
    assert bad_url.returncode == 1 and "httpEndpoint must be an http" in bad_url.stderr
    bad_filter = run_cli(db_path, "streams", "add", "x", "--url", "https://a", "--filter", "nope")
    assert bad_filter.returncode == 1 and "Unknown event type 'nope'" in bad_filter.stderr
    missing = run_cli(db_path, "streams", "pause", "ghost")
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_streams_run_once_delivers_and_reports(service, db_path):
    with FakeWebhook() as hook:
        run_cli(db_path, "streams", "add", "siem", "--url", hook.url, "--from-start")
        seed(service)
        out = run_cli(db_path, "streams", "run", "--once")
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert list(report["delivered"].values()) == [3]
        assert report["failed"] == {} and report["skipped"] == []
        assert [r["data"]["type"] for r in hook.records][:3] == [
            "gd_send_sms",
            "gd_send_sms_failure",
            "limit_mu",
        ]


def test_alerts_rules_set_check_and_ack(service, db_path):
    rules = run_cli(db_path, "alerts", "rules")
    assert "alr_sms_spike" in rules.stdout and "over 3× the usual rate in 5 minutes" in rules.stdout
    changed = run_cli(db_path, "alerts", "set", "alr_usage_day", "--threshold", "2")
    assert changed.returncode == 0 and "2 messages in a day" in changed.stdout
    refused = run_cli(db_path, "alerts", "set", "alr_sms_spike", "--window", "1")
    assert refused.returncode == 1 and "window must be between" in refused.stderr
    service.acknowledge_alerts(actor="test")
    record_ip_block(service, ip="192.0.2.66")
    fired = service.evaluate_alerts()  # on the test's clock, where the events are
    assert [f.rule_id for f in fired] == ["alr_ip_blocked"]
    listed = json.loads(run_cli(db_path, "alerts", "list", "--open", "--json").stdout)
    assert [a["rule_id"] for a in listed] == ["alr_ip_blocked"]
    acked = run_cli(db_path, "alerts", "ack", "--all")
    assert acked.stdout.strip() == "acknowledged 1 alert(s)"
    assert json.loads(run_cli(db_path, "alerts", "list", "--open", "--json").stdout) == []
    assert run_cli(db_path, "alerts", "ack").returncode == 1
