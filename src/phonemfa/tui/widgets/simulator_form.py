"""The simulator's left side: who the user is, their phone, what they do, their network, and
the traffic scenarios. It checks what is typed as it is typed; the screen reads it and acts."""

from __future__ import annotations

import ipaddress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from phonemfa.core.phone_input import PhoneInputCheck, check_phone_input
from phonemfa.core.settings import PROVIDER_LABELS, FactorSettings, defaults
from phonemfa.service.replay import bundled_scenarios

DEFAULT_IP = "203.0.113.10"  # a documentation address: the simulated user's network
PACES = [
    ("Play in about 15 s", "fit:15"),
    ("Play in about 60 s", "fit:60"),
    ("As fast as possible", "max"),
    ("Real time", "real"),
]


class SimulatorForm(VerticalScroll):
    def __init__(self, region: str, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.default_region = region
        self.values: dict[str, Any] = defaults()  # the tenant's settings, from the screen
        self.factor = FactorSettings.from_values(self.values)

    def on_mount(self) -> None:
        self.query_one("#sim-channel-row").display = False
        self.query_one("#sim-ip-check").display = False

    def compose(self) -> ComposeResult:
        region = self.default_region
        scenarios = [
            (path.stem.replace("_", " "), str(path)) for path in bundled_scenarios().values()
        ]
        yield Static("The user", classes="sim-heading")
        with Horizontal(classes="sim-row"):
            yield Label("User", classes="sim-label")
            yield Select([], id="sim-user", prompt="Pick a user", compact=True)
        with Horizontal(classes="sim-row"):
            yield Label("New user", classes="sim-label")
            yield Input(placeholder="user id, e.g. auth0|zoe", id="sim-new-user", compact=True)
            yield Button("Add", id="sim-add-user", compact=True)
        yield Static("", id="sim-user-status", classes="sim-note")
        yield Static("Their phone", classes="sim-heading")
        with Horizontal(classes="sim-row"):
            yield Label("Country", classes="sim-label")
            yield Select(
                [(region, region)], id="sim-country", value=region, allow_blank=False,
                compact=True,
            )  # fmt: skip
        with Horizontal(classes="sim-row"):
            yield Label("Number", classes="sim-label")
            yield Input(placeholder="national, or +E.164", id="sim-phone", compact=True)
        yield Static("", id="sim-phone-check", classes="sim-note")
        with Horizontal(classes="sim-row", id="sim-channel-row"):
            yield Label("Enroll by", classes="sim-label")
            with RadioSet(id="sim-channel", compact=True):
                yield RadioButton("SMS", id="sim-channel-sms", value=True)
                yield RadioButton("Voice call", id="sim-channel-voice")
        yield Static("", id="sim-channel-note", classes="sim-note")
        with Horizontal(classes="sim-buttons"):
            yield Button("Enroll", id="sim-enroll", variant="primary", compact=True)
            yield Button("Log in", id="sim-login", variant="primary", compact=True)
            yield Button("Resend", id="sim-resend", compact=True)
            yield Button("Unenroll", id="sim-unenroll", variant="error", compact=True)
        with Horizontal(classes="sim-row"):
            yield Label("Code", classes="sim-label")
            yield Input(placeholder="from the phone", id="sim-code", compact=True)
            yield Button("Verify", id="sim-verify", variant="success", compact=True)
        with Horizontal(classes="sim-row"):
            yield Label("Recovery code", classes="sim-label")
            yield Input(placeholder="24 characters", id="sim-recovery", compact=True)
            yield Button("Use", id="sim-recover", compact=True)
        yield Static("Network", classes="sim-heading")
        with Horizontal(classes="sim-row"):
            yield Label("User's IP", classes="sim-label")
            yield Input(DEFAULT_IP, placeholder="empty: no IP", id="sim-ip", compact=True)
        yield Static("", id="sim-ip-check", classes="sim-note")
        with Horizontal(classes="sim-buttons"):
            yield Button("Reset user's limits", id="sim-reset-limits", compact=True)
            yield Button("Unblock IP", id="sim-unblock", compact=True)
        yield Static("Traffic scenarios", classes="sim-heading")
        with Horizontal(classes="sim-row"):
            yield Label("Scenario", classes="sim-label")
            yield Select(
                scenarios, id="sim-scenario", allow_blank=False, compact=True,
                value=next((v for _, v in scenarios if "pumping" in v), Select.NULL),
            )  # fmt: skip
        with Horizontal(classes="sim-row"):
            yield Label("Pace", classes="sim-label")
            yield Select(PACES, id="sim-speed", value="fit:15", allow_blank=False, compact=True)
            yield Button("Play", id="sim-play", variant="warning", compact=True)

    # -- reading -------------------------------------------------------------------------

    def country(self) -> str | None:
        value = self.query_one("#sim-country", Select).value
        return value if isinstance(value, str) else None

    def chosen_channel(self) -> str | None:
        """The user's choice when both channels are offered; else the engine's only one."""
        if len(self.factor.offered_channels) < 2:
            return None
        pressed = self.query_one("#sim-channel", RadioSet).pressed_button
        return "voice" if pressed is not None and pressed.id == "sim-channel-voice" else "sms"

    def phone_check(self) -> PhoneInputCheck:
        channel = self.chosen_channel() or (self.factor.offered_channels or ("sms",))[0]
        text = self.query_one("#sim-phone", Input).value
        return check_phone_input(text, self.country(), channel, self.values)

    def ip(self) -> str | None:
        text = self.query_one("#sim-ip", Input).value.strip()
        if not text:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return None

    # -- checking as the user types ------------------------------------------------------------------------------

    @on(Input.Changed, "#sim-phone")
    def phone_typed(self) -> None:
        check = self.phone_check()
        if (
            check.number is not None
            and self.query_one("#sim-phone", Input).value.strip()[:1] == "+"
        ):
            select = self.query_one("#sim-country", Select)
            if select.value != check.number.region and self._has_country(check.number.region):
                select.value = check.number.region  # E.164 names its own country
        self.show_phone_check()

    @on(Select.Changed, "#sim-country")
    @on(RadioSet.Changed, "#sim-channel")
    def show_phone_check(self) -> None:
        text = self.query_one("#sim-phone", Input).value
        note = self.query_one("#sim-phone-check", Static)
        if not text.strip():
            note.update(
                "[dim]Type the number as the user would: national, or + and country code.[/]"
            )
            return
        check = self.phone_check()
        if check.ok and check.number:
            note.update(
                f"[b $success]✓[/] {check.number.region} · {check.number.type_label} · "
                f"{escape(check.formatted)}"
            )
        elif check.number:
            note.update(
                f"[b $warning]![/] {check.number.region} · {check.number.type_label} · "
                f"{escape(check.formatted)}\n[$warning]{escape(check.problem)}[/]"
            )
        else:
            note.update(f"[b $error]✗[/] {escape(check.problem)}")

    def _has_country(self, region: str) -> bool:
        select = self.query_one("#sim-country", Select)
        return any(value == region for _, value in select._options)  # noqa: SLF001

    @on(Input.Changed, "#sim-ip")
    def show_ip_check(self) -> None:
        text = self.query_one("#sim-ip", Input).value.strip()
        note = self.query_one("#sim-ip-check", Static)
        if text and self.ip() is None:
            note.update(f"[b $error]✗[/] {escape(text)} is not an IP address.")
        else:
            note.update("" if text else "[dim]No IP: per-IP limits do not apply.[/]")
        note.display = bool(text and self.ip() is None) or not text

    def show_factor(self, values: dict[str, Any]) -> None:
        """What the tenant offers: the channel choice only when both are offered (the seed)."""
        self.values, self.factor = values, FactorSettings.from_values(values)
        factor = self.factor
        offered = factor.offered_channels
        both = len(offered) == 2
        self.query_one("#sim-channel-row").display = both
        note = self.query_one("#sim-channel-note", Static)
        provider = PROVIDER_LABELS[factor.provider]
        if not factor.enabled:
            note.update("[b $warning]The factor is disabled[/] (F1): every attempt is refused.")
        elif both:
            note.update(f"[dim]SMS and voice are enabled: the user chooses ({provider}).[/]")
        elif offered:
            line = f"[dim]Only {offered[0].upper()} is offered: no choice ({provider}).[/]"
            if "voice" in factor.message_types and factor.provider == "auth0":
                line += (
                    "\n[$warning]Built-in cannot call.[/] [dim]For the voice flow choose Custom in "
                    "F1: the demo's action delivers SMS and calls to this phone.[/]"
                )
            note.update(line)
        else:
            note.update("[b $warning]No channel can be used with this provider[/] (F1).")
        self.show_phone_check()
