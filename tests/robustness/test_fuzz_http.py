"""Hypothesis over what a backend forwards from its users to the MFA API: phone numbers and codes.

Whatever the text, the answer is a success or a 4xx in the OAuth shape (never a 500), and a code
is accepted only when it is the code. In-process API (same service, fake clock) to keep it fast;
the real server is fuzzed by test_fuzz_api.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.robustness.test_fuzz_engine import CODE_TEXT, expected_code

OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
OAUTH_SHAPE = {"error", "error_description"}
PHONE_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\+?[0-9 ()\-.]{0,20}", fullmatch=True),
    st.sampled_from(["+14155550123", "+33612345678", "+1 900 555 0123", "+44 20 7946 0000"]),
)


@pytest.fixture
def backend(api, service, make_token):
    service.update_settings(
        {"enabled": True, "message_types": ["sms"], "limit_user_messages_burst": 10_000},
        actor="t",
    )
    headers = {"Authorization": f"Bearer {make_token('create:mfa_tokens')}"}

    def mfa_token(user: str) -> str:
        return api.post("/mfa/token", json={"user_id": user}, headers=headers).json()["mfa_token"]

    return mfa_token


def assert_clean(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == OAUTH_SHAPE, response.text


@given(phone=PHONE_TEXT)
def test_any_phone_number_text_over_http(api, service, backend, phone):
    service.reset_user_limits("auth0|ph", actor="t")
    for row in service.list_enrollments("auth0|ph"):
        service.delete_enrollment(row.id, actor="t")
    response = api.post(
        "/mfa/associate",
        json={"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": phone},
        headers={"Authorization": f"Bearer {backend('auth0|ph')}"},
    )
    assert_clean(response)
    if response.status_code == 200:
        assert response.json()["oob_code"]
    else:
        refusals = ("invalid_request", "invalid_phone_number", "phone_number_not_allowed")
        assert response.json()["error"] in refusals, response.text


@given(typed=CODE_TEXT, right=st.booleans())
def test_any_binding_code_over_http(api, service, backend, typed, right):
    if not service.list_enrollments("auth0|cd"):
        sent = service.start_enrollment("auth0|cd", "+33650000002")
        service.verify(sent.transaction_id, expected_code(service, sent.transaction_id))
    service.reset_user_limits("auth0|cd", actor="t")
    token = backend("auth0|cd")
    challenged = api.post("/mfa/challenge", data={"mfa_token": token}).json()
    code = expected_code(service, challenged["oob_code"])
    typed = code if right else typed
    response = api.post(
        "/oauth/token",
        data={
            "grant_type": OOB,
            "mfa_token": token,
            "oob_code": challenged["oob_code"],
            "binding_code": typed,
        },
    )
    assert_clean(response)
    assert (response.status_code == 200) == (typed == code), (typed, code, response.text)
