"""The MFA API in-process (same service, fake clock): bodies, ids, errors in the OAuth shape."""

import jwt
import pytest

from tests.engine.conftest import ALICE, BRUNO, last_code

OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code"


@pytest.fixture
def mfa_token(api, service, make_token):
    service.update_settings({"enabled": True, "message_types": ["sms"]}, actor="t")
    backend = {"Authorization": f"Bearer {make_token('create:mfa_tokens')}"}

    def issue(user_id="auth0|alice", ip="203.0.113.1"):
        response = api.post("/mfa/token", json={"user_id": user_id, "ip": ip}, headers=backend)
        assert response.status_code == 200, response.text
        assert response.json()["expires_in"] == 600
        return response.json()["mfa_token"]

    return issue


def associate(api, token, phone=ALICE, channel="sms", **headers):
    return api.post(
        "/mfa/associate",
        json={"authenticator_types": ["oob"], "oob_channels": [channel], "phone_number": phone},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_enroll_then_login_over_the_mfa_api(api, service, mfa_token):
    token = mfa_token()
    enrolled = associate(api, token)
    assert enrolled.status_code == 200
    body = enrolled.json()
    assert set(body) == {
        "authenticator_type",
        "binding_method",
        "oob_channel",
        "oob_code",
        "recovery_codes",
    }
    assert body["authenticator_type"] == "oob" and body["binding_method"] == "prompt"
    assert len(body["recovery_codes"][0]) == 24
    wrong = api.post(
        "/oauth/token",
        data={
            "grant_type": OOB,
            "mfa_token": token,
            "oob_code": body["oob_code"],
            "binding_code": "000000",
        },
    )
    if last_code(service, ALICE) != "000000":
        assert wrong.status_code == 403
        assert wrong.json() == {
            "error": "invalid_grant",
            "error_description": "Invalid binding_code.",
        }
    granted = api.post(
        "/oauth/token",
        data={
            "grant_type": OOB,
            "mfa_token": token,
            "oob_code": body["oob_code"],
            "binding_code": last_code(service, ALICE),
        },
    )
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 86400
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "auth0|alice" and claims["amr"] == ["mfa", "sms"]

    listed = api.get("/mfa/authenticators", headers={"Authorization": f"Bearer {token}"}).json()
    ids = [a["id"] for a in listed]
    assert ids[0].startswith("sms|dev_") and ids[1].startswith("voice|dev_")
    assert ids[2].startswith("recovery-code|dev_")
    assert listed[0]["name"] == "+1•••••••0123"

    login = mfa_token()  # the next login
    challenged = api.post(
        "/mfa/challenge",
        json={"challenge_type": "oob", "authenticator_id": ids[0], "mfa_token": login},
    )
    assert challenged.status_code == 200
    assert challenged.json()["challenge_type"] == "oob"
    assert challenged.json()["binding_method"] == "prompt"
    passed = api.post(
        "/oauth/token",
        json={
            "grant_type": OOB,
            "mfa_token": login,
            "oob_code": challenged.json()["oob_code"],
            "binding_code": last_code(service, ALICE),
        },
    )
    assert passed.status_code == 200
    reused = api.post(
        "/oauth/token",
        json={
            "grant_type": OOB,
            "mfa_token": login,
            "oob_code": challenged.json()["oob_code"],
            "binding_code": last_code(service, ALICE),
        },
    )
    assert reused.status_code == 403 and reused.json()["error"] == "invalid_grant"

    recovered = api.post(
        "/oauth/token",
        data={
            "grant_type": RECOVERY,
            "mfa_token": login,
            "recovery_code": body["recovery_codes"][0],
        },
    )
    assert recovered.status_code == 200
    assert recovered.json()["recovery_code"] != body["recovery_codes"][0]
    amr = jwt.decode(recovered.json()["access_token"], options={"verify_signature": False})["amr"]
    assert amr == ["mfa", "recovery-code"]

    deleted = api.delete(
        f"/mfa/authenticators/{ids[0]}", headers={"Authorization": f"Bearer {login}"}
    )
    assert deleted.status_code == 204
    assert api.get("/mfa/authenticators", headers={"Authorization": f"Bearer {login}"}).json() == []


def test_expired_oob_code_and_mfa_token(api, service, mfa_token, clock):
    token = mfa_token()
    oob = associate(api, token).json()["oob_code"]
    clock.advance(301)
    expired = api.post(
        "/oauth/token",
        data={
            "grant_type": OOB,
            "mfa_token": token,
            "oob_code": oob,
            "binding_code": last_code(service, ALICE),
        },
    )
    assert expired.status_code == 403
    assert expired.json() == {"error": "expired_token", "error_description": "oob_code is expired"}
    clock.advance(300)
    stale = associate(api, token)
    assert stale.status_code == 401 and stale.json()["error"] == "expired_token"


def test_language_header_picks_the_locale(api, service, mfa_token):
    service.update_settings(
        {
            "locales": ["en", "fr"],
            "enrollment_message": "{% if locale == 'fr' %}Code : {{code}}{% else %}Code: {{code}}{% endif %}",
        },
        actor="t",
    )
    associate(api, mfa_token(), BRUNO, **{"x-request-language": "fr-FR"})
    assert service.inbox(BRUNO)[-1].text.startswith("Code : ")


def test_too_many_sms_is_a_429_with_retry_after(api, service, mfa_token):
    service.update_settings({"limit_user_messages_burst": 1}, actor="t")
    token = mfa_token()
    assert associate(api, token).status_code == 200
    refused = associate(api, token)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "invalid_request",
        "error_description": "Too many SMS sent by the user. Wait for some minutes before retrying.",
    }
    assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        (
            "/mfa/associate",
            {"authenticator_types": ["otp"], "oob_channels": ["sms"], "phone_number": ALICE},
            400,
            "unsupported_challenge_type",
        ),
        (
            "/mfa/associate",
            {"authenticator_types": ["oob"], "oob_channels": ["email"], "phone_number": ALICE},
            400,
            "unsupported_challenge_type",
        ),
        (
            "/mfa/associate",
            {"authenticator_types": ["oob"], "oob_channels": ["sms"]},
            400,
            "invalid_request",
        ),
        (
            "/mfa/associate",
            {"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "12"},
            400,
            "invalid_phone_number",
        ),
        (
            "/mfa/associate",
            {"authenticator_types": ["oob"], "oob_channels": ["voice"], "phone_number": ALICE},
            403,
            "enrollment_method_disabled",
        ),
        (
            "/mfa/associate",
            {"authenticator_types": "oob", "oob_channels": [1], "phone_number": ALICE},
            400,
            "invalid_request",
        ),
        ("/mfa/associate", [1, 2], 400, "invalid_request"),
    ],
)
def test_associate_errors(api, mfa_token, path, body, status, error):
    response = api.post(path, json=body, headers={"Authorization": f"Bearer {mfa_token()}"})
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert set(response.json()) == {"error", "error_description"}


