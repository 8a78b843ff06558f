"""SVG snapshot of the Twilio screen (update deliberately: look at the SVG first)."""

from textual.widgets import Input

from tests.tui.conftest import SIZE


def test_twilio_screen_with_a_validation_error(snap_compare, demo_app, monkeypatch):
    monkeypatch.delenv("PHONEMFA_TWILIO_BASE_URL", raising=False)

    async def type_a_short_sid(pilot):
        await pilot.press("f2")
        await pilot.click("#sid")
        await pilot.press(*"AC12345")
        assert pilot.app.screen.query_one("#sid", Input).has_class("-invalid")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=type_a_short_sid)
