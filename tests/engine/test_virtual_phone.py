"""The simulator's hooks into the engine: the virtual-phone Custom action (SMS and voice into the
inbox), the delivery observer, the provider override of replays."""

from __future__ import annotations

import pytest

from phonemfa.actions import virtual_phone
from phonemfa.delivery.custom import ActionApi, ActionCache
from phonemfa.delivery.virtual_phone import SimulatedProvider, VirtualPhones
from tests.engine.conftest import ALICE, BRUNO, last_code


@pytest.fixture
def phone_action(mfa):
    mfa.update_settings(
        {
            "provider": "phone-message-hook",
            "custom_action": virtual_phone.ACTION_REF,
            "message_types": ["sms", "voice"],
        },
        actor="test",
    )
    return mfa


def test_the_virtual_phone_action_delivers_sms_and_calls(phone_action):
    sms = phone_action.start_enrollment("auth0|alice", ALICE, "sms", simulated=True)
    assert sms.provider == "phone-message-hook" and sms.provider_id.startswith("vphone_")
    phone_action.verify(sms.transaction_id, last_code(phone_action, ALICE))
    call = phone_action.start_enrollment("auth0|bruno", BRUNO, "voice")
    (message,) = phone_action.inbox(BRUNO)
    assert message.channel == "voice" and message.message_id == call.message_id
    assert message.text.startswith(".".join(last_code(phone_action, BRUNO)))  # digit by digit
    phone_action.verify(call.transaction_id, last_code(phone_action, BRUNO))
    assert phone_action.list_enrollments("auth0|bruno")[0].status == "confirmed"
    assert phone_action.inbox(ALICE)[0].simulated and not message.simulated
    assert phone_action.builtin_messages_used() == 0  # never the Built-in allowance


def test_the_action_outside_phonemfa_says_what_it_needs():
    event = {"message_options": {"recipient": ALICE, "message_type": "sms", "text": "hi"}}
    with pytest.raises(RuntimeError, match="api.virtual_phone"):
        virtual_phone.on_execute_send_phone_message(event, ActionApi(ActionCache()))


def test_a_bad_delivery_is_a_failed_send_not_a_crash(service):
    phones = VirtualPhones(service.store, service.box, service.clock, simulated=True)
    with pytest.raises(ValueError, match="sms or voice"):
        phones.deliver(message_id="m", recipient=ALICE, channel="fax", text="x")
    with pytest.raises(ValueError, match="E.164"):
        phones.line("m").deliver("0612", "sms", "x")
    assert service.inbox() == []


def test_observers_see_each_send_with_what_the_provider_answered(quiet_action):
    seen = []
    stop = quiet_action.observe_deliveries(lambda message, result: seen.append((message, result)))
    quiet_action.observe_deliveries(lambda message, result: 1 / 0)  # a broken watcher
    sent = quiet_action.start_enrollment("auth0|alice", ALICE)
    ((message, result),) = seen
    assert message.message_id == sent.message_id and message.to == ALICE
    assert message.code.isdigit() and message.code in message.text
    assert result.ok and result.provider == "phone-message-hook" and result.response == {"id": "ok"}
    stop()
    quiet_action.start_enrollment("auth0|bruno", BRUNO)
    assert len(seen) == 1  # stopped


def test_a_provider_override_replaces_the_tenant_provider(mfa):
    twin = mfa.with_clock(mfa.clock)
    twin.provider_override = SimulatedProvider(
        VirtualPhones(mfa.store, mfa.box, mfa.clock, simulated=True)
    )
    sent = twin.start_enrollment("auth0|alice", ALICE, simulated=True)
    provider_step = next(d for d in sent.trail if d.step == "provider")
    assert provider_step.detail == (
        "Simulated phone in place of Built-in (nothing leaves this machine)."
    )
    assert sent.provider == "simulated" and mfa.builtin_messages_used() == 0
    assert mfa.provider_override is None  # the original service is untouched
    template = next(d for d in sent.trail if d.step == "template")
    assert template.data["segments"] == 1 and template.data["encoding"] == "GSM-7"
    row = mfa.store.query_one("SELECT provider, segments FROM messages")
    assert row == {"provider": "simulated", "segments": 1}
