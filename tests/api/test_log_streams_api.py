"""/api/v2/log-streams in Auth0's shapes; the Authorization value never leaves in clear."""

import time

import httpx
import pytest

from phonemfa.testing.webhook_server import FakeWebhook

ALL = ("read:log_streams", "create:log_streams", "update:log_streams", "delete:log_streams")
SECRET = "Bearer siem-0123456789abcdef"
MASK = "\u2022" * 8 + "cdef"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def create(api, token, **overrides):
    body = {
        "name": "siem",
        "type": "http",
        "sink": {
            "httpEndpoint": "https://siem.example/ingest",
            "httpAuthorization": SECRET,
            "httpContentType": "application/json",
            "httpContentFormat": "JSONARRAY",
        },
        "filters": [{"type": "category", "name": "sent"}],
    }
    body.update(overrides)
    return api.post("/api/v2/log-streams", json=body, headers=auth(token))


def test_create_read_update_delete(api, make_token, service):
    token = make_token(*ALL)
    created = create(api, token)
    assert created.status_code == 200, created.text
    stream = created.json()
    assert stream["id"].startswith("lst_")
    assert stream == {
        "id": stream["id"],
        "name": "siem",
        "type": "http",
        "status": "active",
        "sink": {
            "httpEndpoint": "https://siem.example/ingest",
            "httpContentType": "application/json",
            "httpContentFormat": "JSONARRAY",
            "httpAuthorization": MASK,
        },
        "filters": [{"type": "category", "name": "sent"}],
    }
    assert api.get("/api/v2/log-streams", headers=auth(token)).json() == [stream]
    assert api.get(f"/api/v2/log-streams/{stream['id']}", headers=auth(token)).json() == stream

    paused = api.patch(
        f"/api/v2/log-streams/{stream['id']}",
        json={
            "status": "paused",
            "sink": {"httpAuthorization": MASK, "httpContentFormat": "JSONLINES"},
        },
        headers=auth(token),
    ).json()
    assert paused["status"] == "paused" and paused["sink"]["httpContentFormat"] == "JSONLINES"
    assert service.stream_authorization(stream["id"]) == SECRET  # the mask kept the secret

    rotated = api.patch(
        f"/api/v2/log-streams/{stream['id']}",
        json={"sink": {"httpAuthorization": "Bearer rotated-token-9999"}, "filters": []},
        headers=auth(token),
    ).json()
    assert rotated["sink"]["httpAuthorization"] == "\u2022" * 8 + "9999"
    assert rotated["filters"] == []
    assert service.stream_authorization(stream["id"]) == "Bearer rotated-token-9999"

    gone = api.delete(f"/api/v2/log-streams/{stream['id']}", headers=auth(token))
    assert gone.status_code == 204
    missing = api.get(f"/api/v2/log-streams/{stream['id']}", headers=auth(token))
    assert missing.status_code == 404
    assert missing.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The log stream does not exist.",
        "errorCode": "inexistent_log_stream",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"type": "eventbridge"}, "cannot be created over the API"),
        ({"type": "file"}, "cannot be created over the API"),
        ({"sink": {"httpEndpoint": "ftp://x"}}, "httpEndpoint must be an http"),
        ({"sink": {}}, "Missing required property: sink.httpEndpoint"),
        ({"sink": {"httpEndpoint": "https://x", "colour": 1}}, "Additional properties"),
        ({"sink": {"httpEndpoint": "https://x", "httpContentFormat": "XML"}}, "httpContentFormat"),
        (
            {"sink": {"httpEndpoint": "https://x", "httpAuthorization": "a\r\nX-Evil: 1"}},
            "single-line",
        ),
        ({"filters": [{"type": "category", "name": "auth.login.fail"}]}, "Unknown category"),
        ({"name": ""}, "name must be"),
        ({"name": 42}, "Expected type string"),
        ({"isPriority": True}, "isPriority"),
        ({"startFrom": "last tuesday"}, "startFrom"),
    ],
)
def test_bad_bodies_are_refused_and_create_nothing(api, make_token, service, overrides, message):
    response = create(api, make_token(*ALL), **overrides)
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert response.json()["errorCode"] == "invalid_body"
    assert service.list_streams() == []


def test_patch_refuses_suspended_and_duplicate_names(api, make_token):
    token = make_token(*ALL)
    first = create(api, token).json()
    create(api, token, name="other")
    bad_status = api.patch(
        f"/api/v2/log-streams/{first['id']}", json={"status": "suspended"}, headers=auth(token)
    )
    assert bad_status.status_code == 400 and "suspended is set by phonemfa" in bad_status.text
    duplicate = api.patch(
        f"/api/v2/log-streams/{first['id']}", json={"name": "other"}, headers=auth(token)
    )
    assert duplicate.status_code == 409
    assert create(api, token).status_code == 409


def test_each_verb_needs_its_scope(api, make_token):
    stream = create(api, make_token(*ALL)).json()
    read_only = make_token("read:log_streams")
    assert create(api, read_only).status_code == 403
    patch = api.patch(
        f"/api/v2/log-streams/{stream['id']}", json={"status": "paused"}, headers=auth(read_only)
    )
    assert patch.status_code == 403
    delete = api.delete(f"/api/v2/log-streams/{stream['id']}", headers=auth(read_only))
    assert delete.status_code == 403
    assert "delete:log_streams" in delete.json()["message"]
    assert api.get("/api/v2/log-streams", headers=auth(make_token("read:logs"))).status_code == 403


def test_the_api_server_delivers_streams_it_did_not_create(live_server, service):
    """`phonemfa api` runs the delivery loop: a stream created with auth0-python receives the
    events another process writes."""
    management = pytest.importorskip("auth0.management")
    token = live_server.cli("token", "create", *[f"--scope={s}" for s in ALL]).stdout.strip()
    client = management.Auth0(base_url=f"{live_server.base_url}/api/v2", token=token)
    with FakeWebhook() as hook:
        created = client.log_streams.create(
            request={
                "name": "siem",
                "type": "http",
                "sink": {
                    "httpEndpoint": hook.url,
                    "httpAuthorization": SECRET,
                    "httpContentFormat": "JSONLINES",
                    "httpContentType": "application/json",
                },
            }
        )
        assert created.status == "active"
        assert created.sink.http_authorization == MASK
        ids = [service.log_event("gd_send_sms", user_id="auth0|x") for _ in range(3)]
        deadline = time.monotonic() + 20
        while len(hook.records) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [r["data"]["type"] for r in hook.records] == ["gd_send_sms"] * 3
        assert hook.accepted[0].headers["authorization"] == SECRET
        listed = httpx.get(f"{live_server.base_url}/api/v2/log-streams", headers=auth(token)).json()
        assert listed[0]["sink"]["httpAuthorization"] == MASK
        assert len(ids) == 3
