"""GET/PUT the Twilio provider (Auth0's shape, token masked) and POST /twilio/status."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from phonemfa.store import messages_repo
from phonemfa.testing.twilio_server import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    signed_callback,
)
from tests.twilio_support import FROM, SERVICE_SID, TO, configure, new_fake

PATHS = [
    "/api/v2/guardian/factors/phone/providers/twilio",
    "/api/v2/guardian/factors/sms/providers/twilio",
]
TOKEN = "f00dfeedf00dfeedf00dfeedf00d9a3b"
STATUS_URL = "http://testserver/twilio/status"


pytestmark = pytest.mark.usefixtures("twilio_isolated")


@pytest.fixture
def headers(make_token) -> dict[str, str]:
    token = make_token("read:guardian_factors", "update:guardian_factors")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", PATHS)
def test_put_then_get_masks_the_token(api, headers, path):
    body = {
        "from": FROM,
        "messaging_service_sid": None,
        "auth_token": TOKEN,
        "sid": DEFAULT_ACCOUNT_SID,
    }
    put = api.put(path, json=body, headers=headers)
    assert put.status_code == 200, put.text
    expected = {**body, "auth_token": "••••••••9a3b"}
    assert put.json() == expected
    assert api.get(path, headers=headers).json() == expected
    assert TOKEN not in api.get(path, headers=headers).text


def test_empty_configuration_reads_as_nulls(api, headers):
    assert api.get(PATHS[0], headers=headers).json() == {
        "from": None,
        "messaging_service_sid": None,
        "auth_token": None,
        "sid": None,
    }


def test_partial_put_keeps_the_rest_and_mask_keeps_the_token(api, headers, service):
    api.put(PATHS[0], json={"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN}, headers=headers)
    shown = api.get(PATHS[0], headers=headers).json()
    again = api.put(PATHS[0], json=shown | {"from": FROM}, headers=headers)  # a GET-edit-PUT loop
    assert again.status_code == 200
    assert again.json()["sid"] == DEFAULT_ACCOUNT_SID and again.json()["from"] == FROM
    assert service.twilio_provider().account.auth_token == TOKEN


def test_messaging_service_sets_the_sms_source(api, headers, service):
    api.put(PATHS[0], json={"messaging_service_sid": SERVICE_SID, "from": FROM}, headers=headers)
    assert service.twilio_config().sms_source == "messaging_service"
    api.put(PATHS[0], json={"messaging_service_sid": None}, headers=headers)
    assert service.twilio_config().sms_source == "from"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sid": "AC123"}, "sid"),
        ({"sid": "SK" + "a" * 32}, "sid"),
        ({"from": "+1 415 555"}, "from"),
        ({"from": "hello"}, "from"),
        ({"messaging_service_sid": "MG"}, "messaging_service_sid"),
        ({"auth_token": "two words"}, "auth_token"),
        ({"auth_token": 12345}, "auth_token"),
        ({"sid": True}, "sid"),
        ({"from_": FROM}, "from_"),
        ({"region": "us1"}, "region"),
    ],
)
def test_bad_bodies_are_400_invalid_body_naming_the_field(api, headers, service, body, field):
    response = api.put(PATHS[0], json=body, headers=headers)
    assert response.status_code == 400
    error = response.json()
    assert error["errorCode"] == "invalid_body" and error["statusCode"] == 400
    assert error["message"].startswith("Payload validation error")
    assert field in error["message"]
    assert service.twilio_config().sid is None


def test_not_json_is_400(api, headers):
    response = api.put(PATHS[0], content=b"sid=AC1", headers=headers)
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body"


def test_voice_enabled_without_from_is_refused(api, headers, service):
    service.update_settings({"provider": "twilio", "message_types": ["voice"]}, actor="t")
    response = api.put(
        PATHS[0], json={"sid": DEFAULT_ACCOUNT_SID, "auth_token": TOKEN}, headers=headers
    )
    assert response.status_code == 400 and "from is required" in response.json()["message"]


def test_scopes_are_enforced(api, make_token):
    reader = {"Authorization": f"Bearer {make_token('read:guardian_factors')}"}
    assert api.get(PATHS[0]).status_code == 401
    assert api.get(PATHS[0], headers=reader).status_code == 200
    refused = api.put(PATHS[0], json={"sid": DEFAULT_ACCOUNT_SID}, headers=reader)
    assert refused.status_code == 403 and refused.json()["errorCode"] == "insufficient_scope"


def test_openapi_lists_the_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert paths[PATHS[1]]["put"]["deprecated"] is True
    assert "/twilio/status" in paths


# -- status callbacks -------------------------------------------------------------------------------
def test_status_callback_signed_is_204_and_updates_the_row(api, service, fake, monkeypatch):
    configure(service, fake, monkeypatch, callback_url=STATUS_URL)
    sent = service.send_twilio_test(TO, "sms", actor="t")
    cb = signed_callback(
        STATUS_URL,
        {"MessageSid": sent.sid, "MessageStatus": "undelivered", "ErrorCode": "30006"},
        DEFAULT_AUTH_TOKEN,
    )
    response = api.post("/twilio/status", content=cb.body, headers=cb.headers)
    assert response.status_code == 204
    row = messages_repo.get(service.store, sent.message_id)
    assert (row.status, row.error_code) == ("undelivered", "30006")


def test_status_callback_with_a_bad_signature_is_403(api, service, fake, monkeypatch):
    configure(service, fake, monkeypatch, callback_url=STATUS_URL)
    sent = service.send_twilio_test(TO, "sms", actor="t")
    cb = signed_callback(STATUS_URL, {"MessageSid": sent.sid, "MessageStatus": "failed"}, "nope")
    response = api.post("/twilio/status", content=cb.body, headers=cb.headers)
    assert response.status_code == 403 and response.json()["errorCode"] == "invalid_signature"
    unsigned = api.post(
        "/twilio/status", content=cb.body, headers={"Content-Type": cb.headers["Content-Type"]}
    )
    assert unsigned.status_code == 403
    garbage = api.post("/twilio/status", content=b"\xff\xfe%%%", headers=cb.headers)
    assert garbage.status_code == 403
    assert messages_repo.get(service.store, sent.message_id).status == "queued"


def test_status_callback_without_configuration_is_403(api):
    response = api.post("/twilio/status", content=b"MessageSid=SM1&MessageStatus=sent")
    assert response.status_code == 403


# -- a real server process, Twilio calling back ----------------------------------------------------
def test_live_server_receives_twilios_callbacks(live_server, service, monkeypatch):
    """FakeTwilio posts signed status callbacks to a real `phonemfa api` process on loopback."""
    with new_fake(auto_callbacks=True) as fake:
        fake.auto_callback_delay = 0.01
        fake.carrier_errors["+14155550199"] = 30005
        configure(service, fake, monkeypatch, callback_url=f"{live_server.base_url}/twilio/status")
        delivered = service.send_twilio_test(TO, "sms", actor="t")
        lost = service.send_twilio_test("+14155550199", "sms", actor="t")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(fake.callbacks) < 4:
            time.sleep(0.05)
    assert [c.status_code for c in fake.callbacks] == [204] * 4
    assert messages_repo.get(service.store, delivered.message_id).status == "delivered"
    row = messages_repo.get(service.store, lost.message_id)
    assert (row.state, row.status, row.error_code) == ("failed", "undelivered", "30005")
    failures = service.store.query("SELECT details FROM events WHERE type = 'gd_send_sms_failure'")
    assert [json.loads(f["details"])["provider_error"]["errorCode"] for f in failures] == ["30005"]


def test_auth0_python_sets_the_twilio_provider(live_server):
    management = pytest.importorskip("auth0.management")
    token = live_server.cli(
        "token", "create", "--scope", "read:guardian_factors", "--scope", "update:guardian_factors"
    ).stdout.strip()
    client = management.Auth0(base_url=f"{live_server.base_url}/api/v2", token=token)
    phone = client.guardian.factors.phone
    saved = phone.set_twilio_provider(from_=FROM, auth_token=TOKEN, sid=DEFAULT_ACCOUNT_SID)
    assert saved.sid == DEFAULT_ACCOUNT_SID and saved.from_ == FROM
    assert phone.get_twilio_provider().auth_token == "••••••••9a3b"
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        shown = http.get(PATHS[1], headers={"Authorization": f"Bearer {token}"}).json()
    assert shown["auth_token"] == "••••••••9a3b"
