"""What every section screen shares: the section bar, the footer, access to the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from phonemfa.tui.widgets.alert_banner import AlertBanner
from phonemfa.tui.widgets.section_bar import SectionBar

if TYPE_CHECKING:
    from phonemfa.service import PhoneMfa


class SectionScreen(Screen):
    SECTION = ""

    @property
    def service(self) -> PhoneMfa:
        return self.app.service  # type: ignore[attr-defined]

    def compose_chrome(self) -> ComposeResult:
        yield SectionBar(self.SECTION, self.service.factor_settings().friendly_name)
        yield AlertBanner()

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def confirm_leave(self, proceed: Callable[[], object]) -> None:
        """Called before the console leaves this section (another section, quit); a screen with
        unsaved work asks first and calls `proceed` only if the user agrees."""
        proceed()
