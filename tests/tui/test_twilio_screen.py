"""The Twilio screen in a real Textual run: inline checks, save, and a real test send."""

from __future__ import annotations

import pytest
from textual.widgets import Input, RadioButton

from phonemfa.store import messages_repo
from phonemfa.testing.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.tui.conftest import SIZE, make_app
from tests.twilio_support import FROM, SERVICE_SID, configure

pytestmark = pytest.mark.usefixtures("twilio_isolated")


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def type_into(pilot, selector: str, text: str) -> None:
    await pilot.click(selector)
    await pilot.press(*text)


async def test_save_credentials_then_send_a_test_sms(app, service, fake, monkeypatch):
    monkeypatch.setenv("PHONEMFA_TWILIO_BASE_URL", fake.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        app.screen.query_one("#sid", Input).value = DEFAULT_ACCOUNT_SID
        await type_into(pilot, "#auth_token", DEFAULT_AUTH_TOKEN)  # typed, as a person would
        token_input = app.screen.query_one("#auth_token", Input)
        assert token_input.password is True
        assert DEFAULT_AUTH_TOKEN not in str(token_input.render())  # dots on screen
        app.screen.query_one("#from", Input).value = FROM
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # saved, and the token comes back as its mask only
        assert token_input.value == "" and token_input.placeholder.startswith("••••••••oken")
        app.screen.query_one("#test-to", Input).value = "+14155550123"
        await pilot.click("#send-test")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = text_of(app, "#test-result")
    config = service.twilio_config()
    assert (config.sid, config.from_, config.auth_token_hint) == (
        DEFAULT_ACCOUNT_SID,
        FROM,
        "••••••••oken",
    )
    (message,) = fake.messages
    assert message["to"] == "+14155550123" and message["from"] == FROM
    assert "Twilio accepted the SMS" in result and message["sid"] in result and "queued" in result
    (row,) = messages_repo.recent(service.store)
    assert row.provider_id == message["sid"] and row.action == "test"


async def test_failed_test_call_shows_the_code_and_its_meaning(app, service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        app.screen.query_one("#test-to", Input).value = "+15005550004"
        await pilot.click("#channel-voice")
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = text_of(app, "#test-result")
    assert "Twilio error 21216" in result and "Calls to this number are blocked" in result
    assert "+15005550004" not in result  # Twilio's own words, with the number masked
    assert fake.requests[0].path.endswith("/Calls.json")


async def test_inline_check_flags_a_bad_sid_while_typing(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await type_into(pilot, "#sid", "AC12")
        await pilot.pause()
        sid = app.screen.query_one("#sid", Input)
        assert sid.has_class("-invalid")
        assert "AC followed by 32 hexadecimal" in text_of(app, "#sid-error")
        sid.value = "AC12" + "0" * 30
        await pilot.pause()
        assert not sid.has_class("-invalid") and text_of(app, "#sid-error") == ""


async def test_refusal_names_the_field_and_saves_nothing(service, monkeypatch):
    service.update_settings({"provider": "twilio", "message_types": ["sms", "voice"]}, actor="t")
    app = make_app(service)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f2")
        await pilot.click("#source-messaging_service")
        await pilot.pause()
        # voice goes through Twilio: From stays visible, with the reason, next to the service
        assert app.screen.query_one("#row-from").display is True
        assert "needed for voice calls" in text_of(app, "#from-note")
        app.screen.query_one("#sid", Input).value = DEFAULT_ACCOUNT_SID
        app.screen.query_one("#messaging_service_sid", Input).value = SERVICE_SID
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "from is required because voice is enabled" in text_of(app, "#from-error")
        assert app.screen.focused is app.screen.query_one("#from", Input)
        notes = [n.message for n in app._notifications]
    assert any("voice is enabled" in n for n in notes)
    assert service.twilio_config().sid is None


async def test_sms_source_shows_the_right_field(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert screen.query_one("#row-from").display is True
        assert screen.query_one("#row-messaging_service_sid").display is False
        await pilot.click("#source-messaging_service")
        await pilot.pause()
        assert screen.query_one("#row-from").display is False  # SMS only: no call needs it
        assert screen.query_one("#row-messaging_service_sid").display is True


async def test_changes_from_the_api_show_on_return(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.press("f1")
        service.save_twilio_config(
            {"messaging_service_sid": SERVICE_SID, "sms_source": "messaging_service"}, actor="api"
        )
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#source-messaging_service", RadioButton).value is True
        assert screen.query_one("#messaging_service_sid", Input).value == SERVICE_SID


async def test_a_bad_test_number_is_refused_without_sending(app, service, fake, monkeypatch):
    configure(service, fake, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        app.screen.query_one("#test-to", Input).value = "0612"
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Not sent" in text_of(app, "#test-result") and "E.164" in text_of(
            app, "#test-result"
        )
    assert fake.requests == []
