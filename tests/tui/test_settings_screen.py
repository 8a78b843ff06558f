from textual.widgets import Checkbox, Input, RadioButton, Switch

from tests.tui.conftest import SIZE


async def test_toggle_channels_and_save_persists(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#enabled")
        await pilot.click("#type-voice")
        await pilot.click("#provider-twilio")
        app.screen.query_one("#otp_length", Input).value = "8"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    factor = service.factor_settings()
    assert factor.enabled is True
    assert factor.message_types == ("sms", "voice")
    assert factor.provider == "twilio"
    assert factor.otp_length == 8


async def test_invalid_value_is_refused_in_plain_words(service):
    from tests.tui.conftest import make_app

    app = make_app(service)
    notes = []
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.screen.query_one("#otp_expiration_time", Input).value = "5"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = [n.message for n in app._notifications]
    assert any("between 60 and 3600 seconds" in n for n in notes)
    assert service.factor_settings().otp_expiration_time == 300


async def test_voice_with_builtin_warns(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#type-voice")
        await pilot.pause()
        warning = str(app.screen.query_one("#warnings").render())
    assert "cannot send voice" in warning


async def test_changes_made_by_the_api_show_on_return(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        service.update_settings({"enabled": True, "message_types": ["voice"]}, actor="api")
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#enabled", Switch).value is True
        assert screen.query_one("#type-voice", Checkbox).value is True
        assert screen.query_one("#type-sms", Checkbox).value is False


async def test_every_section_is_reachable_by_key(app):
    async with app.run_test(size=SIZE) as pilot:
        for key, mode in [
            ("f2", "twilio"),
            ("f3", "templates"),
            ("f4", "simulator"),
            ("f5", "log"),
            ("f1", "settings"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode


async def test_sections_are_in_the_command_palette(app):
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Open Factor settings", "Open Live log", "Open Twilio"} <= set(titles)
        await pilot.pause()


async def test_revert_discards_unsaved_edits(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#provider-twilio")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.query_one("#provider-auth0", RadioButton).value is True
    assert service.factor_settings().provider == "auth0"


async def test_outside_changes_appear_while_the_screen_is_open(app, service):
    async with app.run_test(size=SIZE) as pilot:
        service.update_settings({"provider": "twilio"}, actor="api")
        app.screen.check_for_outside_changes()
        await pilot.pause()
        assert app.screen.query_one("#provider-twilio", RadioButton).value is True
