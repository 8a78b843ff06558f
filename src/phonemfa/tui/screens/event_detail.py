"""One event's full JSON, as the logs API and the log streams carry it."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from phonemfa.core.events import Event


class EventDetailScreen(ModalScreen[None]):
    """One event exactly as the logs API and the streams carry it."""

    DEFAULT_CSS = """
    EventDetailScreen { align: center middle; }
    EventDetailScreen > Vertical {
        width: 90; height: 80%; border: thick $accent; background: $panel; padding: 0 1;
    }
    EventDetailScreen .title { text-style: bold; padding: 1 0; }
    EventDetailScreen VerticalScroll { height: 1fr; }
    EventDetailScreen Horizontal { height: 3; align-horizontal: right; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event
        self.text = json.dumps(event.to_json(), indent=2, ensure_ascii=False)

    def compose(self) -> ComposeResult:
        body = self.text
        with Vertical():
            yield Static(
                f"{self.event.type} · {self.event.date} · log_id {self.event.log_id}",
                classes="title",
            )
            with VerticalScroll():
                yield Static(Syntax(body, "json", theme="ansi_dark", word_wrap=True), id="json")
            with Horizontal():
                yield Button("Close", id="close", variant="primary")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
