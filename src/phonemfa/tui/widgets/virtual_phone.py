"""The virtual phone: what the simulated user's handset received, and what each provider was
handed and answered. SMS as bubbles (the text exactly as delivered, the code stands out), voice
calls as a call card (the script, its pauses, the code read digit by digit)."""

from __future__ import annotations

import json
import re

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from phonemfa.core.masking import mask_phone
from phonemfa.core.settings import PROVIDER_LABELS
from phonemfa.core.twilio import explain
from phonemfa.delivery.base import VoicePart
from phonemfa.tui.simulator_session import PhoneItem

CODE_STYLE = "bold reverse $success"
PAUSE_STYLE = "bold reverse $accent"
DIM = "$text-muted"
CODE_PATTERN = re.compile(r"(?<![\d.])\d(?:\.?\d){3,9}(?![\d.]*\d)")
MAX_ITEMS = 12
DIGIT_GAP = "·"  # no space: a spoken code never wraps mid-way (wrapping breaks at any space)


def _code_in(text: str, code: str | None) -> re.Match[str] | None:
    if code:
        for form in (".".join(code), code):
            found = re.search(rf"(?<![\d.]){re.escape(form)}(?![\d.]*\d)", text)
            if found:
                return found
    return CODE_PATTERN.search(text)


def _with_code(text: str, code: str | None, spoken: bool) -> list[str | tuple[str, str]]:
    """`text` with every occurrence of the code highlighted; for a call, digit by digit."""
    parts: list[str | tuple[str, str]] = []
    rest = text
    while rest:
        found = _code_in(rest, code)
        if found is None:
            parts.append(rest)
            break
        digits = found.group(0).replace(".", "")
        parts.append(rest[: found.start()])
        parts.append((DIGIT_GAP.join(digits) if spoken else digits, CODE_STYLE))
        rest = rest[found.end() :]
        code = digits
    return parts


def voice_script(item: PhoneItem) -> tuple[VoicePart, ...]:
    if item.delivery and item.delivery.message.voice_parts:
        return item.delivery.message.voice_parts
    # From the inbox alone (another process sent it): the template's pauses render as "…".
    parts: list[VoicePart] = []
    for index, chunk in enumerate(item.text.split("…")):
        if index:
            parts.append(VoicePart("pause", seconds=1))
        if chunk.strip():
            parts.append(VoicePart("say", chunk.strip()))
    return tuple(parts)


def call_content(item: PhoneItem) -> Content:
    parts: list[str | tuple[str, str]] = [("Incoming call", "bold"), ". The caller says:\n"]
    for index, part in enumerate(voice_script(item)):
        if index:
            parts.append(" ")
        if part.kind == "pause":
            parts.append((f"[pause {part.seconds}s]", PAUSE_STYLE))
        else:
            parts.extend(_with_code(part.text, item.code, spoken=True))
    return Content.assemble(*parts)


def exchange_content(item: PhoneItem) -> Content:
    """What the provider was handed and what it answered (Twilio, an action; not Built-in)."""
    delivery = item.delivery
    if delivery is None or delivery.result.provider == "auth0":
        return Content("")
    result, request = delivery.result, delivery.result.request
    name = PROVIDER_LABELS.get(result.provider, result.provider)
    if result.provider == "twilio":
        handed = f"{request.get('method', 'POST')} …/{str(request.get('url', '')).split('/')[-1]}"
        sender = request.get("From") or request.get("MessagingServiceSid")
        handed += f" To {request.get('To', mask_phone(delivery.message.to))}"
        handed += f" From {sender}" if sender else ""
    elif result.provider == "phone-message-hook":
        action = str(request.get("action", "?")).split(":")[0]
        handed = f"action {action} ({delivery.message.channel})"
    else:
        handed = f"{delivery.message.channel} to {mask_phone(delivery.message.to)}"
    if result.ok:
        answer = f"{result.provider_id or ''} status {result.status}".strip()
        if result.provider == "phone-message-hook" and result.response:
            answer = json.dumps(result.response, ensure_ascii=False)[:120]
        answered: tuple[str, str] = (f"← {answer}", "$success")
    else:
        meaning = explain(result.error_code) if result.provider == "twilio" else ""
        said = result.error_message or ""
        words = f"{meaning} ({said})" if meaning and said and said != meaning else meaning or said
        answered = (f"← error {result.error_code}: {words}", "bold $error")
    return Content.assemble(("\n→ " + name + " ", DIM), (handed, DIM), "\n", answered)


class PhoneMessage(Static):
    """One SMS bubble or call card."""

    DEFAULT_CSS = """
    PhoneMessage {
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        margin: 0 0 0 0;
        height: auto;
        width: 1fr;
    }
    PhoneMessage.-voice { border: round $accent; }
    PhoneMessage.-failed { border: round $error; color: $text-muted; }
    """

    def __init__(self, item: PhoneItem) -> None:
        voice = item.channel == "voice"
        body = (
            call_content(item)
            if voice
            else Content.assemble(*_with_code(item.text, item.code, False))
        )
        super().__init__(Content.assemble(body, exchange_content(item)), markup=False)
        failed = item.delivery is not None and not item.delivery.result.ok
        self.border_title = f"{'Call' if voice else 'SMS'} · {item.time}"
        provider = item.delivery.result.provider if item.delivery else "auth0"
        self.border_subtitle = (
            "not delivered" if failed else PROVIDER_LABELS.get(provider, provider)
        )
        self.set_class(voice, "-voice")
        self.set_class(failed, "-failed")


class VirtualPhone(Vertical):
    DEFAULT_CSS = """
    VirtualPhone {
        border: heavy $panel-lighten-2;
        border-title-style: bold;
        border-title-color: $text;
        padding: 0 1;
    }
    VirtualPhone #phone-countdown { height: 1; color: $text-muted; }
    VirtualPhone #phone-countdown.-live { color: $success; text-style: bold; }
    VirtualPhone #phone-countdown.-late { color: $warning; text-style: bold; }
    VirtualPhone #phone-messages { height: 1fr; }
    VirtualPhone .phone-empty { color: $text-muted; padding: 1 0; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple = ()
        self.border_title = "Virtual phone"

    def compose(self) -> ComposeResult:
        yield Static("No code yet.", id="phone-countdown")
        with VerticalScroll(id="phone-messages"):
            yield Static("Nothing received yet.", classes="phone-empty")

    def show(self, number: str | None, formatted: str, items: list[PhoneItem]) -> None:
        self.border_title = f"Virtual phone · {formatted}" if number else "Virtual phone"
        items = items[-MAX_ITEMS:]
        key = tuple(
            (i.inbox.id if i.inbox else None, i.delivery.seq if i.delivery else None) for i in items
        )
        if key == self._shown:
            return
        self._shown = key
        box = self.query_one("#phone-messages", VerticalScroll)
        box.remove_children()
        if not items:
            box.mount(Static("Nothing received yet.", classes="phone-empty"))
            return
        box.mount_all(PhoneMessage(item) for item in items)
        box.call_after_refresh(box.scroll_end, animate=False)

    def countdown(self, text: str, state: str = "") -> None:
        label = self.query_one("#phone-countdown", Static)
        label.update(text)
        label.set_class(state == "live", "-live")
        label.set_class(state == "late", "-late")
