"""Helpers and fixtures for tests that send through the loopback FakeTwilio.

Loaded as a plugin by tests/conftest.py: a module opts in with
`pytestmark = pytest.mark.usefixtures("twilio_isolated")` and takes `fake` as an argument.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from phonemfa.testing.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

API_KEY = "SK" + "c" * 32
API_KEY_SECRET = "api-key-secret-value"
SERVICE_SID = "MG" + "d" * 32
FROM = "+15005550006"  # the test credentials' passing From
TO = "+14155552345"
ISOLATING = ("TWILIO_EDGE", "TWILIO_REGION", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def isolate_env(monkeypatch) -> None:
    """No proxy may capture loopback and no TWILIO_EDGE/REGION may rewrite the SDK's host."""
    for name in ISOLATING:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("PHONEMFA_TWILIO_BASE_URL", raising=False)


def new_fake(**kwargs) -> FakeTwilio:
    accounts = {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN, API_KEY: API_KEY_SECRET}
    return FakeTwilio(accounts, **kwargs)


def configure(service, fake: FakeTwilio, monkeypatch=None, **extra) -> None:
    """Store the fake account's credentials and point the provider at it."""
    if monkeypatch is not None:
        monkeypatch.setenv("PHONEMFA_TWILIO_BASE_URL", fake.base_url)
    changes = {"sid": fake.account_sid, "auth_token": fake.auth_token, "from": FROM, **extra}
    service.save_twilio_config(changes, actor="test")


@pytest.fixture
def twilio_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_env(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with new_fake() as server:
        yield server
