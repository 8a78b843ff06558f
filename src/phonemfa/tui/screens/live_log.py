"""Live log (F5): every send, failure, refusal and block as it is written, by this process or any
other, with filters, pause, the full JSON of any event, and side panels for traffic, limits,
countries, log streams and alerts.

Feeding: a timer polls the events table by id in a thread worker and appends each batch at once
to a bounded line widget. Panels reload every few seconds in another worker. Nothing here queries
the database on the UI thread.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from phonemfa.core.events import Event
from phonemfa.core.eventview import EventFilter, kind_choices
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CONSOLE
from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.screens.dialogs import Choice, ChoiceDialog
from phonemfa.tui.screens.event_detail import EventDetailScreen
from phonemfa.tui.screens.stream_form import StreamFormScreen
from phonemfa.tui.widgets.event_log import EventLog
from phonemfa.tui.widgets.monitor_panels import (
    CountriesPanel,
    LimitsPanel,
    PanelData,
    TrafficPanel,
)
from phonemfa.tui.widgets.ops_panels import AlertsPanel, StreamsPanel

MAX_LINES = 2000  # lines kept on screen (and events kept for selection)
HISTORY_SCAN = 5000  # newest events scanned when a filter changes
POLL_INTERVAL = 0.25
PANEL_INTERVAL = 2.0


class EventsArrived(Message):
    def __init__(
        self, generation: int, events: list[Event], newest: int, error: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.events = events
        self.newest = newest
        self.error = error


class HistoryLoaded(Message):
    def __init__(self, generation: int, events: list[Event], last_id: int) -> None:
        super().__init__()
        self.generation = generation
        self.events = events
        self.last_id = last_id


class PanelsLoaded(Message):
    def __init__(self, data: PanelData) -> None:
        super().__init__()
        self.data = data


class OperationDone(Message):
    """A change made from a panel (unblock, stream, alerts) finished, well or not."""

    def __init__(self, text: str, error: PhoneMfaError | None = None) -> None:
        super().__init__()
        self.text = text
        self.error = error


class LiveLogScreen(SectionScreen):
    SECTION = "log"
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/Resume", id="log.pause"),
        Binding("slash", "focus_filter", "Filter", id="log.filter"),
        Binding("ctrl+l", "clear_filters", "Clear filters", id="log.clear"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="log-filters"):
            yield Select(kind_choices(), prompt="Any type", id="f-kind")
            yield Input(placeholder="user", id="f-user")
            yield Input(placeholder="country", id="f-country", max_length=3)
            yield Select([("SMS", "sms"), ("Voice", "voice")], prompt="Any channel", id="f-channel")
            yield Input(placeholder="search text", id="f-text")
            yield Button("Pause", id="pause")
        with Horizontal(id="log-main"):
            with Vertical(id="log-left"):
                yield EventLog(max_lines=MAX_LINES, id="events")
                yield Static("", id="log-status")
            with TabbedContent(id="log-panels"):
                with TabPane("Traffic", id="tab-traffic"):
                    yield TrafficPanel()
                with TabPane("Limits", id="tab-limits"):
                    yield LimitsPanel()
                with TabPane("Countries", id="tab-countries"):
                    yield CountriesPanel()
                with TabPane("Streams", id="tab-streams"):
                    yield StreamsPanel()
                with TabPane("Alerts", id="tab-alerts"):
                    yield AlertsPanel()

    def on_mount(self) -> None:
        self.paused = False
        self.filter = EventFilter()
        self._generation = 0
        self._last_id = 0
        self._newest = 0
        self._fetching = False
        self._loading = True
        self._last_error: str | None = None
        self._filter_timer: Any = None
        self.reload()
        self.load_panels()
        self.set_interval(POLL_INTERVAL, self.poll)
        self.set_interval(PANEL_INTERVAL, self.load_panels)
        self.query_one(EventLog).focus()

    # -- the feed ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the newest matching events again (after a filter change)."""
        self._generation += 1
        self._loading = True
        self.load_history(self._generation, self.filter)

    @work(thread=True, group="log-history", exclusive=True, exit_on_error=False)
    def load_history(self, generation: int, wanted: EventFilter) -> None:
        last = self.service.last_event_id()
        recent = [e for e in self.service.recent_events(HISTORY_SCAN) if e.id <= last]
        matching = [e for e in recent if wanted.matches(e)][-MAX_LINES:]
        self.post_message(HistoryLoaded(generation, matching, last))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._last_id = message.last_id
        self._newest = message.last_id
        self.query_one(EventLog).replace(message.events)
        self.update_status()

    def poll(self) -> None:
        if self._loading or self._fetching:
            return
        self._fetching = True
        self.fetch(self._generation, self._last_id, self.paused)

    @work(thread=True, group="log-poll", exit_on_error=False)
    def fetch(self, generation: int, last_id: int, paused: bool) -> None:
        try:
            if paused:
                self.post_message(EventsArrived(generation, [], self.service.last_event_id()))
                return
            events = self.service.events_after(last_id, limit=1000)
        except Exception as exc:  # a locked or vanished file: say so, keep polling
            self.post_message(EventsArrived(generation, [], last_id, error=str(exc)))
            return
        newest = events[-1].id if events else last_id
        self.post_message(EventsArrived(generation, events, newest))

    def on_events_arrived(self, message: EventsArrived) -> None:
        self._fetching = False
        if message.error and message.error != self._last_error:
            self.notify(f"Cannot read the log: {message.error}", severity="error", timeout=8)
        self._last_error = message.error
        if message.generation != self._generation:
            return
        self._newest = max(self._newest, message.newest)
        if message.events:
            self._last_id = message.events[-1].id
            self.query_one(EventLog).append(e for e in message.events if self.filter.matches(e))
        self.update_status()

    def update_status(self) -> None:
        log = self.query_one(EventLog)
        if self.paused:
            behind = max(0, self._newest - self._last_id)
            state = f"[b yellow]⏸ Paused[/] · {behind} new · p resumes"
        else:
            state = "[b green]● Live[/]"
        shown = f"{len(log.entries)} shown" + (
            f" (newest {MAX_LINES} kept)" if len(log.entries) >= MAX_LINES else ""
        )
        filt = f" · filter: {self.filter.describe()}" if self.filter.active else ""
        hint = " · ↑↓ select, Enter shows the JSON" if log.entries else ""
        self.query_one("#log-status", Static).update(f"{state} · {shown}{filt}{hint}")

    # -- filters and pause ---------------------------------------------------------------------

    def read_filter(self) -> EventFilter:
        kind = self.query_one("#f-kind", Select)
        channel = self.query_one("#f-channel", Select)
        return EventFilter(
            kind=None if kind.is_blank() else str(kind.value),
            user=self.query_one("#f-user", Input).value.strip() or None,
            country=self.query_one("#f-country", Input).value.strip() or None,
            channel=None if channel.is_blank() else str(channel.value),
            text=self.query_one("#f-text", Input).value.strip() or None,
        )

    @on(Input.Changed, "#log-filters Input")
    @on(Select.Changed, "#log-filters Select")
    def _filters_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.3, self.apply_filters)

    def apply_filters(self) -> None:
        wanted = self.read_filter()
        if wanted != self.filter:
            self.filter = wanted
            self.reload()

    def action_clear_filters(self) -> None:
        self.query_one("#f-kind", Select).clear()
        self.query_one("#f-channel", Select).clear()
        for name in ("#f-user", "#f-country", "#f-text"):
            self.query_one(name, Input).value = ""
        self.apply_filters()

    def action_focus_filter(self) -> None:
        self.query_one("#f-text", Input).focus()

    @on(Button.Pressed, "#pause")
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.query_one("#pause", Button).label = "Resume" if self.paused else "Pause"
        self.update_status()

    def on_event_log_selected(self, message: EventLog.Selected) -> None:
        self.app.push_screen(EventDetailScreen(message.event))

    # -- panels --------------------------------------------------------------------------------

    @work(thread=True, group="log-panels", exclusive=True, exit_on_error=False)
    def load_panels(self) -> None:
        service = self.service
        streams = service.list_streams()
        data = PanelData(
            now=service.now(),
            traffic=service.traffic_per_minute(60),
            reasons=service.failure_reasons(24),
            limited=service.limited_users(),
            blocked=service.blocked_ips(),
            countries=service.country_usage_today(),
            streams=[(s, service.stream_lag(s)) for s in streams],
            alerts=service.recent_alerts(30),
            rules=service.alert_rules(),
        )
        self.post_message(PanelsLoaded(data))

    def on_panels_loaded(self, message: PanelsLoaded) -> None:
        for panel in (TrafficPanel, LimitsPanel, CountriesPanel, StreamsPanel, AlertsPanel):
            self.query_one(panel).show(message.data)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker that raised (a bug, a vanished database): say so instead of going blank."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{event.worker.group or 'update'} failed: {error}",
                title="Live log",
                severity="error",
                timeout=10,
            )

    def on_operation_done(self, message: OperationDone) -> None:
        if message.error is not None:
            self.notify(message.error.message, title=message.text, severity="error", timeout=8)
        else:
            self.notify(message.text, timeout=4)
        self.load_panels()

    @work(thread=True, group="log-operation", exit_on_error=False)
    def operate(self, label: str, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            getattr(self.service, method)(*args, **kwargs)
        except PhoneMfaError as exc:
            self.post_message(OperationDone(f"{label} failed", exc))
        else:
            self.post_message(OperationDone(label))

    # -- panel actions -------------------------------------------------------------------------

    @on(Button.Pressed, "#unblock")
    def _unblock(self) -> None:
        ip = self.query_one(LimitsPanel).selected_ip
        if ip is None:
            return

        def answered(answer: str | None) -> None:
            if answer == "unblock":
                self.operate(f"Unblocked {ip}.", "unblock_ip", ip, actor=CONSOLE)

        self.app.push_screen(
            ChoiceDialog(
                f"Unblock {ip}?",
                "Enrollments from this address will be accepted again. If the traffic that "
                "blocked it goes on, it will be blocked again.",
                [Choice("cancel", "Cancel"), Choice("unblock", "Unblock", "warning")],
                cancel_answer="cancel",
            ),
            answered,
        )

    @on(Button.Pressed, "#reset-user")
    def _reset_user(self) -> None:
        user = self.query_one(LimitsPanel).selected_user
        if user is None:
            return

        def answered(answer: str | None) -> None:
            if answer == "reset":
                self.operate(f"Limits reset for {user}.", "reset_user_limits", user, actor=CONSOLE)

        self.app.push_screen(
            ChoiceDialog(
                f"Reset the limits of {user}?",
                "Their message and wrong-code buckets refill at once: they can receive codes "
                "and try codes again now.",
                [Choice("cancel", "Cancel"), Choice("reset", "Reset limits", "warning")],
                cancel_answer="cancel",
            ),
            answered,
        )

    @on(Button.Pressed, "#stream-add")
    def _add_stream(self) -> None:
        def added(stream: Any) -> None:
            if stream is not None:
                self.notify(f"Log stream {stream.name} added.", timeout=4)
                self.load_panels()

        self.app.push_screen(StreamFormScreen(), added)

    @on(Button.Pressed, "#stream-toggle")
    def _toggle_stream(self) -> None:
        stream = self.query_one(StreamsPanel).selected_stream
        if stream is None:
            return
        if stream.status == "active":
            self.operate(f"Paused {stream.name}.", "pause_stream", stream.id)
        else:
            self.operate(f"Resumed {stream.name}.", "resume_stream", stream.id)

    @on(Button.Pressed, "#stream-remove")
    def _remove_stream(self) -> None:
        stream = self.query_one(StreamsPanel).selected_stream
        if stream is None:
            return

        def answered(answer: str | None) -> None:
            if answer == "remove":
                self.operate(f"Removed {stream.name}.", "remove_stream", stream.id)

        self.app.push_screen(
            ChoiceDialog(
                f"Remove the log stream {stream.name}?",
                f"{stream.target} will receive no more events; its stored Authorization is "
                "deleted.",
                [Choice("cancel", "Cancel"), Choice("remove", "Remove", "error")],
                cancel_answer="cancel",
            ),
            answered,
        )

    @on(Button.Pressed, "#alerts-ack")
    def _acknowledge(self) -> None:
        self.operate("Alerts acknowledged.", "acknowledge_alerts", None, actor=CONSOLE)
