"""Add a log stream from the console: a webhook (your SIEM) or a file of JSON lines."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from phonemfa.core.streamformat import FORMATS, filters_from_names
from phonemfa.errors import PhoneMfaError


class StreamFormScreen(ModalScreen[Any]):
    """Dismisses with the created LogStream, or None when cancelled."""

    # Styles in app.tcss: the app's global Input and RadioSet rules outrank DEFAULT_CSS.
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    class Created(Message):
        def __init__(self, stream: Any) -> None:
            super().__init__()
            self.stream = stream

    class Refused(Message):
        def __init__(self, error: PhoneMfaError) -> None:
            super().__init__()
            self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Add a log stream", classes="title")
            with Horizontal(classes="row"):
                yield Label("Name")
                yield Input(placeholder="siem", id="stream-name", max_length=200)
            with Horizontal(classes="row"):
                yield Label("Send to")
                with RadioSet(id="stream-kind"):
                    yield RadioButton("Webhook", value=True, id="kind-http")
                    yield RadioButton("File", id="kind-file")
            with Horizontal(classes="row"):
                yield Label("URL", id="target-label")
                yield Input(placeholder="https://siem.example/ingest", id="stream-target")
            with Horizontal(classes="row", id="auth-row"):
                yield Label("Authorization")
                yield Input(placeholder="Bearer …", password=True, id="stream-auth")
            with Horizontal(classes="row", id="format-row"):
                yield Label("Format")
                yield Select(
                    [(f, f) for f in FORMATS],
                    value="JSONLINES",
                    allow_blank=False,
                    id="stream-format",
                )
            with Horizontal(classes="row"):
                yield Label("Only")
                yield Input(placeholder="e.g. failed, limited, limit_mu", id="stream-filters")
            yield Static(
                "Categories (sent, failed, limited, blocked, settings, flow, alert) or event "
                "types; empty sends every event.",
                classes="form-note",
            )
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Add stream", id="save", variant="primary")

    @on(RadioSet.Changed)
    def _kind_changed(self) -> None:
        http = self._kind() == "http"
        self.query_one("#target-label", Label).update("URL" if http else "File path")
        self.query_one("#stream-target", Input).placeholder = (
            "https://siem.example/ingest" if http else "/var/log/phonemfa/events.jsonl"
        )
        self.query_one("#auth-row").display = http
        self.query_one("#format-row").display = http

    def _kind(self) -> str:
        return "file" if self.query_one("#kind-file", RadioButton).value else "http"

    def values(self) -> dict[str, Any]:
        kind = self._kind()
        target = self.query_one("#stream-target", Input).value.strip()
        return {
            "name": self.query_one("#stream-name", Input).value,
            "type": kind,
            "endpoint": target if kind == "http" else None,
            "file_path": target if kind == "file" else None,
            "authorization": (self.query_one("#stream-auth", Input).value or None)
            if kind == "http"
            else None,
            "content_format": str(self.query_one("#stream-format", Select).value)
            if kind == "http"
            else None,
            "filters_text": self.query_one("#stream-filters", Input).value,
        }

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.query_one("#form-error", Static).update("")
        self.create(self.values())

    @work(thread=True, exclusive=True, group="stream-form", exit_on_error=False)
    def create(self, values: dict[str, Any]) -> None:
        service = self.app.service  # type: ignore[attr-defined]
        try:
            names = values.pop("filters_text").split(",")
            filters = [f.to_json() for f in filters_from_names(names)]
            stream = service.create_stream(**values, filters=filters)
        except PhoneMfaError as exc:
            self.post_message(self.Refused(exc))
        else:
            self.post_message(self.Created(stream))

    def on_stream_form_screen_created(self, message: Created) -> None:
        self.dismiss(message.stream)

    def on_stream_form_screen_refused(self, message: Refused) -> None:
        self.query_one("#form-error", Static).update(message.error.message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
