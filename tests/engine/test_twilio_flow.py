"""Full flow through the Twilio provider against the loopback FakeTwilio (issue 4's provider)."""

import pytest

from phonemfa.errors import PhoneMfaError
from phonemfa.service import PhoneMfa
from tests.engine.conftest import events_of

twilio_support = pytest.importorskip(
    "tests.twilio_support", reason="the Twilio provider has not landed"
)
if not hasattr(PhoneMfa, "twilio_provider"):  # pragma: no cover
    pytest.skip("the Twilio provider has not landed", allow_module_level=True)

TO = "+14155552345"


@pytest.fixture
def fake(monkeypatch):
    twilio_support.isolate_env(monkeypatch)
    with twilio_support.new_fake() as server:
        yield server


@pytest.fixture
def on_twilio(mfa, fake, monkeypatch):
    twilio_support.configure(mfa, fake, monkeypatch)
    mfa.update_settings({"provider": "twilio", "message_types": ["sms", "voice"]}, actor="t")
    return mfa


def test_enroll_by_sms_and_login_by_voice_through_twilio(on_twilio, fake):
    sent = on_twilio.start_enrollment("auth0|tw", TO)
    assert sent.provider == "twilio" and sent.provider_id
    body = fake.messages[-1]["body"]
    code = body.split()[0]
    on_twilio.verify(sent.transaction_id, code)
    login = on_twilio.challenge("auth0|tw", "voice")
    assert login.provider_id and fake.calls
    assert [
        e["type"]
        for e in on_twilio.store.query(
            "SELECT type FROM events WHERE type LIKE 'gd_send%' ORDER BY id"
        )
    ] == ["gd_send_sms", "gd_send_voice"]


def test_twilio_failure_is_a_failed_send(on_twilio, fake):
    fake.fail_next(400, 21211)
    with pytest.raises(PhoneMfaError) as caught:
        on_twilio.start_enrollment("auth0|tw", TO)
    assert caught.value.code == "error_sending_sms"
    failure = events_of(on_twilio, "gd_send_sms_failure")[0]
    assert failure["details"]["provider_error"]["errorCode"] == "21211"
    assert on_twilio.list_enrollments("auth0|tw") == []
