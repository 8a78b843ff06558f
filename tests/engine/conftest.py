"""Fixtures of the engine tests: an enabled factor on the Built-in provider, and helpers."""

from __future__ import annotations

import re

import pytest

from phonemfa.service import PhoneMfa

ALICE = "+14155550123"
BRUNO = "+33612345678"


@pytest.fixture
def mfa(service: PhoneMfa) -> PhoneMfa:
    service.update_settings({"enabled": True, "message_types": ["sms"]}, actor="test")
    return service


def last_code(service: PhoneMfa, phone: str) -> str:
    """The code of the newest message the virtual phone received."""
    text = service.inbox(phone)[-1].text
    return re.search(r"\d(?:\.?\d){3,9}", text).group(0).replace(".", "")


def enrolled(service: PhoneMfa, user_id: str = "auth0|alice", phone: str = ALICE, **kw):
    sent = service.start_enrollment(user_id, phone, **kw)
    service.verify(sent.transaction_id, last_code(service, phone))
    return sent


def event_types(service: PhoneMfa) -> list[str]:
    return [r["type"] for r in service.store.query("SELECT type FROM events ORDER BY id")]


def events_of(service: PhoneMfa, type_: str) -> list[dict]:
    import json

    return [
        {**r, "details": json.loads(r["details"])}
        for r in service.store.query("SELECT * FROM events WHERE type = ? ORDER BY id", (type_,))
    ]


@pytest.fixture
def quiet_action(mfa: PhoneMfa, tmp_path) -> PhoneMfa:
    """The Custom provider with an action that accepts every message (no Built-in allowance)."""
    action = tmp_path / "quiet_action.py"
    action.write_text("def on_execute_send_phone_message(event, api):\n    return {'id': 'ok'}\n")
    mfa.update_settings(
        {"provider": "phone-message-hook", "custom_action": str(action)}, actor="test"
    )
    return mfa
