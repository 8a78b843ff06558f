"""A bounded, line-per-event log with a cursor: Textual's `Log` idea (render only the visible
lines, append in batches, keep at most `max_lines`), plus colour by category and selection.

The widget keeps the events themselves (a ring of the newest `max_lines`), so selecting a line
gives its event without a query.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from phonemfa.core.events import Event
from phonemfa.core.eventview import summary

CATEGORY_STYLES = {
    "sent": Style(color="green"),
    "failed": Style(color="red", bold=True),
    "limited": Style(color="yellow"),
    "blocked": Style(color="magenta", bold=True),
    "settings": Style(color="cyan"),
    "flow": Style(color="bright_black"),
    "alert": Style(color="white", bgcolor="red", bold=True),
    "other": Style(),
}
CURSOR_STYLE = Style(reverse=True)


class EventLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    EventLog {
        background: $surface;
        overflow: auto scroll;
        &:focus { background-tint: $foreground 5%; }
    }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-20)", "Page up", show=False),
        Binding("pagedown", "cursor(20)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("enter", "open", "Show JSON", id="log.open"),
        Binding("escape", "clear_cursor", "Follow", show=False),
    ]

    class Selected(Message):
        """The operator asked to see one event in full."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, max_lines: int = 2000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.entries: list[Event] = []
        self.cursor: int | None = None  # index into entries; None follows the newest
        self._width = 0
        self._cache: dict[tuple[int, bool], Strip] = {}

    # -- content -------------------------------------------------------------------------------

    def append(self, new: Iterable[Event]) -> None:
        """Add a batch at the end (one layout and one repaint per batch)."""
        batch = list(new)
        if not batch:
            return
        at_end = self.is_vertical_scroll_end or self.max_scroll_y == 0
        self.entries.extend(batch)
        overflow = len(self.entries) - self.max_lines
        if overflow > 0:
            del self.entries[:overflow]
            self._cache.clear()
            if self.cursor is not None:
                self.cursor = self.cursor - overflow if self.cursor >= overflow else None
        self._width = max(self._width, *(len(summary(e)) for e in batch))
        self.virtual_size = Size(self._width, len(self.entries))
        if self.cursor is None and at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def replace(self, events_: Iterable[Event]) -> None:
        self.entries = []
        self.cursor = None
        self._cache.clear()
        self._width = 0
        self.virtual_size = Size(0, 0)
        self.append(events_)
        if not self.entries:
            self.refresh()

    @property
    def selected(self) -> Event | None:
        if self.cursor is None or not self.entries:
            return None
        return self.entries[self.cursor]

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.entries):
            return Strip.blank(width, base)
        event = self.entries[index]
        key = (event.id, index == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            style = base + CATEGORY_STYLES.get(event.category, Style())
            if index == self.cursor:
                style += CURSOR_STYLE
            strip = Strip([Segment(summary(event), style)])
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def on_resize(self) -> None:
        if self.cursor is None:  # following: stay on the newest line when the size changes
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # -- selection -----------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self.entries:
            return
        index = max(0, min(len(self.entries) - 1, index))
        self.cursor = index
        self._cache.clear()
        self.scroll_to_region_line(index)
        self.refresh()

    def scroll_to_region_line(self, index: int) -> None:
        top = self.scroll_offset.y
        height = max(1, self.size.height)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        start = self.cursor if self.cursor is not None else len(self.entries)
        self._move_to(start + delta)

    def action_cursor_to(self, index: int) -> None:
        if index < 0:
            self.action_clear_cursor()
        else:
            self._move_to(index)

    def action_clear_cursor(self) -> None:
        """Back to following the newest events."""
        self.cursor = None
        self._cache.clear()
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Selected(self.selected))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.entries):
            self._move_to(index)
            if event.chain >= 2:
                self.action_open()
