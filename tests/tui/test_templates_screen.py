"""The Templates section driven like an operator: type, watch the preview, save, leave."""

from textual.widgets import Input, Select, Static, TextArea

from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION
from phonemfa.store import events_repo
from phonemfa.tui.screens.dialogs import ChoiceDialog
from tests.tui.conftest import SIZE, make_app


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def wait_until(pilot, condition, tries: int = 60) -> None:
    """The preview re-renders after a short quiet period: wait for it, not a fixed time."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def open_templates(pilot) -> None:
    await pilot.press("f3")
    await pilot.pause()
    assert pilot.app.current_mode == "templates"


async def test_edit_see_the_preview_change_and_save(app, service):
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_templates(pilot)
        assert text_of(app, "#preview-text") == (
            "123456 is your verification code for My Company. "
            "Please enter this code to verify your enrollment."
        )
        await pilot.click("#verification_message")  # editing a template previews it
        editor = app.screen.query_one("#verification_message", TextArea)
        editor.move_cursor(editor.document.end)
        await type_text(pilot, ". Thanks!")
        await wait_until(pilot, lambda: "Thanks!" in text_of(app, "#preview-text"))
        assert text_of(app, "#preview-text") == (
            "123456 is your verification code for My Company. Thanks!"
        )
        assert "GSM-7 · 1 segment" in text_of(app, "#preview-cost")
        assert editor.border_subtitle == "● modified"
        assert "Unsaved changes" in text_of(app, "#template-status")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert editor.border_subtitle == ""
        assert any("Saved" in n.message for n in app._notifications)
    assert service.message_templates().verification_message == DEFAULT_VERIFICATION + ". Thanks!"
    [event] = events_repo.search(service.store, types=["gd_tenant_update"])
    assert event.details["actor"] == "console"


async def test_a_broken_template_is_explained_and_not_saved(app, service):
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_templates(pilot)
        editor = app.screen.query_one("#enrollment_message", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press("enter")
        await type_text(pilot, "{{cod}}")
        await wait_until(pilot, lambda: "'cod' is undefined" in text_of(app, "#preview-error"))
        assert "line 2" in text_of(app, "#template-status")
        editor.move_cursor((0, 0))
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        refusals = [n.message for n in app._notifications if n.title == "Not saved"]
        assert refusals == [
            "Invalid enrollment_message template: line 2: 'cod' is undefined (did you mean code?)."
        ]
        assert editor.cursor_location == (1, 0)  # the cursor goes to the line at fault
        assert editor.has_focus
    assert service.message_templates().enrollment_message == DEFAULT_ENROLLMENT


async def test_ucs2_characters_are_highlighted_with_the_cost(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        demo_app.screen.query_one("#preview-locale", Select).value = "es"
        await pilot.pause()
        assert text_of(demo_app, "#preview-text").startswith("123456 es su código")
        assert "UCS-2 · 2 segments" in text_of(demo_app, "#preview-cost")
        warning = text_of(demo_app, "#preview-warning")
        assert "ó U+00F3" in warning and "ú U+00FA" in warning
        text = demo_app.screen.query_one("#preview-text", Static).content
        highlighted = {text.plain[span.start : span.end] for span in text.spans}
        assert highlighted == {"ó", "ú"}


async def test_voice_script_marks_pauses(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        await pilot.click("#channel-voice")
        demo_app.screen.query_one("#preview-locale", Select).value = "fr"
        await pilot.pause()
        assert text_of(demo_app, "#preview-text") == (
            "Bonjour, votre code d'inscription pour Acme Travel est : [pause 1s] 1.2.3.4.5.6. "
            "Je répète : [pause 1s] 1.2.3.4.5.6."
        )
        assert "2 pauses" in text_of(demo_app, "#preview-cost")


async def test_leaving_with_unsaved_changes_asks_first(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        app.screen.query_one("#enrollment_message", TextArea).insert("Hi! ")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.click("#answer-stay")
        await pilot.pause()
        assert app.current_mode == "templates"
        await pilot.press("f5")
        await pilot.pause()
        await pilot.click("#answer-discard")
        await pilot.pause()
        assert app.current_mode == "log"
        await pilot.press("f3")
        await pilot.pause()
        editor = app.screen.query_one("#enrollment_message", TextArea)
        assert editor.text == DEFAULT_ENROLLMENT
        editor.insert("Hi! ")
        app.open_section("settings")  # the command palette's way in
        await pilot.pause()
        await pilot.click("#answer-save")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "settings"
    assert service.message_templates().enrollment_message == "Hi! " + DEFAULT_ENROLLMENT


async def test_quitting_with_unsaved_changes_asks_first(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        app.screen.query_one("#verification_message", TextArea).insert("x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")  # the harmless answer: keep editing
        await pilot.pause()
        assert app.current_mode == "templates" and app.is_running


async def test_without_changes_sections_switch_at_once(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert app.current_mode == "settings"


async def test_revert_and_changes_made_elsewhere(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        editor = app.screen.query_one("#verification_message", TextArea)
        editor.insert("zzz ")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert editor.text == DEFAULT_VERIFICATION
        await pilot.press("f1")
        service.save_templates(actor="api", verification_message="{{code}} from the API")
        await pilot.press("f3")
        await pilot.pause()
        assert editor.text == "{{code}} from the API"


async def test_reset_to_defaults_confirms_first(service):
    service.save_templates(
        actor="cli", enrollment_message="E {{code}}", verification_message="V {{code}}"
    )
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        await pilot.click("#reset")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.click("#answer-cancel")
        await pilot.pause()
        assert service.message_templates().enrollment_message == "E {{code}}"
        await pilot.click("#reset")
        await pilot.pause()
        await pilot.click("#answer-reset")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#enrollment_message", TextArea).text == DEFAULT_ENROLLMENT
    assert service.message_templates().enrollment_message == DEFAULT_ENROLLMENT
    assert service.message_templates().verification_message == DEFAULT_VERIFICATION


async def test_locales_edit_feeds_the_preview_and_saves(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await open_templates(pilot)
        locales = app.screen.query_one("#locales", Input)
        locales.focus()
        await pilot.press("end")
        await type_text(pilot, ", fr")
        await pilot.pause()
        select = app.screen.query_one("#preview-locale", Select)
        assert [value for _, value in select._options if value != Select.BLANK] == ["en", "fr"]
        await wait_until(pilot, lambda: "2 locales" in text_of(app, "#template-status"))
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert service.supported_locales() == ["en", "fr"]
