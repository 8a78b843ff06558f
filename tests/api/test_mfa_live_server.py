"""The MFA API end to end against a real `phonemfa api` process, as a backend would use it."""

import json
import shutil
import subprocess

import httpx
import pytest

OOB = "http://auth0.com/oauth/grant-type/mfa-oob"


def code_from_inbox(server, phone):
    out = server.cli("inbox", "--phone", phone)
    assert out.returncode == 0, out.stderr
    text = json.loads(out.stdout.splitlines()[-1])["text"]
    return text.split()[0]


def test_backend_enrolls_and_challenges_over_http(live_server):
    assert live_server.cli("settings", "set", "enabled", "true").returncode == 0
    backend = live_server.cli(
        "token", "create", "--scope", "create:mfa_tokens", "--scope", "read:users"
    ).stdout.strip()
    phone = "+33612345678"
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        issued = client.post(
            "/mfa/token",
            json={"user_id": "auth0|bruno", "ip": "203.0.113.7", "user_agent": "Firefox"},
            headers={"Authorization": f"Bearer {backend}"},
        )
        assert issued.status_code == 200, issued.text
        mfa_token = issued.json()["mfa_token"]
        if shutil.which("curl"):  # the README's curl, verbatim in shape
            out = subprocess.run(
                [
                    "curl", "-s", "--request", "POST",
                    "--url", f"{live_server.base_url}/mfa/associate",
                    "--header", f"authorization: Bearer {mfa_token}",
                    "--header", "content-type: application/json",
                    "--data", json.dumps(
                        {"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": phone}
                    ),
                ],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            association = json.loads(out.stdout)
        else:  # pragma: no cover
            association = client.post(
                "/mfa/associate",
                json={
                    "authenticator_types": ["oob"],
                    "oob_channels": ["sms"],
                    "phone_number": phone,
                },
                headers={"Authorization": f"Bearer {mfa_token}"},
            ).json()
        assert association["oob_channel"] == "sms" and association["recovery_codes"]
        confirmed = client.post(
            "/oauth/token",
            data={
                "grant_type": OOB,
                "mfa_token": mfa_token,
                "oob_code": association["oob_code"],
                "binding_code": code_from_inbox(live_server, phone),
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["token_type"] == "Bearer"

        enrollments = client.get(
            "/api/v2/users/auth0%7Cbruno/enrollments",
            headers={"Authorization": f"Bearer {backend}"},
        ).json()
        assert enrollments[0]["status"] == "confirmed"

        login = client.post(
            "/mfa/token",
            json={"user_id": "auth0|bruno", "ip": "203.0.113.7"},
            headers={"Authorization": f"Bearer {backend}"},
        ).json()["mfa_token"]
        authenticators = client.get(
            "/mfa/authenticators", headers={"Authorization": f"Bearer {login}"}
        ).json()
        challenged = client.post(
            "/mfa/challenge",
            data={
                "challenge_type": "oob",
                "authenticator_id": authenticators[0]["id"],
                "mfa_token": login,
            },
        ).json()
        wrong = client.post(
            "/oauth/token",
            data={
                "grant_type": OOB,
                "mfa_token": login,
                "oob_code": challenged["oob_code"],
                "binding_code": "12345x",
            },
        )
        assert wrong.status_code == 403 and wrong.json()["error"] == "invalid_grant"
        passed = client.post(
            "/oauth/token",
            data={
                "grant_type": OOB,
                "mfa_token": login,
                "oob_code": challenged["oob_code"],
                "binding_code": code_from_inbox(live_server, phone),
            },
        )
        assert passed.status_code == 200
    # Every step is in the log, with the number masked.
    from phonemfa.service import PhoneMfa

    seen = PhoneMfa.open(live_server.db, demo=False)
    try:
        rows = seen.store.query(
            "SELECT type, details FROM events WHERE type LIKE 'gd_%' ORDER BY id"
        )
    finally:
        seen.close()
    types = [r["type"] for r in rows]
    for expected in (
        "gd_start_enroll",
        "gd_send_sms",
        "gd_enrollment_complete",
        "gd_start_auth",
        "gd_auth_failed",
        "gd_auth_succeed",
    ):
        assert expected in types
    assert all(phone not in r["details"] for r in rows)


@pytest.mark.parametrize("path", ["/mfa/associate", "/mfa/challenge", "/oauth/token"])
def test_garbage_never_gets_a_500(live_server, path):
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        for body in (b"", b"{", b"\x00\xff", b"[]", b"a=1&a=2&a=3", b'{"mfa_token": 5}'):
            response = client.post(path, content=body)
            assert 400 <= response.status_code < 500, (body, response.text)
            assert "error" in response.json()
