"""SVG snapshots of the Templates section (update deliberately: look at the SVG first)."""

from textual.widgets import Select

from tests.tui.conftest import SIZE


def test_templates_screen_with_a_ucs2_warning(snap_compare, demo_app):
    async def spanish(pilot):
        await pilot.press("f3")
        await pilot.pause()
        pilot.app.screen.query_one("#preview-locale", Select).value = "es"
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=spanish)


def test_templates_screen_with_a_template_error(snap_compare, demo_app):
    async def broken_voice(pilot):
        await pilot.press("f3")
        await pilot.pause()
        screen = pilot.app.screen
        await pilot.click("#channel-voice")
        editor = screen.query_one("#enrollment_message")
        editor.move_cursor((1, 0))
        editor.insert("{{ tenant.name }}")
        screen.refresh_preview()  # what the debounce timer does once typing pauses
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=broken_voice)
