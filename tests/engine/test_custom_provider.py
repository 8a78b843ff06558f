"""The Custom provider: a Send Phone Message action (file or module), its secrets and cache,
failures and timeouts; the shipped webhook and console actions."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from phonemfa.errors import PhoneMfaError
from phonemfa.store import messages_repo
from tests.engine.conftest import ALICE, events_of

RECORDING_ACTION = """
import json

def on_execute_send_phone_message(event, api):
    seen = api.cache.get("count")
    count = int(seen["value"]) + 1 if seen else 1
    api.cache.set("count", str(count), {"ttl": 60})
    with open(event["secrets"]["OUT"], "a") as out:
        out.write(json.dumps({**event, "count": count}) + "\\n")
    return {"id": f"act-{count}"}
"""


@pytest.fixture
def recording(mfa, tmp_path):
    action = tmp_path / "recording_action.py"
    action.write_text(RECORDING_ACTION)
    out = tmp_path / "sent.jsonl"
    mfa.update_settings(
        {
            "provider": "phone-message-hook",
            "custom_action": str(action),
            "message_types": ["sms", "voice"],
            "custom_action_timeout": 1,
        },
        actor="test",
    )
    mfa.set_action_secret("OUT", str(out), actor="test")
    return lambda: [json.loads(line) for line in out.read_text().splitlines()]


def test_full_flow_by_voice_through_an_action(mfa, recording):
    from phonemfa.service.users import User

    mfa.save_user(User("auth0|alice", email="alice@example.com", name="Alice"))
    sent = mfa.start_enrollment(
        "auth0|alice", ALICE, "voice", ip="203.0.113.5", user_agent="ua/1", language="en"
    )
    event = recording()[-1]
    options = event["message_options"]
    assert options["action"] == "enrollment" and options["message_type"] == "voice"
    assert options["recipient"] == ALICE
    code = options["code"]
    assert ".".join(code) in options["text"]  # voice reads the digits one by one
    assert event["user"]["email"] == "alice@example.com"
    assert event["request"] == {
        "ip": "203.0.113.5",
        "language": "en",
        "user_agent": "ua/1",
        "geoip": {},
        "raw_language": "en",
    }
    assert event["secrets"]["OUT"].endswith("sent.jsonl")
    assert event["tenant"]["friendly_name"] == "My Company"
    assert sent.provider_id == "act-1"
    mfa.verify(sent.transaction_id, code)
    login = mfa.challenge("auth0|alice")  # the enrollment's channel: voice
    assert login.channel == "voice"
    second = recording()[-1]
    assert second["message_options"]["action"] == "second-factor-authentication"
    assert second["count"] == 2  # api.cache persisted between runs
    mfa.challenge("auth0|alice", "sms")
    assert recording()[-1]["message_options"]["message_type"] == "sms"
    assert [
        e["type"]
        for e in mfa.store.query("SELECT type FROM events WHERE type LIKE 'gd_send%' ORDER BY id")
    ] == [
        "gd_send_voice",
        "gd_send_voice",
        "gd_send_sms",
    ]


@pytest.mark.parametrize(
    ("body", "error_code", "fragment"),
    [
        ("    raise RuntimeError('gateway said no')", "action_error", "gateway said no"),
        ("    import time\n    time.sleep(5)", "action_timeout", "within 1 seconds"),
        ("    return 1 / 0", "action_error", "division by zero"),
    ],
)
def test_failing_actions_are_failed_sends(mfa, tmp_path, body, error_code, fragment):
    action = tmp_path / "bad.py"
    action.write_text(f"def on_execute_send_phone_message(event, api):\n{body}\n")
    mfa.update_settings(
        {
            "provider": "phone-message-hook",
            "custom_action": str(action),
            "custom_action_timeout": 1,
        },
        actor="t",
    )
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("auth0|alice", ALICE)
    assert caught.value.code == "error_sending_sms" and caught.value.status == 502
    assert caught.value.details["key"] == "send-sms-failed"
    assert fragment in caught.value.message
    failure = events_of(mfa, "gd_send_sms_failure")
    assert len(failure) == 1
    assert failure[0]["details"]["provider_error"]["errorCode"] == error_code
    assert fragment in failure[0]["details"]["provider_error"]["message"]
    row = messages_repo.recent(mfa.store)[0]
    assert row.state == "failed" and row.error_code == error_code
    # No half-written enrollment is left; the user may try again.
    assert mfa.list_enrollments("auth0|alice") == []
    assert mfa.store.query("SELECT COUNT(*) AS n FROM recovery_codes")[0]["n"] == 0


def test_unloadable_or_missing_action(mfa, tmp_path):
    mfa.update_settings({"provider": "phone-message-hook"}, actor="t")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("u", ALICE)
    assert caught.value.code == "provider_not_configured"
    assert mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"] == 0
    for ref, fragment in (
        (str(tmp_path / "missing.py"), "does not exist"),
        ("phonemfa.nope:handler", "cannot be imported"),
        ("phonemfa.actions.console:nope", "has no function nope"),
    ):
        mfa.update_settings({"custom_action": ref}, actor="t")
        with pytest.raises(PhoneMfaError) as caught:
            mfa.start_enrollment("u", ALICE)
        assert fragment in caught.value.message


def test_action_secrets_are_masked(mfa):
    mask = mfa.set_action_secret("API_KEY", "sk_live_0123456789abcdef", actor="t")
    assert mask == "••••••••cdef"
    assert mfa.action_secrets() == {"API_KEY": "••••••••cdef"}
    assert mfa.action_secret_values() == {"API_KEY": "sk_live_0123456789abcdef"}
    for name in ("9X", "has space", "", "x" * 65):
        with pytest.raises(PhoneMfaError):
            mfa.set_action_secret(name, "v", actor="t")
    mfa.delete_action_secret("API_KEY", actor="t")
    assert mfa.action_secrets() == {}
    assert "sk_live" not in json.dumps([e["details"] for e in events_of(mfa, "gd_tenant_update")])


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), json.loads(body)))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "hook-42"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    _Hook.received = []
    _Hook.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_shipped_webhook_action(mfa, hook_server):
    mfa.update_settings(
        {
            "provider": "phone-message-hook",
            "custom_action": "phonemfa.actions.webhook:on_execute_send_phone_message",
        },
        actor="t",
    )
    mfa.set_action_secret(
        "WEBHOOK_URL", f"http://127.0.0.1:{hook_server.server_port}/sms", actor="t"
    )
    mfa.set_action_secret("WEBHOOK_AUTHORIZATION", "Bearer hook-secret-123", actor="t")
    sent = mfa.start_enrollment("auth0|alice", ALICE)
    headers, payload = _Hook.received[-1]
    assert headers["Authorization"] == "Bearer hook-secret-123"
    assert payload["recipient"] == ALICE and payload["message_type"] == "sms"
    assert payload["code"] in payload["text"]
    assert sent.provider_id == "hook-42"
    mfa.verify(sent.transaction_id, payload["code"])
    _Hook.status = 503
    with pytest.raises(PhoneMfaError) as caught:
        mfa.challenge("auth0|alice")
    assert "HTTP 503" in caught.value.message


def test_shipped_console_action_writes_json_lines(mfa, tmp_path):
    out = tmp_path / "phone.jsonl"
    mfa.update_settings(
        {
            "provider": "phone-message-hook",
            "custom_action": "phonemfa.actions.console:on_execute_send_phone_message",
        },
        actor="t",
    )
    mfa.set_action_secret("OUTPUT_FILE", str(out), actor="t")
    mfa.start_enrollment("auth0|alice", ALICE)
    line = json.loads(out.read_text())
    assert line["to"] == ALICE and "verification code" in line["text"]
