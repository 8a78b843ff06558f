"""Templates: edit the enrollment and verification messages and see, as you type, exactly what a
user receives for each action, channel and locale, and what an SMS costs in segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.markup import escape
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static, TextArea

from phonemfa.core import template_rules, templates
from phonemfa.core.settings import parse_list_text
from phonemfa.core.template_rules import TemplateError
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CONSOLE
from phonemfa.service.templates import MessageTemplates
from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.screens.dialogs import Choice, ChoiceDialog
from phonemfa.tui.widgets.message_preview import MessagePreview

KEYS = ("enrollment_message", "verification_message")
TITLES = {
    "enrollment_message": "Enrollment message",
    "verification_message": "Verification message",
}
ACTION_OF_KEY = {"enrollment_message": "enrollment", "verification_message": "verification"}


class TemplatesSaved(Message):
    def __init__(self, saved: MessageTemplates, locales: list[str]) -> None:
        super().__init__()
        self.saved = saved
        self.locales = locales


class TemplatesRefused(Message):
    def __init__(self, error: PhoneMfaError) -> None:
        super().__init__()
        self.error = error


class TemplatesScreen(SectionScreen):
    SECTION = "templates"
    PREVIEW_DELAY = 0.25  # seconds of quiet typing before the preview re-renders
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="templates.save"),
        Binding("ctrl+r", "revert", "Revert", id="templates.revert"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[str, Any] = {}
        self.tenant: dict[str, Any] = {"friendly_name": "", "otp_length": 6}
        self._timer: Timer | None = None
        self._after_save: Callable[[], object] | None = None
        self._shown_values: dict[str, Any] | None = None  # what the preview last rendered

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="templates-body"):
            with Vertical(id="template-editors"):
                for key in KEYS:
                    editor = TextArea(id=key, soft_wrap=True, tab_behavior="focus")
                    editor.border_title = TITLES[key]
                    yield editor
                with Horizontal(classes="row"):
                    yield Label("Locales", classes="field-label")
                    yield Input(id="locales", placeholder="en, fr, es")
                yield Static("The first locale is the fallback.", classes="note")
                yield Static("", id="template-status")
                with Horizontal(classes="buttons"):
                    yield Button("Save", id="save", variant="primary")
                    yield Button("Revert", id="revert")
                    yield Button("Reset to defaults", id="reset", variant="warning")
            with Vertical(id="template-preview"):
                yield Static("Preview", classes="title")
                with Horizontal(classes="row"):
                    yield Label("Action", classes="preview-label")
                    with RadioSet(id="preview-action"):
                        yield RadioButton("Enrollment", id="action-enrollment", value=True)
                        yield RadioButton("Verification", id="action-verification")
                with Horizontal(classes="row"):
                    yield Label("Channel", classes="preview-label")
                    with RadioSet(id="preview-channel"):
                        yield RadioButton("SMS", id="channel-sms", value=True)
                        yield RadioButton("Voice", id="channel-voice")
                with Horizontal(classes="row"):
                    yield Label("Locale", classes="preview-label")
                    yield Select[str]([("en", "en")], id="preview-locale", allow_blank=False)
                yield MessagePreview(id="message-preview")

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        # The API, the CLI or the Factor settings section may have changed things meanwhile.
        if self.is_mounted and not self.dirty:
            self.load()

    # -- state -------------------------------------------------------------------------------

    def load(self) -> None:
        values = self.service.settings_values()
        self.saved = {key: values[key] for key in (*KEYS, "locales")}
        self.tenant = {k: values[k] for k in ("friendly_name", "otp_length")}
        for key in KEYS:
            self.query_one(f"#{key}", TextArea).load_text(values[key])
        self.query_one("#locales", Input).value = ", ".join(values["locales"])
        self.set_locale_options(values["locales"])
        self.refresh_preview()

    def editor_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: self.query_one(f"#{key}", TextArea).text for key in KEYS}
        values["locales"] = parse_list_text(self.query_one("#locales", Input).value)
        return values

    @property
    def dirty(self) -> bool:
        return bool(self.saved) and self.editor_values() != self.saved

    def set_locale_options(self, locales: list[str]) -> None:
        select = self.query_one("#preview-locale", Select)
        current = select.value
        select.set_options([(locale, locale) for locale in locales])
        if current in locales:
            select.value = current

    def preview_choice(self) -> tuple[str, str, str]:
        action = self.query_one("#preview-action", RadioSet).pressed_button
        channel = self.query_one("#preview-channel", RadioSet).pressed_button
        locale = self.query_one("#preview-locale", Select).value
        return (
            (action.id or "").removeprefix("action-") if action else "enrollment",
            (channel.id or "").removeprefix("channel-") if channel else "sms",
            locale if isinstance(locale, str) else "en",
        )

    # -- preview -----------------------------------------------------------------------------

    def schedule_preview(self) -> None:
        """Debounce: re-render once typing pauses, not on every key."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.PREVIEW_DELAY, self.refresh_preview)

    def refresh_preview(self) -> None:
        self._timer = None
        values = self.editor_values()
        self._shown_values = values
        action, channel, locale = self.preview_choice()
        key = templates.TEMPLATE_KEYS[templates.ACTION_NAMES[action]]
        preview = template_rules.preview(
            key,
            values[key],
            channel=channel,
            locale=locale,
            friendly_name=self.tenant["friendly_name"],
            code=template_rules.sample_code(self.tenant["otp_length"]),
        )
        self.query_one(MessagePreview).show(preview)
        self.refresh_status(values)

    def refresh_status(self, values: dict[str, Any]) -> None:
        """Every check a save would run, shown before saving; plus whether there is unsaved work."""
        problem = ""
        locales = values["locales"]
        if isinstance(locales, list) and locales and all(isinstance(x, str) for x in locales):
            try:
                template_rules.check_template_settings({**self.tenant, **values})
            except TemplateError as exc:
                problem = exc.message
        else:
            problem = "Give at least one locale, e.g. en, fr, es."
        dirty = values != self.saved
        for key in KEYS:
            changed = values[key] != self.saved.get(key)
            self.query_one(f"#{key}", TextArea).border_subtitle = "● modified" if changed else ""
        if problem:
            line = f"[b $error]✗[/] {escape(problem)}"
        else:
            combos = f"2 channels × {len(locales)} locale{'s' if len(locales) != 1 else ''}"
            line = f"[b $success]✓[/] Both templates pass every check ({combos})."
        if dirty:
            line += "\n[b $warning]● Unsaved changes[/] — ctrl+s saves, ctrl+r reverts."
        self.query_one("#template-status", Static).update(line)

    @on(TextArea.Changed)
    @on(Input.Changed, "#locales")
    def _edited(self, event: TextArea.Changed | Input.Changed) -> None:
        if isinstance(event, Input.Changed):
            locales = parse_list_text(event.value)
            if isinstance(locales, list) and locales:
                self.set_locale_options([str(x) for x in locales])
        if self.editor_values() != self._shown_values:  # loading text is not an edit
            self.schedule_preview()

    @on(RadioSet.Changed)
    @on(Select.Changed, "#preview-locale")
    def _choice_changed(self) -> None:
        self.refresh_preview()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # Editing a template previews that template.
        widget = event.widget
        if isinstance(widget, TextArea) and widget.id in ACTION_OF_KEY:
            button = self.query_one(f"#action-{ACTION_OF_KEY[widget.id]}", RadioButton)
            if not button.value:
                button.value = True

    # -- actions -----------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save(self.editor_values())

    @on(Button.Pressed, "#revert")
    def action_revert(self) -> None:
        self.load()
        self.notify("Reverted to the saved templates.", timeout=3)

    @on(Button.Pressed, "#reset")
    def ask_reset(self) -> None:
        self.app.push_screen(
            ChoiceDialog(
                "Reset to defaults?",
                "Both templates are replaced by the default English messages and saved. "
                "The current texts are lost. The locales stay as they are.",
                [Choice("reset", "Reset and save", "error"), Choice("cancel", "Cancel")],
                cancel_answer="cancel",
            ),
            self._reset_answered,
        )

    def _reset_answered(self, answer: str | None) -> None:
        if answer == "reset":
            self.save(
                {
                    "enrollment_message": templates.DEFAULT_ENROLLMENT,
                    "verification_message": templates.DEFAULT_VERIFICATION,
                }
            )

    def confirm_leave(self, proceed: Callable[[], object]) -> None:
        if not self.dirty:
            proceed()
            return

        def answered(answer: str | None) -> None:
            if answer == "save":
                self._after_save = proceed
                self.save(self.editor_values())
            elif answer == "discard":
                self.load()
                proceed()

        self.app.push_screen(
            ChoiceDialog(
                "Unsaved template changes",
                "The templates have changes that are not saved. Save them before leaving?",
                [
                    Choice("save", "Save", "primary"),
                    Choice("discard", "Discard", "error"),
                    Choice("stay", "Keep editing"),
                ],
                cancel_answer="stay",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="templates-save", exit_on_error=False)
    def save(self, values: dict[str, Any]) -> None:
        try:
            saved = self.service.save_templates(actor=CONSOLE, **values)
            locales = self.service.supported_locales()
        except PhoneMfaError as exc:
            self.post_message(TemplatesRefused(exc))
        else:
            self.post_message(TemplatesSaved(saved, locales))

    def on_templates_saved(self, message: TemplatesSaved) -> None:
        self.notify("Saved: both templates pass every check.", title="Templates", timeout=4)
        self.load()
        proceed, self._after_save = self._after_save, None
        if proceed is not None:
            proceed()

    def on_templates_refused(self, message: TemplatesRefused) -> None:
        self._after_save = None
        error = message.error
        self.notify(error.message, title="Not saved", severity="error", timeout=10)
        if isinstance(error, TemplateError) and error.key in KEYS:
            editor = self.query_one(f"#{error.key}", TextArea)
            editor.focus()
            if error.line:
                editor.move_cursor((error.line - 1, 0))
