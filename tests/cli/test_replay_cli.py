"""`phonemfa replay` as a user runs it: a real process on a real database file."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_replay_a_bundled_scenario_prints_the_summary(tmp_path):
    db = tmp_path / "demo.db"
    done = run_cli(db, "replay", "sms_pumping", env={"PHONEMFA_NO_DEMO": "0"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert 'Replayed "SMS pumping attack": 374 of 374 requests' in out
    assert "Codes sent: 0" in out  # --no-demo: the factor is off, every start is refused
    assert "factor/feature_disabled" in out


def test_replay_on_the_demo_tenant_as_json(tmp_path):
    db = tmp_path / "demo.db"
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "phonemfa", "--db", str(db), "replay", "code_guessing", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["sent"] == {"total": 12, "sms": 12}
    assert body["refused"]["wrong_codes/too_many_failures"] == 75
    assert body["provider"] == "simulated"


def test_verbose_lines_and_list(tmp_path):
    db = tmp_path / "x.db"
    listed = run_cli(db, "replay", "--list")
    assert listed.returncode == 0
    assert "sms_pumping: SMS pumping attack: 374 requests." in listed.stdout
    scenario = tmp_path / "tiny.jsonl"
    scenario.write_text('{"at": 0, "op": "challenge", "user": "nobody"}\n')
    done = run_cli(db, "settings", "set", "enabled", "true")
    assert done.returncode == 0
    done = run_cli(db, "replay", str(scenario), "-v", "--speed", "1000")
    assert done.returncode == 0, done.stderr
    assert "challenge nobody: refused by user/not_enrolled" in done.stdout


def test_bad_files_and_options_fail_cleanly(tmp_path):
    db = tmp_path / "x.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": 0, "op": "enroll", "user": "u"}\n')
    done = run_cli(db, "replay", str(bad))
    assert done.returncode == 1 and done.stderr == "error: Line 1: enroll needs a phone.\n"
    done = run_cli(db, "replay", "nothing_like_this")
    assert done.returncode == 1 and "bundled scenarios: code_guessing" in done.stderr
    done = run_cli(db, "replay", "normal_day", "--speed", "0")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = run_cli(db, "replay")
    assert done.returncode == 1 and "phonemfa replay --list" in done.stderr