def test_bad_bodies_and_tokens_never_crash(api, mfa_token, make_token):
    token = mfa_token()
    cases = [
        api.post(
            "/oauth/token", content=b"\xff\xfe{", headers={"content-type": "application/json"}
        ),
        api.post("/oauth/token", data={"grant_type": "password"}),
        api.post(
            "/oauth/token",
            data={"grant_type": OOB, "mfa_token": "junk", "oob_code": "x", "binding_code": "1"},
        ),
        api.post(
            "/oauth/token",
            data={
                "grant_type": OOB,
                "mfa_token": token,
                "oob_code": "x" * 5000,
                "binding_code": "1",
            },
        ),
        api.post("/mfa/challenge", json={"mfa_token": token, "authenticator_id": "email|dev_1"}),
        api.post("/mfa/challenge", json={"mfa_token": token}),  # not enrolled
        api.post("/mfa/associate", json={}),
        api.get("/mfa/authenticators"),
        api.delete(
            "/mfa/authenticators/sms|dev_nope", headers={"Authorization": f"Bearer {token}"}
        ),
        api.post("/mfa/token", json={"user_id": "u"}, headers={"Authorization": f"Bearer {token}"}),
        api.post(
            "/mfa/token",
            json={"user_id": "u", "extra": 1},
            headers={"Authorization": f"Bearer {make_token('create:mfa_tokens')}"},
        ),
        api.post(
            "/mfa/token",
            json={"user_id": "u", "ip": "not-an-ip"},
            headers={"Authorization": f"Bearer {make_token('create:mfa_tokens')}"},
        ),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        assert set(response.json()) == {"error", "error_description"}, response.text


def test_tokens_cannot_stand_in_for_each_other(api, service, mfa_token, make_token):
    mfa = mfa_token()
    management = make_token("read:guardian_factors", "create:mfa_tokens")
    # An mfa_token is not a Management token...
    assert (
        api.get("/api/v2/guardian/factors", headers={"Authorization": f"Bearer {mfa}"}).status_code
        == 401
    )
    # ...nor is a Management token an mfa_token...
    wrong = api.post("/mfa/associate", json={}, headers={"Authorization": f"Bearer {management}"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_grant"
    # ...nor is an access token.
    access, _ = service.issue_access_token("auth0|alice", ["mfa", "sms"])
    assert (
        api.post("/mfa/challenge", json={"mfa_token": access}).json()["error_description"]
        == "Malformed mfa_token."
    )
    assert (
        api.get(
            "/api/v2/guardian/factors", headers={"Authorization": f"Bearer {access}"}
        ).status_code
        == 401
    )
    # A token signed with another key is refused.
    forged = jwt.encode(
        {**jwt.decode(mfa, options={"verify_signature": False}), "sub": "auth0|mallory"},
        "another-key-of-32-bytes-at-least!!",
        algorithm="HS256",
    )
    assert (
        api.get("/mfa/authenticators", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_blocked_ip_from_the_mfa_token(api, service, mfa_token):
    service.update_settings({"limit_ip_enroll_per_minute": 2}, actor="t")
    for n in range(2):
        assert associate(api, mfa_token(f"user{n}", ip="198.51.100.9")).status_code == 200
    blocked = associate(api, mfa_token("user2", ip="198.51.100.9"))
    assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_attempts"
    # The backend's own address (the HTTP client) is never what gets blocked.
    assert associate(api, mfa_token("user3", ip="198.51.100.10")).status_code == 200
