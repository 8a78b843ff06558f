"""The live log's operations panels: log streams (add, pause/resume, remove) and alerts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from phonemfa.tui.widgets.monitor_panels import (
    Note,
    PanelData,
    PanelTitle,
    SyncedTable,
    clock,
    cut,
    relative,
)

HEALTH_STYLES = {"ok": "green", "failing": "bold red", "paused": "yellow", "suspended": "bold red"}


def health(value: str) -> Text:
    return Text(value, style=HEALTH_STYLES.get(value, ""))


class StreamsPanel(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield PanelTitle("Log streams")
        yield SyncedTable("Name", "Type", "Health", "Sent", "Behind", id="streams")
        yield Note("", id="stream-detail")
        with Horizontal(classes="panel-buttons"):
            yield Button("Add…", id="stream-add", variant="primary")
            yield Button("Pause", id="stream-toggle", disabled=True)
            yield Button("Remove…", id="stream-remove", variant="error", disabled=True)

    def show(self, data: PanelData) -> None:
        self._data = data
        self.query_one("#streams", SyncedTable).sync(
            [
                (
                    s.id,
                    (cut(s.name, 16), s.type, health(s.health), s.delivered, behind),
                )
                for s, behind in data.streams
            ]
        )
        self.refresh_detail()

    def refresh_detail(self) -> None:
        data = getattr(self, "_data", None)
        stream = self.selected_stream
        toggle = self.query_one("#stream-toggle", Button)
        toggle.disabled = stream is None
        self.query_one("#stream-remove", Button).disabled = stream is None
        if stream is None or data is None:
            self.query_one("#stream-detail", Note).update(
                "No log stream yet: Add… sends every event to your SIEM (webhook) or a file."
                if data is not None and not data.streams
                else ""
            )
            return
        toggle.label = "Pause" if stream.status == "active" else "Resume"
        lines = [f"{stream.name} → {stream.target}"]
        if stream.type == "http":
            auth = stream.authorization_hint or "none"
            lines.append(f"{stream.content_format}, {stream.content_type}, Authorization {auth}")
        if stream.filters:
            lines.append("only: " + ", ".join(f.name for f in stream.filters))
        if stream.last_success_at:
            lines.append(f"last delivery {relative(stream.last_success_at, data.now)}")
        if stream.failures:
            lines.append(
                f"[b red]{stream.failures} failed batch(es)[/], retry "
                f"{relative(stream.retry_at, data.now)}: {stream.last_error}"
            )
        self.query_one("#stream-detail", Note).update("\n".join(lines))

    @property
    def selected_stream(self):  # noqa: ANN201 - LogStream | None
        data = getattr(self, "_data", None)
        key = self.query_one("#streams", SyncedTable).selected_key
        if data is None or key is None:
            return None
        return next((s for s, _ in data.streams if s.id == key), None)

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_detail()


class AlertsPanel(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield PanelTitle("Alerts")
        yield SyncedTable("When", "Alert", "State", id="firings")
        yield Note("", id="alerts-note")
        with Horizontal(classes="panel-buttons"):
            yield Button("Acknowledge all", id="alerts-ack", variant="warning", disabled=True)
        yield PanelTitle("Rules")
        yield Note("", id="rules")

    def show(self, data: PanelData) -> None:
        self._data = data
        self.query_one("#firings", SyncedTable).sync(
            [
                (
                    str(f.id),
                    (
                        clock(f.fired_at),
                        cut(f.rule_name, 30),
                        Text("open", style="bold red") if f.open else Text("ack", style="dim"),
                    ),
                )
                for f in data.alerts
            ]
        )
        open_count = sum(1 for f in data.alerts if f.open)
        self.query_one("#alerts-ack", Button).disabled = open_count == 0
        self.refresh_detail()
        self.query_one("#rules", Note).update(
            "\n".join(
                f"{'[green]on[/] ' if r.enabled else '[dim]off[/]'} [b]{r.name}[/]: {r.describe()}"
                for r in data.rules
            )
        )

    def refresh_detail(self) -> None:
        data = getattr(self, "_data", None)
        if data is None:
            return
        key = self.query_one("#firings", SyncedTable).selected_key
        firing = next((f for f in data.alerts if str(f.id) == key), None)
        open_count = sum(1 for f in data.alerts if f.open)
        if firing is None:
            text = "No alert has fired." if not data.alerts else f"{open_count} open."
        else:
            state = "open" if firing.open else f"acknowledged by {firing.acknowledged_by}"
            simulated = " (simulated traffic)" if firing.simulated else ""
            text = f"{firing.message}{simulated}\n{open_count} open · this one {state}"
            if firing.notify_state in ("sent", "failed"):
                text += f" · webhook {firing.notify_state}"
        self.query_one("#alerts-note", Note).update(text)

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_detail()
