"""Security checks over HTTP: what the database files hold after real flows, tokens refused in
every forged, expired or revoked form, and constant-time comparisons on the checking paths.

(tests/engine/test_durability.py scans the files after service-level flows; this one drives a
real server with Twilio, Management and MFA tokens, and scans the .db, -wal and -shm files.)
"""

from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path

import httpx
import jwt
import pytest

from phonemfa import paths
from phonemfa.core import codes
from phonemfa.service import PhoneMfa
from phonemfa.store.crypto import SecretBox, load_or_create_key
from phonemfa.testing.twilio_server import FakeTwilio
from tests import twilio_support
from tests.conftest import LiveServer

OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
TO = "+14155552345"


def file_bytes(db: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()
    )


def test_no_secret_in_the_database_files_after_flows_over_http(tmp_path, monkeypatch):
    twilio_support.isolate_env(monkeypatch)
    auth_token = "twilio-auth-" + secrets.token_hex(16)
    fake = FakeTwilio({twilio_support.DEFAULT_ACCOUNT_SID: auth_token}).start()
    db = tmp_path / "secrets.db"
    service = PhoneMfa.open(db, demo=False)
    service.update_settings({"enabled": True, "otp_length": 8}, actor="t")  # no chance matches
    service.save_twilio_config(
        {"sid": fake.account_sid, "auth_token": auth_token, "from": twilio_support.FROM},
        actor="t",
    )
    service.update_settings({"provider": "twilio"}, actor="t")
    action_secret = "action-secret-" + secrets.token_hex(16)
    service.set_action_secret("WEBHOOK_TOKEN", action_secret, actor="t")
    management = service.create_token(["update:guardian_factors", "read:guardian_factors"])
    backend = service.create_token(["create:mfa_tokens"])
    service.close()
    server = LiveServer(db, env={"PHONEMFA_TWILIO_BASE_URL": fake.base_url}).start()
    clear: list[str] = [auth_token, action_secret, management, backend]
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            second_token = "twilio-auth-" + secrets.token_hex(16)
            put = client.put(
                "/api/v2/guardian/factors/phone/providers/twilio",
                json={"auth_token": second_token, "sid": fake.account_sid},
                headers={"Authorization": f"Bearer {management}"},
            )
            assert put.status_code == 200 and second_token not in put.text
            put = client.put(  # back to the token the fake account knows
                "/api/v2/guardian/factors/phone/providers/twilio",
                json={"auth_token": auth_token},
                headers={"Authorization": f"Bearer {management}"},
            )
            assert put.status_code == 200
            clear.append(second_token)

            def mfa_token() -> str:
                token = client.post(
                    "/mfa/token",
                    json={"user_id": "auth0|sec"},
                    headers={"Authorization": f"Bearer {backend}"},
                ).json()["mfa_token"]
                clear.append(token)
                return token

            def sms_code() -> str:
                code = fake.messages[-1]["body"].split()[0]
                clear.append(code)
                return code

            token = mfa_token()
            associated = client.post(
                "/mfa/associate",
                json={"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": TO},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            clear.append(associated["recovery_codes"][0])
            grant = {"grant_type": OOB, "mfa_token": token, "oob_code": associated["oob_code"]}
            granted = client.post("/oauth/token", data={**grant, "binding_code": sms_code()})
            clear.append(granted.json()["access_token"])
            token = mfa_token()
            challenged = client.post("/mfa/challenge", data={"mfa_token": token}).json()
            grant = {"grant_type": OOB, "mfa_token": token, "oob_code": challenged["oob_code"]}
            granted = client.post("/oauth/token", data={**grant, "binding_code": sms_code()})
            assert granted.status_code == 200
            clear.append(granted.json()["access_token"])
            recovered = client.post(
                "/oauth/token",
                data={
                    "grant_type": RECOVERY,
                    "mfa_token": mfa_token(),
                    "recovery_code": associated["recovery_codes"][0],
                },
            ).json()
            clear += [recovered["recovery_code"], recovered["access_token"]]
        while_running = file_bytes(db)
    finally:
        server.stop()
        fake.stop()
    check = PhoneMfa.open(db, demo=False)
    row = check.store.query("SELECT secret FROM enrollments")[0]
    clear.append(check.box.decrypt(row["secret"]))  # the HOTP secret itself
    check.close()
    for blob in (while_running, file_bytes(db)):
        assert len(blob) > 10_000
        for value in clear:
            for encoding in ("utf-8", "utf-16-le"):
                assert value.encode(encoding) not in blob, value
    assert TO[-4:].encode() in while_running  # the scan does see what is there


# -- tokens over HTTP -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("tokens") / "tokens.db"
    service = PhoneMfa.open(db, demo=False)
    service.update_settings({"enabled": True}, actor="t")
    good = service.create_token(["read:guardian_factors", "create:mfa_tokens"])
    revoked = service.create_token(["read:guardian_factors", "create:mfa_tokens"])
    service.revoke_token(jwt.decode(revoked, options={"verify_signature": False})["jti"])
    box = SecretBox(load_or_create_key(paths.key_path_for(db)))
    service.close()
    server = LiveServer(db).start()
    yield server, box, good, revoked
    server.stop()


def forged(box: SecretBox, claims: dict, how: str) -> str:
    if how == "wrong key":
        return jwt.encode(claims, "not-the-instance-key-" * 2, algorithm="HS256")
    if how == "alg none":
        return jwt.encode(claims, None, algorithm="none")
    if how == "other alg":
        return jwt.encode(claims, box.signing_key, algorithm="HS512")
    if how == "tampered":
        token = jwt.encode(claims, box.signing_key, algorithm="HS256")
        head, body, sig = token.split(".")
        richer = jwt.utils.base64url_encode(
            jwt.utils.base64url_decode(body).replace(b'"sub"', b'"sub" ', 1)
        ).decode()
        return f"{head}.{richer}.{sig}"
    return jwt.encode(claims, box.signing_key, algorithm="HS256")  # well signed


FORGERIES = ["wrong key", "alg none", "other alg", "tampered", "expired", "revoked"]
# HS512 with our 32-byte key is what a forger would try; PyJWT warns while encoding it.
pytestmark = pytest.mark.filterwarnings("ignore:The HMAC key is:UserWarning")


@pytest.mark.parametrize("how", FORGERIES)
def test_management_tokens_refused(token_server, how):
    server, box, good, revoked = token_server
    now = int(time.time())
    claims = {
        "iss": "phonemfa",
        "sub": "operator",
        "scope": "read:guardian_factors",
        "iat": now,
        "exp": now - 5 if how == "expired" else now + 600,
        "jti": secrets.token_hex(16),
    }
    token = revoked if how == "revoked" else forged(box, claims, how)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        refused = client.get("/api/v2/guardian/factors", headers=headers)
        assert refused.status_code == 401, (how, refused.text)
        body = refused.json()
        assert body["statusCode"] == 401 and body["errorCode"] == "invalid_token"
        assert set(body) == {"statusCode", "error", "message", "errorCode"}
        good_one = client.get(
            "/api/v2/guardian/factors", headers={"Authorization": f"Bearer {good}"}
        )
        assert good_one.status_code == 200  # the same request with the real token passes


@pytest.mark.parametrize("how", FORGERIES[:-1])
def test_mfa_tokens_refused(token_server, how):
    server, box, good, _ = token_server
    now = int(time.time())
    claims = {
        "iss": "phonemfa",
        "aud": "phonemfa:mfa",
        "typ": "mfa_token",
        "sub": "auth0|victim",
        "iat": now,
        "exp": now - 5 if how == "expired" else now + 600,
        "jti": secrets.token_hex(8),
    }
    token = forged(box, claims, how)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        refused = client.post("/mfa/challenge", data={"mfa_token": token})
        assert refused.status_code == 401, (how, refused.text)
        body = refused.json()
        assert set(body) == {"error", "error_description"}
        assert body["error"] == ("expired_token" if how == "expired" else "invalid_grant")
        listed = client.get("/mfa/authenticators", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 401
        # A Management token is not an mfa_token, nor the other way round.
        assert client.post("/mfa/challenge", data={"mfa_token": good}).status_code == 401
        real = client.post(
            "/mfa/token",
            json={"user_id": "auth0|victim"},
            headers={"Authorization": f"Bearer {good}"},
        ).json()["mfa_token"]
        as_management = client.get(
            "/api/v2/guardian/factors", headers={"Authorization": f"Bearer {real}"}
        )
        assert as_management.status_code == 401


# -- constant-time comparisons ----------------------------------------------------------------------


def test_codes_and_hashes_are_compared_with_compare_digest(service, clock, monkeypatch):
    """The checking paths hand both values to hmac.compare_digest (no == on secrets)."""
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    service.update_settings({"enabled": True}, actor="t")
    sent = service.start_enrollment("auth0|ct", "+14155550199")
    code = service.inbox("+14155550199")[-1].text.split()[0]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(Exception):
        service.verify(sent.transaction_id, wrong)
    assert (code.encode(), wrong.encode()) in seen  # the wrong code: compared, not ==
    service.verify(sent.transaction_id, code)
    assert (code.encode(), code.encode()) in seen
    seen.clear()
    with pytest.raises(Exception):
        service.use_recovery_code("auth0|ct", "A" * 24)
    assert seen and all(len(a) == len(b) == 64 for a, b in seen)  # HMAC-SHA256 hex digests
    seen.clear()
    service.use_recovery_code("auth0|ct", sent.recovery_code)
    expected = codes.hash_recovery_code(service.box.hash_key, sent.recovery_code).encode()
    assert (expected, expected) in seen
    seen.clear()
    service.verify_token(service.create_token(["read:logs"]))
    assert seen  # PyJWT checks the HS256 signature with compare_digest too
