"""A real `phonemfa api` process on a free loopback port, driven like the seed's curl."""

import shutil
import subprocess

import httpx
import pytest


def test_seed_curl_against_a_real_server(live_server, db_path):
    token = live_server.cli("token", "create", "--scope", "update:guardian_factors").stdout.strip()
    assert token.count(".") == 2  # a JWT alone on stdout
    url = f"{live_server.base_url}/api/v2/guardian/factors/phone/message-types"
    if shutil.which("curl"):
        out = subprocess.run(
            [
                "curl",
                "-s",
                "--request",
                "PUT",
                "--url",
                url,
                "--header",
                f"authorization: Bearer {token}",
                "--header",
                "content-type: application/json",
                "--data",
                '{ "message_types": ["sms", "voice"] }',
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.stdout == '{"message_types":["sms","voice"]}'
    else:  # pragma: no cover
        response = httpx.put(
            url,
            headers={"authorization": f"Bearer {token}"},
            json={"message_types": ["sms", "voice"]},
        )
        assert response.json() == {"message_types": ["sms", "voice"]}
    shown = live_server.cli("settings", "show")
    assert '"voice"' in shown.stdout


def test_real_server_errors_keep_the_shape(live_server):
    token = live_server.cli("token", "create", "--scope", "read:guardian_factors").stdout.strip()
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        assert client.get("/api/v2/guardian/factors").status_code == 401
        forbidden = client.put(
            "/api/v2/guardian/factors/sms",
            json={"enabled": True},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["errorCode"] == "insufficient_scope"
        garbage = client.put(
            "/api/v2/guardian/factors/sms",
            content=b"\xff\xfe{",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert garbage.status_code in (400, 403)


def test_revoked_token_is_refused_by_the_server(live_server):
    import jwt

    token = live_server.cli("token", "create", "--scope", "read:guardian_factors").stdout.strip()
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        assert (
            client.get(
                "/api/v2/guardian/factors", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 200
        )
        assert live_server.cli("token", "revoke", jti).returncode == 0
        assert (
            client.get(
                "/api/v2/guardian/factors", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 401
        )


def test_auth0_python_sdk_against_the_server(live_server):
    """The tool people already use (auth0-python 6.x) works unchanged against phonemfa."""
    management = pytest.importorskip("auth0.management")
    token = live_server.cli(
        "token", "create", "--scope", "read:guardian_factors", "--scope", "update:guardian_factors"
    ).stdout.strip()
    client = management.Auth0(base_url=f"{live_server.base_url}/api/v2", token=token)
    factors = client.guardian.factors
    assert factors.set("sms", enabled=True).enabled is True
    assert factors.list()[0].name == "sms" and factors.list()[0].enabled is True
    assert factors.phone.set_provider(provider="twilio").provider == "twilio"
    assert factors.phone.get_selected_provider().provider == "twilio"
    assert factors.phone.set_message_types(message_types=["sms", "voice"]).message_types == [
        "sms",
        "voice",
    ]
    assert factors.phone.get_message_types().message_types == ["sms", "voice"]
    assert factors.phone.set(otp_length=8, otp_expiration_time=600).otp_length == 8
