"""A banner under the section bar while alerts are open (on every screen), until acknowledged."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from phonemfa.service.base import CONSOLE

CHECK_INTERVAL = 2.0


class AlertBanner(Horizontal):
    DEFAULT_CSS = """
    AlertBanner {
        height: 3;
        background: $error;
        color: $text;
        padding: 0 1;
        display: none;
    }
    AlertBanner.-open { display: block; }
    AlertBanner #alert-text { width: 1fr; padding: 1 1 0 0; text-style: bold; }
    AlertBanner Button { margin: 0 0 0 1; }
    """

    class Checked(Message):
        def __init__(self, messages: list[str]) -> None:
            super().__init__()
            self.messages = messages

    def compose(self) -> ComposeResult:
        yield Static("", id="alert-text")
        # Disabled while hidden, so it never takes the focus a screen gives its first field.
        yield Button("Acknowledge", id="alert-ack", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self.check()
        self.set_interval(CHECK_INTERVAL, self.check)

    @property
    def service(self):  # noqa: ANN201 - PhoneMfa
        return self.app.service  # type: ignore[attr-defined]

    @work(thread=True, group="alert-banner", exclusive=True, exit_on_error=False)
    def check(self) -> None:
        self.post_message(self.Checked([f.message for f in self.service.open_alerts()]))

    def on_alert_banner_checked(self, message: Checked) -> None:
        messages = message.messages
        self.set_class(bool(messages), "-open")
        self.query_one("#alert-ack", Button).disabled = not messages
        if messages:
            more = f"  (+{len(messages) - 1} more)" if len(messages) > 1 else ""
            self.query_one("#alert-text", Static).update(f"⚠ ALERT  {messages[0]}{more}")

    @on(Button.Pressed, "#alert-ack")
    def acknowledge(self) -> None:
        self.acknowledge_all()

    @work(thread=True, group="alert-banner-ack", exit_on_error=False)
    def acknowledge_all(self) -> None:
        self.service.acknowledge_alerts(None, actor=CONSOLE)
        self.post_message(self.Checked([]))
