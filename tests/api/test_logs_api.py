"""GET /api/v2/logs: Auth0's paging (page/per_page/include_totals, from/take) and `q` search."""

import pytest

from phonemfa.core.events import log_id_for
from phonemfa.testing.traffic import record_ip_block, record_send


@pytest.fixture
def traffic(service, clock):
    ids = []
    for n in range(12):
        ids.append(
            record_send(
                service,
                user_id="auth0|x" if n % 3 == 0 else f"auth0|u{n}",
                phone=f"+1415555{n:04d}",
                region="US",
                channel="voice" if n % 4 == 0 else "sms",
            )
        )
        clock.advance(60)
    ids.append(record_ip_block(service, ip="192.0.2.66"))
    return [log_id_for(i) for i in ids]


def get(api, token, **params):
    return api.get("/api/v2/logs", params=params, headers={"Authorization": f"Bearer {token}"})


def test_newest_first_with_totals(api, make_token, traffic):
    token = make_token("read:logs")
    page = get(api, token, page=1, per_page=5, include_totals="true").json()
    assert page["start"] == 5 and page["limit"] == 5 and page["length"] == 5
    assert page["total"] == 13
    assert [e["log_id"] for e in page["logs"]] == list(reversed(traffic))[5:10]
    plain = get(api, token, per_page=3).json()
    assert [e["log_id"] for e in plain] == list(reversed(traffic))[:3]
    assert plain[0]["type"] == "limit_mu" and plain[0]["ip"] == "192.0.2.66"
    oldest = get(api, token, per_page=2, sort="date:1").json()
    assert [e["log_id"] for e in oldest] == traffic[:2]


def test_query_on_type_and_user(api, make_token, traffic):
    token = make_token("read:logs")
    found = get(api, token, q='type:gd_send_sms AND user_id:"auth0|x"').json()
    assert {(e["type"], e["user_id"]) for e in found} == {("gd_send_sms", "auth0|x")}
    assert len(found) == 3  # n = 3, 6, 9 (n = 0 went by voice)
    either = get(api, token, q="type:(gd_send_voice OR limit_mu)", include_totals=True).json()
    assert either["total"] == 4
    assert (
        get(api, token, search="user_id:auth0\\|u*", per_page=100)
        .json()[0]["user_id"]
        .startswith("auth0|u")
    )
    none = get(api, token, q="type:gd_send_sms AND NOT user_id:auth0*").json()
    assert none == []


def test_checkpoint_paging_walks_everything_once(api, make_token, traffic):
    token = make_token("read:logs")
    seen, checkpoint = [], None
    while True:
        params = {"take": 5}
        if checkpoint:
            params["from"] = checkpoint
        batch = get(api, token, **params).json()
        if checkpoint is None:
            # Without a checkpoint: the newest `take`, oldest first. Start from the beginning.
            assert [e["log_id"] for e in batch] == traffic[-5:]
            checkpoint = "900000000000000000000000"
            continue
        if not batch:
            break
        seen += [e["log_id"] for e in batch]
        checkpoint = batch[-1]["log_id"]
    assert seen == traffic


def test_fields_projection_and_single_log(api, make_token, traffic):
    token = make_token("read:logs")
    [first] = get(api, token, per_page=1, fields="log_id,type").json()
    assert first == {"log_id": traffic[-1], "type": "limit_mu"}
    [trimmed] = get(api, token, per_page=1, fields="details", include_fields="false").json()
    assert "details" not in trimmed and "type" in trimmed
    one = api.get(f"/api/v2/logs/{traffic[0]}", headers={"Authorization": f"Bearer {token}"})
    assert (
        one.json()["details"]["phone_number"] == "+1\u2022\u2022\u2022\u2022\u2022\u2022\u20220000"
    )
    missing = api.get("/api/v2/logs/nope", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_log"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "colour:red"},
        {"q": 'type:"unterminated'},
        {"q": "type:a)"},
        {"q": "(type:a"},
        {"per_page": 101},
        {"per_page": 0},
        {"page": -1},
        {"take": 500},
        {"from": "abc"},
        {"sort": "type:1"},
        {"include_totals": "maybe"},
        {"q": "date:[yesterday TO now]"},
    ],
)
def test_bad_queries_are_400_invalid_query_string(api, make_token, traffic, params):
    response = get(api, make_token("read:logs"), **params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "invalid_query_string"
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"


def test_logs_need_the_read_logs_scope(api, make_token, traffic):
    assert api.get("/api/v2/logs").status_code == 401
    response = get(api, make_token("read:log_streams"))
    assert response.status_code == 403
    assert response.json()["message"] == "Insufficient scope, expected any of: read:logs"
