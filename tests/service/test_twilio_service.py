"""Twilio use cases on a real SQLite file: credentials, secrets at rest, test sends, callbacks."""

from __future__ import annotations

import json

import pytest

from phonemfa.core.masking import mask_secret
from phonemfa.errors import ForbiddenError, ValidationError
from phonemfa.store import messages_repo
from phonemfa.testing.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.twilio_support import (
    API_KEY,
    API_KEY_SECRET,
    FROM,
    SERVICE_SID,
    TO,
    configure,
)

TOKEN = "9f3c0d6e1b2a4c5d8e7f6a5b4c3d2e1f"
CALLBACK = "https://mfa.example.com/twilio/status"


pytestmark = pytest.mark.usefixtures("twilio_isolated")


def events(service, type_: str | None = None) -> list[dict]:
    rows = service.store.query("SELECT type, details, user_id FROM events ORDER BY id")
    found = [{**r, "details": json.loads(r["details"])} for r in rows]
    return [e for e in found if type_ is None or e["type"] == type_]


# -- credentials ------------------------------------------------------------------------------------
def test_save_and_read_back_with_the_token_masked(service):
    config = service.save_twilio_config(
        {"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN, "from": FROM}, actor="cli"
    )
    assert (config.sid, config.from_, config.sms_source) == (DEFAULT_ACCOUNT_SID, FROM, "from")
    assert config.auth_token_hint == "••••••••2e1f" == mask_secret(TOKEN)
    assert service.twilio_provider().account.auth_token == TOKEN  # decrypted for sending only


def test_the_token_is_never_in_the_database_file_in_clear(service, db_path):
    service.save_twilio_config(
        {
            "sid": DEFAULT_ACCOUNT_SID,
            "auth_token": TOKEN,
            "api_key_sid": API_KEY,
            "api_key_secret": API_KEY_SECRET,
        },
        actor="cli",
    )
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert DEFAULT_ACCOUNT_SID.encode() in raw  # the search would find a clear value
    assert TOKEN.encode() not in raw and API_KEY_SECRET.encode() not in raw
    assert TOKEN.encode("utf-16-le") not in raw


def test_tenant_update_event_holds_masks_not_secrets(service):
    service.save_twilio_config({"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN}, actor="api:x")
    service.save_twilio_config({"auth_token": TOKEN + "00"}, actor="api:x")
    updates = events(service, "gd_tenant_update")
    assert len(updates) == 2
    dumped = json.dumps(updates)
    assert TOKEN not in dumped
    assert updates[1]["details"]["changes"] == {
        "twilio_auth_token": {"from": "••••••••2e1f", "to": "••••••••1f00"}
    }
    assert updates[0]["details"]["actor"] == "api:x"


def test_masked_token_sent_back_keeps_the_stored_one(service):
    service.save_twilio_config({"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN}, actor="t")
    before = len(events(service))
    config = service.save_twilio_config(
        {"sid": DEFAULT_ACCOUNT_SID, "auth_token": "••••••••2e1f"}, actor="t"
    )
    assert config.auth_token_hint == "••••••••2e1f"
    assert service.twilio_provider().account.auth_token == TOKEN
    assert len(events(service)) == before  # nothing changed, nothing logged


def test_null_clears_and_absent_keeps(service):
    service.save_twilio_config(
        {"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN, "from": FROM}, actor="t"
    )
    config = service.save_twilio_config({"from": None, "auth_token": None}, actor="t")
    assert config.sid == DEFAULT_ACCOUNT_SID
    assert config.from_ is None and config.auth_token_hint is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sid": "AC123"}, "sid"),
        ({"from": "not a number"}, "from"),
        ({"from": "+1 415 555 0123"}, "from"),
        ({"messaging_service_sid": "MG12"}, "messaging_service_sid"),
        ({"auth_token": "has a space"}, "auth_token"),
        ({"auth_token": ""}, "auth_token"),
        ({"sms_source": "carrier-pigeon"}, "sms_source"),
        ({"sms_source": "messaging_service"}, "messaging_service_sid"),
        ({"api_key_sid": API_KEY}, "api_key_secret"),
        ({"callback_url": "mfa.example.com"}, "callback_url"),
        ({"password": "x"}, "password"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(service, changes, field):
    service.save_twilio_config({"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN}, actor="t")
    before = (service.twilio_config(), len(events(service)))
    with pytest.raises(ValidationError) as refused:
        service.save_twilio_config({"from": FROM, **changes}, actor="t")
    assert refused.value.field == field
    assert (service.twilio_config(), len(events(service))) == before


def test_voice_with_twilio_requires_a_from_number_even_with_a_messaging_service(service):
    service.update_settings({"provider": "twilio", "message_types": ["sms", "voice"]}, actor="t")
    with pytest.raises(ValidationError) as refused:
        service.save_twilio_config(
            {
                "sid": DEFAULT_ACCOUNT_SID,
                "auth_token": TOKEN,
                "messaging_service_sid": SERVICE_SID,
                "sms_source": "messaging_service",
            },
            actor="t",
        )
    assert refused.value.field == "from" and "voice is enabled" in refused.value.message
    config = service.save_twilio_config(
        {
            "sid": DEFAULT_ACCOUNT_SID,
            "auth_token": TOKEN,
            "messaging_service_sid": SERVICE_SID,
            "sms_source": "messaging_service",
            "from": FROM,
        },
        actor="t",
    )
    assert config.sms_sender == {"MessagingServiceSid": SERVICE_SID}
    assert service.twilio_missing() == []


def test_clearing_the_api_key_forgets_its_secret(service):
    service.save_twilio_config(
        {"sid": DEFAULT_ACCOUNT_SID, "api_key_sid": API_KEY, "api_key_secret": API_KEY_SECRET},
        actor="t",
    )
    assert service.twilio_config().api_key_secret_hint
    config = service.save_twilio_config({"api_key_sid": None}, actor="t")
    assert config.api_key_sid is None and config.api_key_secret_hint is None


def test_provider_base_url_from_the_environment_wins(service, monkeypatch):
    service.save_twilio_config({"base_url": "http://127.0.0.1:9/"}, actor="t")
    assert service.twilio_provider().account.base_url == "http://127.0.0.1:9/"
    monkeypatch.setenv("PHONEMFA_TWILIO_BASE_URL", "http://127.0.0.1:7")
    assert service.twilio_provider().account.base_url == "http://127.0.0.1:7"


def test_provider_from_another_instance_key_cannot_send(tmp_path, clock):
    from phonemfa.service import PhoneMfa
    from phonemfa.store.crypto import Fernet

    first = PhoneMfa.open(tmp_path / "a.db", clock=clock, demo=False)
    first.save_twilio_config(
        {"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN, "from": FROM}, actor="t"
    )
    first.close()
    (tmp_path / "a.key").write_bytes(Fernet.generate_key())
    other = PhoneMfa.open(tmp_path / "a.db", clock=clock, demo=False)
    provider = other.twilio_provider()  # never raises: the engine gets a failing send instead
    assert provider.account.unusable and "instance key" in provider.account.unusable
    other.close()


# -- test sends -------------------------------------------------------------------------------------
def test_test_sms_goes_through_twilio_and_is_logged_as_a_test(service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    result = service.send_twilio_test(TO, "sms", actor="console")
    assert result.ok and result.sid == fake.messages[0]["sid"] and result.status == "queued"
    body = fake.messages[0]["body"]
    assert body.endswith("is your verification code for My Company") and body[:6].isdigit()
    row = messages_repo.get(service.store, result.message_id)
    assert (row.state, row.status, row.provider_id, row.action) == (
        "sent",
        "queued",
        result.sid,
        "test",
    )
    assert row.recipient_masked == "+1•••••••2345" and row.region == "US"
    (sent,) = events(service, "gd_send_sms")
    assert sent["details"]["test"] is True and sent["details"]["phone_number"] == "+1•••••••2345"
    assert TO not in json.dumps(events(service))
    assert result.to_json()["twilio"]["sid"] == result.sid


def test_test_voice_call_failure_is_explained(service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    result = service.send_twilio_test("+15005550003", "voice", actor="console")
    assert not result.ok and result.error_code == "21215"
    assert "Geo Permissions" in result.meaning
    row = messages_repo.get(service.store, result.message_id)
    assert (row.state, row.error_code) == ("failed", "21215")
    (failed,) = events(service, "gd_send_voice_failure")
    assert failed["details"]["provider_error"]["errorCode"] == "21215"
    assert "+15005550003" not in json.dumps(failed)


def test_test_send_refuses_a_bad_number_before_anything(service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    with pytest.raises(ValidationError):
        service.send_twilio_test("0612345678", "sms", actor="console")
    with pytest.raises(ValidationError):
        service.send_twilio_test(TO, "fax", actor="console")
    assert fake.requests == [] and messages_repo.recent(service.store) == []


def test_test_send_with_twilio_down_fails_once_logged(service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    monkeypatch.setattr("phonemfa.delivery.twilio.RETRY_BACKOFF", 0.01)
    fake.down = True
    result = service.send_twilio_test(TO, "sms", actor="cli")
    assert (result.ok, result.error_code) == (False, "unreachable")
    assert len(events(service, "gd_send_sms_failure")) == 1


# -- status callbacks -------------------------------------------------------------------------------
def callback_ready(service, fake, monkeypatch) -> None:
    configure(service, fake, monkeypatch, callback_url=CALLBACK)


def form_of(callback) -> dict[str, list[str]]:
    return {key: [value] for key, value in callback.params.items()}


def test_signed_callback_moves_the_row_and_logs_a_late_failure(service, fake, monkeypatch):
    from phonemfa.testing.twilio_server import signed_callback

    callback_ready(service, fake, monkeypatch)
    sent = service.send_twilio_test(TO, "sms", actor="t")
    assert fake.requests[0].params["StatusCallback"] == CALLBACK
    params = {"MessageSid": sent.sid, "MessageStatus": "sent", "AccountSid": DEFAULT_ACCOUNT_SID}
    update = service.record_twilio_status(
        form_of(signed_callback(CALLBACK, params, DEFAULT_AUTH_TOKEN)),
        signed_callback(CALLBACK, params, DEFAULT_AUTH_TOKEN).signature,
    )
    assert update.updated and not update.failure_logged
    late = {**params, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    cb = signed_callback(CALLBACK, late, DEFAULT_AUTH_TOKEN)
    assert service.record_twilio_status(form_of(cb), cb.signature).failure_logged
    row = messages_repo.get(service.store, sent.message_id)
    assert (row.state, row.status, row.error_code) == ("failed", "undelivered", "30003")
    (failure,) = events(service, "gd_send_sms_failure")
    assert failure["details"]["provider_error"] == {
        "errorCode": "30003",
        "message": "The recipient's handset was unreachable (off or out of coverage).",
    }
    assert failure["details"]["late"] is True and failure["details"]["test"] is True
    # Twilio repeating itself, or a late "sent", changes nothing and logs nothing more
    assert not service.record_twilio_status(form_of(cb), cb.signature).updated
    early = signed_callback(CALLBACK, params, DEFAULT_AUTH_TOKEN)
    assert not service.record_twilio_status(form_of(early), early.signature).updated
    assert len(events(service, "gd_send_sms_failure")) == 1
    assert messages_repo.get(service.store, sent.message_id).status == "undelivered"


def test_unanswered_call_is_a_late_voice_failure(service, fake, monkeypatch):
    from phonemfa.testing.twilio_server import signed_callback

    callback_ready(service, fake, monkeypatch)
    sent = service.send_twilio_test(TO, "voice", actor="t")
    cb = signed_callback(
        CALLBACK, {"CallSid": sent.sid, "CallStatus": "no-answer"}, DEFAULT_AUTH_TOKEN
    )
    assert service.record_twilio_status(form_of(cb), cb.signature).failure_logged
    row = messages_repo.get(service.store, sent.message_id)
    assert (row.state, row.status, row.error_code) == ("failed", "no-answer", "no-answer")
    (failure,) = events(service, "gd_send_voice_failure")
    assert failure["details"]["provider_error"]["message"] == "Nobody answered the call."


@pytest.mark.parametrize(
    "tamper",
    ["signature", "token", "url", "params", "missing"],
)
def test_unsigned_or_mis_signed_callbacks_are_refused(service, fake, monkeypatch, tamper):
    from phonemfa.testing.twilio_server import signed_callback

    callback_ready(service, fake, monkeypatch)
    sent = service.send_twilio_test(TO, "sms", actor="t")
    params = {"MessageSid": sent.sid, "MessageStatus": "failed", "ErrorCode": "30007"}
    token = "another-token" if tamper == "token" else DEFAULT_AUTH_TOKEN
    url = CALLBACK + "?x=1" if tamper == "url" else CALLBACK
    cb = signed_callback(url, params, token)
    form = form_of(cb)
    if tamper == "params":
        form["ErrorCode"] = ["30003"]
    signature = {"signature": "AAAA" + cb.signature[4:], "missing": None}.get(tamper, cb.signature)
    with pytest.raises(ForbiddenError):
        service.record_twilio_status(form, signature)
    assert messages_repo.get(service.store, sent.message_id).status == "queued"
    assert events(service, "gd_send_sms_failure") == []


def test_callbacks_are_refused_until_a_callback_url_is_configured(service, fake, monkeypatch):
    from phonemfa.testing.twilio_server import signed_callback

    configure(service, fake, monkeypatch)
    cb = signed_callback(
        CALLBACK, {"MessageSid": "SM1", "MessageStatus": "sent"}, DEFAULT_AUTH_TOKEN
    )
    with pytest.raises(ForbiddenError):
        service.record_twilio_status(form_of(cb), cb.signature)


def test_callback_for_an_unknown_sid_is_accepted_and_ignored(service, fake, monkeypatch):
    from phonemfa.testing.twilio_server import signed_callback

    callback_ready(service, fake, monkeypatch)
    cb = signed_callback(
        CALLBACK, {"MessageSid": "SM" + "0" * 32, "MessageStatus": "failed"}, DEFAULT_AUTH_TOKEN
    )
    update = service.record_twilio_status(form_of(cb), cb.signature)
    assert (update.known, update.updated) == (False, False)
