"""Twilio: the seed's "Twilio configuration" (Account SID, auth token, SMS source, From or
Messaging Service) with inline checks, plus a real test send whose answer is explained."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Collapsible, Input, Label, RadioButton, RadioSet, Static

from phonemfa.core import twilio as tw
from phonemfa.core.settings import PROVIDER_LABELS
from phonemfa.errors import PhoneMfaError, ValidationError
from phonemfa.service.base import CONSOLE
from phonemfa.service.twilio import TwilioTestSend
from phonemfa.tui.screens.base import SectionScreen


class CoreRule(Validator):
    """One of core's field checks as a Textual validator, so the console refuses what the API
    and the CLI refuse, in the same words."""

    def __init__(self, check: Callable[[Any, str], Any], label: str) -> None:
        super().__init__()
        self.check, self.label = check, label

    def validate(self, value: str) -> ValidationResult:
        try:
            self.check(value, self.label)
        except ValidationError as exc:
            return self.failure(exc.message)
        return self.success()


# Input id -> (label, check, placeholder). Every id is also the service's field name.
FIELDS: dict[str, tuple[str, Callable[[Any, str], Any], str]] = {
    "sid": ("Account SID", tw.check_account_sid, "AC followed by 32 hexadecimal characters"),
    "auth_token": ("Auth token", tw.check_secret, "from the Twilio Console"),
    "from": ("From", tw.check_from, "+14155550100 (E.164)"),
    "messaging_service_sid": (
        "Messaging Service",
        tw.check_service_sid,
        "MG followed by 32 hexadecimal characters",
    ),
    "api_key_sid": ("API key SID", tw.check_api_key_sid, "optional: SK… instead of the token"),
    "api_key_secret": ("API key secret", tw.check_secret, "the API key's secret"),
    "callback_url": (
        "Status callback URL",
        tw.check_url,
        "optional: https://your-host/twilio/status",
    ),
    "base_url": ("API base URL", tw.check_url, "optional: Twilio's own by default"),
}
SECRETS = ("auth_token", "api_key_secret")


class TwilioSaved(Message):
    def __init__(self, missing: list[str]) -> None:
        super().__init__()
        self.missing = missing


class TwilioRefused(Message):
    def __init__(self, error: PhoneMfaError) -> None:
        super().__init__()
        self.error = error


class SendTestAnswered(Message):
    def __init__(self, result: TwilioTestSend | None, error: PhoneMfaError | None = None) -> None:
        super().__init__()
        self.result, self.error = result, error


class TwilioScreen(SectionScreen):
    SECTION = "twilio"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="twilio.save"),
        Binding("ctrl+r", "revert", "Revert", id="twilio.revert"),
        Binding("ctrl+t", "send_test", "Send test", id="twilio.test"),
    ]
    DEFAULT_CSS = """
    TwilioScreen {
        .field-error { color: $error; padding-left: 20; height: auto; }
        .status { margin-bottom: 1; height: auto; }
        .section-title { text-style: bold; color: $accent; margin-top: 1; }
        #test-result { padding-left: 20; height: auto; min-height: 2; }
        Collapsible { padding: 0; margin: 0; border: none; background: $background; }
        #test-row RadioSet { margin-left: 1; }
        #test-row Button { margin-left: 1; }
        Input.wide { width: 60; }
    }
    """

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="twilio-form", classes="form"):
            yield Static("Twilio", classes="title")
            yield Static(
                "Send codes with your own Twilio account: Programmable SMS, and Programmable "
                "Voice from a Twilio number.",
                classes="subtitle",
            )
            yield Static("", id="status", classes="status")
            yield from self.field_row("sid")
            yield from self.field_row("auth_token", password=True)
            with Horizontal(classes="row"):
                yield Label("SMS source", classes="field-label")
                with RadioSet(id="sms-source"):
                    for source in tw.SMS_SOURCES:
                        yield RadioButton(tw.SMS_SOURCE_LABELS[source], id=f"source-{source}")
            yield from self.field_row("from")
            yield from self.field_row("messaging_service_sid")
            with Collapsible(
                title="Advanced: API key, status callbacks, API base URL", id="advanced"
            ):
                yield from self.field_row("api_key_sid")
                yield from self.field_row("api_key_secret", password=True)
                yield from self.field_row("callback_url", wide=True)
                yield from self.field_row("base_url", wide=True)
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Revert", id="revert")
            yield Static("Send test message", classes="section-title")
            with Horizontal(classes="row", id="test-row"):
                yield Label("To", classes="field-label")
                yield Input(
                    id="test-to",
                    placeholder="+14155550123",
                    validators=[CoreRule(tw.parse_e164, "To")],
                    valid_empty=True,
                    classes="short-number",
                )
                with RadioSet(id="test-channel"):
                    yield RadioButton("SMS", id="channel-sms", value=True)
                    yield RadioButton("Voice", id="channel-voice")
                yield Button("Send test message", id="send-test")
            yield Static("", id="test-to-error", classes="field-error")
            yield Static(
                "[dim]Sends the verification message with a throwaway code, using the saved "
                "settings.[/]",
                id="test-result",
            )

    def field_row(self, name: str, *, password: bool = False, wide: bool = False) -> ComposeResult:
        label, check, placeholder = FIELDS[name]
        with Horizontal(classes="row", id=f"row-{name}"):
            yield Label(label, classes="field-label")
            yield Input(
                id=name,
                placeholder=placeholder,
                password=password,
                validators=[CoreRule(check, label)],
                valid_empty=True,
                classes="wide" if wide else "",
            )
            yield Static("", id=f"{name}-note", classes="field-note")
        yield Static("", id=f"{name}-error", classes="field-error")

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        self.load()  # the API or the CLI may have changed the configuration meanwhile

    # -- showing the stored configuration ---------------------------------------------------------
    def load(self) -> None:
        config = self.service.twilio_config()
        values = {
            "sid": config.sid,
            "from": config.from_,
            "messaging_service_sid": config.messaging_service_sid,
            "api_key_sid": config.api_key_sid,
            "callback_url": config.callback_url,
            "base_url": config.base_url,
        }
        for name, value in values.items():
            self.query_one(f"#{name}", Input).value = value or ""
        for name, hint in (
            ("auth_token", config.auth_token_hint),
            ("api_key_secret", config.api_key_secret_hint),
        ):
            field = self.query_one(f"#{name}", Input)
            field.value = ""  # a secret is never loaded back, only its mask is shown
            field.placeholder = f"{hint} stored; type to replace" if hint else FIELDS[name][2]
        self.query_one(f"#source-{config.sms_source}", RadioButton).value = True
        if config.api_key_sid or config.callback_url or config.base_url:
            self.query_one("#advanced", Collapsible).collapsed = False
        for name in (*FIELDS, "test-to"):
            self.show_error(name, "")
        self.refresh_notes()

    def sms_source(self) -> str:
        pressed = self.query_one("#sms-source", RadioSet).pressed_button
        return pressed.id.removeprefix("source-") if pressed and pressed.id else "from"

    def refresh_notes(self) -> None:
        factor = self.service.factor_settings()
        voice = self.service.twilio_voice_required()
        source = self.sms_source()
        self.query_one("#row-messaging_service_sid").display = source == "messaging_service"
        self.query_one("#row-from").display = source == "from" or voice
        self.query_one("#from-note", Static).update(
            "needed for voice calls" if voice and source != "from" else ""
        )
        if os.environ.get(tw.BASE_URL_ENV):
            self.query_one("#base_url-note", Static).update(f"overridden by {tw.BASE_URL_ENV}")
        lines = []
        if factor.provider != "twilio":
            lines.append(
                f"[b $warning]Twilio is not the selected provider[/]: codes go through "
                f"{PROVIDER_LABELS[factor.provider]}. Choose Twilio in Factor settings (F1)."
            )
        missing = self.service.twilio_missing()
        if missing:
            lines.append(f"[b $warning]Not ready to send[/]: missing {', '.join(missing)}.")
        elif factor.provider == "twilio":
            channels = " and ".join(factor.offered_channels).replace("sms", "SMS")
            lines.append(f"[b $success]Ready[/]: {channels} go through Twilio.")
        self.query_one("#status", Static).update("\n".join(lines))

    def show_error(self, name: str, text: str) -> None:
        error = self.query_one(f"#{name}-error", Static)
        error.update(escape(text))
        error.display = bool(text)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        if name in FIELDS or name == "test-to":
            result = event.validation_result
            self.show_error(
                name, result.failure_descriptions[0] if result and not result.is_valid else ""
            )

    @on(RadioSet.Changed, "#sms-source")
    def _source_changed(self) -> None:
        self.refresh_notes()

    # -- saving -------------------------------------------------------------------------------------
    def form_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"sms_source": self.sms_source()}
        for name in FIELDS:
            text = self.query_one(f"#{name}", Input).value
            if name in SECRETS:
                if text:  # empty keeps the stored secret
                    values[name] = text
            else:
                values[name] = text.strip() or None
        return values

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save(self.form_values())

    @on(Button.Pressed, "#revert")
    def action_revert(self) -> None:
        self.load()
        self.notify("Reverted to the saved Twilio settings.", timeout=3)

    @work(thread=True, exclusive=True, group="twilio-save", exit_on_error=False)
    def save(self, values: dict[str, Any]) -> None:
        try:
            self.service.save_twilio_config(values, actor=CONSOLE)
        except PhoneMfaError as exc:
            self.post_message(TwilioRefused(exc))
        else:
            self.post_message(TwilioSaved(self.service.twilio_missing()))

    def on_twilio_saved(self, message: TwilioSaved) -> None:
        self.load()
        extra = f" Still missing: {', '.join(message.missing)}." if message.missing else ""
        self.notify(f"Twilio settings saved.{extra}", title="Twilio", timeout=5)

    def on_twilio_refused(self, message: TwilioRefused) -> None:
        error = message.error
        if error.field in FIELDS:
            self.show_error(error.field, error.message)
            if error.field in ("api_key_sid", "api_key_secret", "callback_url", "base_url"):
                self.query_one("#advanced", Collapsible).collapsed = False
            self.query_one(f"#{error.field}", Input).focus()
        self.notify(error.message, title="Not saved", severity="error", timeout=8)

    # -- test send ----------------------------------------------------------------------------------
    @on(Button.Pressed, "#send-test")
    @on(Input.Submitted, "#test-to")
    def action_send_test(self) -> None:
        to = self.query_one("#test-to", Input).value.strip()
        pressed = self.query_one("#test-channel", RadioSet).pressed_button
        channel = "voice" if pressed is not None and pressed.id == "channel-voice" else "sms"
        self.query_one("#send-test", Button).disabled = True
        self.query_one("#test-result", Static).update(f"Sending a test {channel.upper()}…")
        self.send_test(to, channel)

    @work(thread=True, exclusive=True, group="twilio-test", exit_on_error=False)
    def send_test(self, to: str, channel: str) -> None:
        try:
            result = self.service.send_twilio_test(to, channel, actor=CONSOLE)
        except PhoneMfaError as exc:
            self.post_message(SendTestAnswered(None, exc))
        else:
            self.post_message(SendTestAnswered(result))

    def on_send_test_answered(self, message: SendTestAnswered) -> None:
        self.query_one("#send-test", Button).disabled = False
        result_view = self.query_one("#test-result", Static)
        if message.error is not None:
            result_view.update(f"[b $error]Not sent[/]: {escape(message.error.message)}")
            return
        result = message.result
        assert result is not None
        what = "call" if result.channel == "voice" else "SMS"
        if result.ok:
            result_view.update(
                f"[b $success]Twilio accepted the {what}[/] to {result.to}: "
                f"{result.sid}, status [b]{result.status}[/]."
            )
        else:
            said = f"\nTwilio said: {escape(result.error_message)}" if result.error_message else ""
            result_view.update(
                f"[b $error]Twilio error {result.error_code}[/]: {escape(result.meaning)}{said}"
            )
