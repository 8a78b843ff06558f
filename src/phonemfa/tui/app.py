"""PhoneMfaApp: five peer sections as Textual modes over one injected service."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from phonemfa.service import PhoneMfa
from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.screens.live_log import LiveLogScreen
from phonemfa.tui.screens.settings import SettingsScreen
from phonemfa.tui.screens.simulator import SimulatorScreen
from phonemfa.tui.screens.templates import TemplatesScreen
from phonemfa.tui.screens.twilio import TwilioScreen
from phonemfa.tui.sections import SECTIONS


class PhoneMfaApp(App):
    TITLE = "phonemfa"
    CSS_PATH = "app.tcss"
    MODES = {
        "settings": SettingsScreen,
        "twilio": TwilioScreen,
        "templates": TemplatesScreen,
        "simulator": SimulatorScreen,
        "log": LiveLogScreen,
    }
    DEFAULT_MODE = "settings"
    BINDINGS = [
        Binding(s.key, f"switch_mode('{s.mode}')", s.title, id=f"section.{s.mode}")
        for s in SECTIONS
    ] + [Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True)]

    def __init__(self, service: PhoneMfa, *, background: bool = False) -> None:
        """`background=True` (the `phonemfa` command) runs the log stream and alert loop."""
        super().__init__()
        self.service = service
        self.background = None
        if background:
            from phonemfa.logstream import BackgroundLoop

            self.background = BackgroundLoop(service)

    def on_mount(self) -> None:
        if self.background is not None:
            self.background.start()
        # Every object alive now (modules, phonenumbers and Twilio metadata, the first screen)
        # lives as long as the app: keep them out of the collector's full passes, which walked
        # them all and stalled the screen 50-100 ms every few seconds (benchmarks/bench_console).
        gc.freeze()

    def on_unmount(self) -> None:
        if self.background is not None:
            self.background.stop()
        gc.unfreeze()  # collectable again once the app is gone (tests open many apps)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for section in SECTIONS:
            yield SystemCommand(
                f"Open {section.title}", section.purpose, partial(self.open_section, section.mode)
            )

    # Leaving a section goes through the screen, which may hold unsaved work and ask first.

    def leave_section(self, proceed: Callable[[], object]) -> None:
        screen = self.screen
        if isinstance(screen, SectionScreen):
            screen.confirm_leave(proceed)
        else:
            proceed()

    def open_section(self, mode: str) -> None:
        if isinstance(self.screen, ModalScreen) or mode == self.current_mode:
            return  # answer the open dialog first
        self.leave_section(partial(self.switch_mode, mode))

    async def action_switch_mode(self, mode: str) -> None:
        self.open_section(mode)

    async def action_quit(self) -> None:
        self.leave_section(self.exit)
