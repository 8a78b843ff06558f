"""Management API for the factor settings, in-process (same service and fake clock)."""

import pytest

from phonemfa.store import events_repo

RW = ("read:guardian_factors", "update:guardian_factors")


@pytest.fixture
def auth(make_token):
    return {"Authorization": f"Bearer {make_token(*RW)}"}


def test_seed_put_message_types(api, auth, service):
    response = api.put(
        "/api/v2/guardian/factors/phone/message-types",
        headers={**auth, "content-type": "application/json"},
        content='{ "message_types": ["sms", "voice"] }',
    )
    assert response.status_code == 200
    assert response.json() == {"message_types": ["sms", "voice"]}
    assert service.factor_settings().message_types == ("sms", "voice")
    event = events_repo.search(service.store, types=["gd_tenant_update"])[0]
    assert event.details["actor"].startswith("api:operator:")


def test_recorded_terraform_exchanges(api, auth):
    assert api.put("/api/v2/guardian/factors/sms", headers=auth, json={"enabled": True}).json() == {
        "enabled": True
    }
    assert api.put(
        "/api/v2/guardian/factors/phone/selected-provider",
        headers=auth,
        json={"provider": "phone-message-hook"},
    ).json() == {"provider": "phone-message-hook"}
    assert api.put(
        "/api/v2/guardian/factors/phone/message-types",
        headers=auth,
        json={"message_types": ["sms"]},
    ).json() == {"message_types": ["sms"]}
    listed = api.get("/api/v2/guardian/factors", headers=auth).json()
    assert listed[0] == {"name": "sms", "enabled": True, "trial_expired": False}
    assert {f["name"] for f in listed} >= {"otp", "push-notification", "recovery-code"}
    assert all(not f["enabled"] for f in listed[1:])


def test_deprecated_sms_alias(api, auth):
    api.put(
        "/api/v2/guardian/factors/sms/selected-provider", headers=auth, json={"provider": "twilio"}
    )
    assert api.get("/api/v2/guardian/factors/phone/selected-provider", headers=auth).json() == {
        "provider": "twilio"
    }
    assert api.get("/api/v2/guardian/factors/sms/selected-provider", headers=auth).json() == {
        "provider": "twilio"
    }


def test_phone_settings(api, auth):
    assert api.get("/api/v2/guardian/factors/phone/settings", headers=auth).json() == {
        "otp_length": 6,
        "otp_expiration_time": 300,
    }
    assert api.put(
        "/api/v2/guardian/factors/phone/settings", headers=auth, json={"otp_length": 8}
    ).json() == {"otp_length": 8, "otp_expiration_time": 300}


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        (
            "/phone/message-types",
            {"message_types": ["sms"], "x": 1},
            "Additional properties not allowed: x",
        ),
        ("/phone/message-types", {"message_types": "sms"}, "Expected type array"),
        ("/phone/message-types", {"message_types": []}, "at least one"),
        ("/phone/message-types", {"message_types": ["sms", "sms"]}, "repeat"),
        ("/phone/message-types", {}, "Missing required property: message_types"),
        ("/phone/selected-provider", {"provider": "nexmo"}, "provider must be one of"),
        ("/phone/settings", {"otp_length": 11}, "between 4 and 10"),
        ("/phone/settings", {"otp_length": "6"}, "Expected type integer"),
        ("/sms", {"enabled": "yes"}, "Expected type boolean"),
        ("/sms", {"enabled": True, "x": 1}, "Additional properties"),
        ("/sms", [1], "Expected type object"),
    ],
)
def test_bad_bodies_are_400_invalid_body_and_change_nothing(api, auth, service, path, body, words):
    before = service.settings_values()
    response = api.put(f"/api/v2/guardian/factors{path}", headers=auth, json=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["statusCode"] == 400 and payload["error"] == "Bad Request"
    assert payload["errorCode"] == "invalid_body"
    assert words in payload["message"]
    assert service.settings_values() == before


def test_malformed_json(api, auth):
    response = api.put(
        "/api/v2/guardian/factors/phone/message-types", headers=auth, content=b'{"message_types": ['
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Payload validation error: 'Invalid JSON body'."


def test_form_encoded_curl_body_is_read_as_json(api, auth):
    response = api.put(
        "/api/v2/guardian/factors/phone/message-types",
        headers={**auth, "content-type": "application/x-www-form-urlencoded"},
        content=b'{"message_types":["voice"]}',
    )
    assert response.json() == {"message_types": ["voice"]}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc"])
def test_missing_or_invalid_token_is_401(api, header):
    headers = {"Authorization": header} if header else {}
    response = api.get("/api/v2/guardian/factors", headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "invalid_token"
    assert set(response.json()) == {"statusCode", "error", "message", "errorCode"}


def test_expired_token_is_401(api, make_token, clock):
    token = make_token("read:guardian_factors", ttl=10)
    clock.advance(11)
    response = api.get("/api/v2/guardian/factors", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_missing_scope_is_403_naming_it(api, make_token):
    token = make_token("read:guardian_factors")
    response = api.put(
        "/api/v2/guardian/factors/phone/message-types",
        headers={"Authorization": f"Bearer {token}"},
        json={"message_types": ["sms"]},
    )
    assert response.status_code == 403
    assert response.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "errorCode": "insufficient_scope",
        "message": "Insufficient scope, expected any of: update:guardian_factors",
    }


def test_other_factors_refuse_enabling(api, auth):
    response = api.put("/api/v2/guardian/factors/otp", headers=auth, json={"enabled": True})
    assert response.status_code == 403
    assert "only the Phone Message factor" in response.json()["message"]
    assert (
        api.put("/api/v2/guardian/factors/otp", headers=auth, json={"enabled": False}).status_code
        == 200
    )
    missing = api.put("/api/v2/guardian/factors/nope", headers=auth, json={"enabled": True})
    assert missing.status_code == 404
    assert missing.json()["message"] == "The nope factor does not exist."


def test_unknown_route_and_method_keep_the_shape(api):
    assert api.get("/api/v2/nothing").json()["statusCode"] == 404
    assert api.delete("/api/v2/guardian/factors").json()["statusCode"] == 405


def test_openapi_describes_the_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert "/api/v2/guardian/factors/phone/message-types" in paths
    assert paths["/api/v2/guardian/factors/sms/selected-provider"]["put"]["deprecated"] is True
