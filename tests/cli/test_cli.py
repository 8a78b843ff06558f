import json

from tests.conftest import run_cli


def test_settings_show_and_set(db_path):
    shown = run_cli(db_path, "settings", "show")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["otp_length"] == 6
    changed = run_cli(db_path, "settings", "set", "message_types", "sms,voice")
    assert changed.returncode == 0
    assert json.loads(changed.stdout) == {"message_types": ["sms", "voice"]}
    assert "cannot send voice" in changed.stderr  # Built-in is the default provider


def test_invalid_value_exits_non_zero_with_one_line(db_path):
    result = run_cli(db_path, "settings", "set", "otp_length", "42")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "between 4 and 10" in result.stderr
    assert json.loads(run_cli(db_path, "settings", "show").stdout)["otp_length"] == 6


def test_unknown_key(db_path):
    result = run_cli(db_path, "settings", "set", "colour", "blue")
    assert result.returncode != 0 and "Unknown setting" in result.stderr


def test_token_create_prints_only_the_token(db_path):
    result = run_cli(db_path, "token", "create", "--scope", "read:guardian_factors", "--ttl", "60")
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1 and result.stdout.count(".") == 2
    bad = run_cli(db_path, "token", "create", "--scope", "root")
    assert bad.returncode != 0 and "Unknown scope" in bad.stderr


def test_home_env_decides_the_default_database(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PHONEMFA_HOME": str(tmp_path / "home")}
    out = subprocess.run(
        [sys.executable, "-m", "phonemfa", "settings", "show"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert (tmp_path / "home" / "phonemfa.db").exists()
    # The demo tenant is seeded on first run.
    assert json.loads(out.stdout)["friendly_name"] == "Acme Travel"
