"""Factor settings: the seed's "Phone Message" page: on/off, channels, provider, codes."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, Switch

from phonemfa.core.settings import PROVIDER_LABELS, PROVIDERS, FactorSettings
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CONSOLE
from phonemfa.tui.screens.base import SectionScreen

PROVIDER_HELP = {
    "auth0": "Built-in: evaluation and testing only, SMS only, 100 messages for the tenant's "
    "whole life.",
    "twilio": "Twilio: Programmable SMS and Voice with your own account (see the Twilio section).",
    "phone-message-hook": "Custom: a Send Phone Message action receives each message and "
    "delivers it.",
}


class SettingsSaved(Message):
    def __init__(self, changed: dict[str, Any]) -> None:
        super().__init__()
        self.changed = changed


class SettingsRefused(Message):
    def __init__(self, error: PhoneMfaError) -> None:
        super().__init__()
        self.error = error


class SettingsScreen(SectionScreen):
    SECTION = "settings"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("ctrl+r", "revert", "Revert", id="settings.revert"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="settings-form", classes="form"):
            yield Static("Phone Message", classes="title")
            yield Static(
                "Users receive a one-time code by SMS or voice at their registered phone.",
                classes="subtitle",
            )
            with Horizontal(classes="row"):
                yield Label("Factor", classes="field-label")
                yield Switch(id="enabled")
                yield Static("", id="enabled-state", classes="field-note")
            with Horizontal(classes="row"):
                yield Label("Message types", classes="field-label")
                yield Checkbox("SMS", id="type-sms")
                yield Checkbox("Voice", id="type-voice")
            yield Static("", id="types-note", classes="note")
            with Horizontal(classes="row tall"):
                yield Label("Delivery provider", classes="field-label")
                with RadioSet(id="provider"):
                    for name in PROVIDERS:
                        yield RadioButton(PROVIDER_LABELS[name], id=f"provider-{name}")
            yield Static("", id="provider-note", classes="note")
            with Horizontal(classes="row"):
                yield Label("Tenant name", classes="field-label")
                yield Input(id="friendly_name", placeholder="shown in messages", max_length=80)
            with Horizontal(classes="row"):
                yield Label("Code length", classes="field-label")
                yield Input(id="otp_length", type="integer", classes="short")
                yield Static("digits (4–10)", classes="field-note")
            with Horizontal(classes="row"):
                yield Label("Code lifetime", classes="field-label")
                yield Input(id="otp_expiration_time", type="integer", classes="short")
                yield Static("seconds (60–3600)", classes="field-note")
            yield Static("", id="warnings", classes="warnings")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Revert", id="revert")

    loaded: FactorSettings | None = None

    def on_mount(self) -> None:
        self.load()
        # Another process (the API, the CLI) may change settings while this screen is open.
        self.set_interval(2.0, self.check_for_outside_changes)

    def on_screen_resume(self) -> None:
        # Another process (the API, the CLI) may have changed settings meanwhile.
        self.load()

    def load(self) -> None:
        self.loaded = self.service.factor_settings()
        self.show(self.loaded)

    def is_dirty(self) -> bool:
        if self.loaded is None:
            return False
        return self.form_values() != {
            "enabled": self.loaded.enabled,
            "message_types": list(self.loaded.message_types),
            "provider": self.loaded.provider,
            "friendly_name": self.loaded.friendly_name,
            "otp_length": self.loaded.otp_length,
            "otp_expiration_time": self.loaded.otp_expiration_time,
        }

    def check_for_outside_changes(self) -> None:
        if not self.is_current:
            return
        current = self.service.factor_settings()
        if current == self.loaded:
            return
        if self.is_dirty():
            self.notify(
                "The settings were changed elsewhere (API or CLI). Revert to see them.",
                severity="warning",
                timeout=6,
            )
            self.loaded = current  # tell once per outside change
        else:
            self.loaded = current
            self.show(current)

    def show(self, factor: FactorSettings) -> None:
        self.query_one("#enabled", Switch).value = factor.enabled
        self.query_one("#type-sms", Checkbox).value = "sms" in factor.message_types
        self.query_one("#type-voice", Checkbox).value = "voice" in factor.message_types
        self.query_one(f"#provider-{factor.provider}", RadioButton).value = True
        self.query_one("#friendly_name", Input).value = factor.friendly_name
        self.query_one("#otp_length", Input).value = str(factor.otp_length)
        self.query_one("#otp_expiration_time", Input).value = str(factor.otp_expiration_time)
        self.refresh_notes()

    # -- reading the form --------------------------------------------------------------------

    def selected_provider(self) -> str:
        pressed = self.query_one("#provider", RadioSet).pressed_button
        return pressed.id.removeprefix("provider-") if pressed and pressed.id else "auth0"

    def form_values(self) -> dict[str, Any]:
        types = [t for t in ("sms", "voice") if self.query_one(f"#type-{t}", Checkbox).value]
        return {
            "enabled": self.query_one("#enabled", Switch).value,
            "message_types": types,
            "provider": self.selected_provider(),
            "friendly_name": self.query_one("#friendly_name", Input).value,
            "otp_length": _int_or_text(self.query_one("#otp_length", Input).value),
            "otp_expiration_time": _int_or_text(
                self.query_one("#otp_expiration_time", Input).value
            ),
        }

    def refresh_notes(self) -> None:
        values = self.form_values()
        enabled = values["enabled"]
        self.query_one("#enabled-state", Static).update(
            "[b green]Enabled[/]" if enabled else "[dim]Disabled: no codes are sent[/]"
        )
        types = values["message_types"]
        if types == ["sms", "voice"]:
            note = "Users choose SMS or a voice call when they enroll."
        elif types == ["sms"]:
            note = "Users receive codes by SMS."
        elif types == ["voice"]:
            note = "Users receive codes by a voice call."
        else:
            note = "[b red]Choose at least one message type.[/]"
        self.query_one("#types-note", Static).update(note)
        self.query_one("#provider-note", Static).update(PROVIDER_HELP[values["provider"]])
        warnings = []
        if "voice" in types and values["provider"] == "auth0":
            warnings.append(
                "The Built-in provider cannot send voice: users will only be offered SMS. "
                "Choose Twilio or Custom to use voice."
            )
        self.query_one("#warnings", Static).update("\n".join(f"⚠ {w}" for w in warnings))

    @on(Switch.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.refresh_notes()

    # -- actions -----------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save(self.form_values())

    @on(Button.Pressed, "#revert")
    def action_revert(self) -> None:
        self.load()
        self.notify("Reverted to the saved settings.", timeout=3)

    @work(thread=True, exclusive=True, group="settings-save", exit_on_error=False)
    def save(self, values: dict[str, Any]) -> None:
        try:
            changed = self.service.update_settings(values, actor=CONSOLE)
        except PhoneMfaError as exc:
            self.post_message(SettingsRefused(exc))
        else:
            self.post_message(SettingsSaved(changed))

    def on_settings_saved(self, message: SettingsSaved) -> None:
        if message.changed:
            names = ", ".join(sorted(message.changed))
            self.notify(f"Saved: {names}.", title="Factor settings", timeout=4)
        else:
            self.notify("Nothing to save: the settings are unchanged.", timeout=3)
        self.load()

    def on_settings_refused(self, message: SettingsRefused) -> None:
        self.notify(message.error.message, title="Not saved", severity="error", timeout=8)


def _int_or_text(text: str) -> int | str:
    try:
        return int(text.strip())
    except ValueError:
        return text
