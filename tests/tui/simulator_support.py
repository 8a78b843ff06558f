"""Helpers of the simulator's console tests: act as the user, read the virtual phone."""

from __future__ import annotations

import io
import re

from rich.console import Console
from textual.widgets import Input, Select

from phonemfa.tui.widgets.decision_trail import DecisionTrail
from phonemfa.tui.widgets.virtual_phone import PhoneMessage

SPOKEN_CODE = re.compile(r"\d(?:·\d){3,9}")
SMS_CODE = re.compile(r"(?<![\d·] )\b\d{4,10}\b")


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_simulator(pilot) -> None:
    await pilot.press("f4")
    await settle(pilot)


async def pick_user(pilot, user_id: str) -> None:
    pilot.app.screen.query_one("#sim-user", Select).value = user_id
    await settle(pilot)


async def type_phone(pilot, text: str, country: str | None = None) -> None:
    screen = pilot.app.screen
    if country:
        screen.query_one("#sim-country", Select).value = country
    screen.query_one("#sim-phone", Input).value = text
    await settle(pilot)


async def click(pilot, selector: str) -> None:
    await pilot.click(selector)
    await settle(pilot)


def phone_messages(app) -> list[str]:
    return [plain(m.content) for m in app.screen.query(PhoneMessage)]


def phone_cards(app) -> list[PhoneMessage]:
    return list(app.screen.query(PhoneMessage))


def code_on_phone(app) -> str:
    """The code of the newest message, read the way a person reads their phone."""
    text = phone_messages(app)[-1]
    spoken = SPOKEN_CODE.search(text)
    if spoken:
        return re.sub(r"\D", "", spoken.group(0))
    return SMS_CODE.search(text).group(0)


async def enter_code(pilot, code: str) -> None:
    pilot.app.screen.query_one("#sim-code", Input).value = code
    await click(pilot, "#sim-verify")


def trail_text(app) -> str:
    """The decision trail panel as plain text: title, every row, subtitle."""
    trail = app.screen.query_one(DecisionTrail)
    return f"{trail.border_title}\n{plain(trail.query_one('#trail-body').content)}\n{trail.border_subtitle}"


def plain(content) -> str:
    """Text of a Static's content (markup, a Rich renderable or a Content)."""
    if isinstance(content, str):
        return content
    if hasattr(content, "plain"):
        return content.plain
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())
