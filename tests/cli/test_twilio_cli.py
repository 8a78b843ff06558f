"""`phonemfa twilio set/show/test` as real subprocesses on a real database file."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from phonemfa.testing.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.conftest import run_cli
from tests.twilio_support import FROM, SERVICE_SID, TO, new_fake

TOKEN = "feedfacefeedfacefeedfacefeed7c1d"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with new_fake() as server:
        yield server


def env_for(fake: FakeTwilio) -> dict[str, str]:
    return {"PHONEMFA_TWILIO_BASE_URL": fake.base_url, "TWILIO_EDGE": "", "TWILIO_REGION": ""}


def test_set_reads_the_token_from_stdin_and_show_masks_it(db_path):
    out = run_cli(
        db_path, "twilio", "set", "--sid", DEFAULT_ACCOUNT_SID, "--from", FROM, input=TOKEN + "\n"
    )
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["auth_token"] == "••••••••7c1d" and shown["sid"] == DEFAULT_ACCOUNT_SID
    assert TOKEN not in out.stdout + out.stderr
    again = json.loads(run_cli(db_path, "twilio", "show").stdout)
    assert again == shown and again["missing"] == []


def test_empty_stdin_keeps_the_stored_token(db_path):
    run_cli(db_path, "twilio", "set", "--sid", DEFAULT_ACCOUNT_SID, input=TOKEN + "\n")
    out = run_cli(db_path, "twilio", "set", "--messaging-service", SERVICE_SID, input="")
    shown = json.loads(out.stdout)
    assert shown["auth_token"] == "••••••••7c1d"
    assert (shown["sms_source"], shown["messaging_service_sid"]) == (
        "messaging_service",
        SERVICE_SID,
    )
    back = json.loads(run_cli(db_path, "twilio", "set", "--use-from", input="").stdout)
    assert back["sms_source"] == "from" and back["messaging_service_sid"] == SERVICE_SID


def test_the_token_is_never_an_argument(db_path):
    out = run_cli(db_path, "twilio", "set", "--auth-token", TOKEN, input="")
    assert out.returncode == 2 and "No such option" in out.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["--sid", "AC42"], "", "AC followed by 32 hexadecimal"),
        (["--from", "0612345678"], "", "E.164"),
        (["--sid", DEFAULT_ACCOUNT_SID], "my token\n", "must not contain spaces"),
        (["--messaging-service", "MG1"], "", "MG followed by 32"),
    ],
)
def test_refusals_exit_1_with_the_reason(db_path, args, stdin, words):
    out = run_cli(db_path, "twilio", "set", *args, input=stdin)
    assert out.returncode == 1
    assert words in out.stderr and "(invalid_body)" in out.stderr
    assert json.loads(run_cli(db_path, "twilio", "show").stdout)["sid"] is None


def test_test_sms_prints_twilios_answer(db_path, fake):
    run_cli(
        db_path,
        "twilio",
        "set",
        "--sid",
        DEFAULT_ACCOUNT_SID,
        "--from",
        FROM,
        input=DEFAULT_AUTH_TOKEN,
    )
    out = run_cli(db_path, "twilio", "test", "--to", TO, env=env_for(fake))
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)  # one JSON object
    assert answer["ok"] is True and answer["sid"] == fake.messages[0]["sid"]
    assert answer["twilio"]["status"] == "queued" and answer["twilio"]["to"] == TO
    assert fake.requests[0].params["From"] == FROM


def test_test_voice_failure_exits_1_with_code_and_meaning(db_path, fake):
    run_cli(
        db_path,
        "twilio",
        "set",
        "--sid",
        DEFAULT_ACCOUNT_SID,
        "--from",
        FROM,
        input=DEFAULT_AUTH_TOKEN,
    )
    out = run_cli(
        db_path, "twilio", "test", "--to", "+15005550002", "--channel", "voice", env=env_for(fake)
    )
    assert out.returncode == 1
    answer = json.loads(out.stdout)
    assert (answer["ok"], answer["error_code"]) == (False, "21214")
    assert answer["meaning"] == "The recipient's phone cannot be reached by voice."
    assert answer["twilio"]["code"] == 21214


def test_test_with_a_bad_number_exits_1(db_path):
    out = run_cli(db_path, "twilio", "test", "--to", "12345")
    assert out.returncode == 1 and "E.164" in out.stderr
