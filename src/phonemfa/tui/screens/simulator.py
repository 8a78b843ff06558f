"""The enrollment simulator: play a user and their phone through enrollment and login, see every
decision the engine takes, watch the limits, and replay traffic scenarios.

Left, the user: who they are, their phone number (checked as they type), the channel when both
are offered (the seed's two flows), and what they do. Right, their virtual phone with the code's
countdown, the decision trail of the last attempt, and the limits. Everything that touches the
database or a provider runs in a thread worker; results come back as messages.
"""

from __future__ import annotations

import phonenumbers
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from phonemfa.core.trail import USER_TEXTS
from phonemfa.errors import PhoneMfaError
from phonemfa.service.results import CodeSent, RecoveryUsed, Verified
from phonemfa.tui.screens.dialogs import Choice, ChoiceDialog
from phonemfa.tui.screens.simulator_replay import SimulatorReplay
from phonemfa.tui.screens.simulator_work import (
    AttemptFinished,
    CountriesLoaded,
    LimitsChanged,
    SimulatorRefreshed,
    SimulatorWork,
    UsersLoaded,
)
from phonemfa.tui.simulator_session import DeliveryRecorder, SimulatedUser
from phonemfa.tui.widgets.decision_trail import DecisionTrail
from phonemfa.tui.widgets.limit_gauges import LimitGauges
from phonemfa.tui.widgets.simulator_form import SimulatorForm
from phonemfa.tui.widgets.virtual_phone import VirtualPhone

TITLES = {
    "enroll": "Enroll",
    "challenge": "Log in",
    "verify": "Verify code",
    "recover": "Recovery code",
    "unenroll": "Unenroll",
}


def formatted(number: str | None) -> str:
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class SimulatorScreen(SimulatorWork, SimulatorReplay):
    SECTION = "simulator"
    BINDINGS = [
        Binding("ctrl+e", "enroll", "Enroll", id="simulator.enroll"),
        Binding("ctrl+l", "login", "Log in", id="simulator.login"),
        Binding("ctrl+r", "resend", "Resend", id="simulator.resend"),
        Binding("escape", "cancel_replay", "Cancel replay", id="simulator.cancel_replay"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.user: SimulatedUser | None = None
        self.number: str | None = None  # E.164 of the virtual phone in the user's hand
        self.busy = False
        self._stop_observing = None
        self.recorder = DeliveryRecorder(lambda: 0.0)  # bound to the service's clock on mount
        self.users: dict[str, SimulatedUser] = {}  # what each user holds, for this session
        self.phones: dict[str, str] = {}  # user id -> the number they signed up with
        self._applied_refresh = 0
        self._ticks = 0
        self._factor_shown = False

    # -- layout ------------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        region = self.service.setting("default_region") or "US"
        with Horizontal(id="sim-body"):
            yield SimulatorForm(region, id="sim-controls")
            with Vertical(id="sim-device"):
                yield VirtualPhone(id="sim-phone-view")
                yield DecisionTrail(id="sim-trail")
                yield LimitGauges(id="sim-gauges")

    def on_mount(self) -> None:
        self.recorder = DeliveryRecorder(self.service.now)
        self._stop_observing = self.service.observe_deliveries(self.recorder)
        self.load_users()
        self.load_countries()
        self.refresh_state()
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        if self._stop_observing is not None:
            self._stop_observing()
        if self.replay_cancel is not None:
            self.replay_cancel.set()

    def on_screen_resume(self) -> None:
        self.load_users()  # the API or the CLI may have created users meanwhile
        self.refresh_state()

    # -- the form -------------------------------------------------------------------------------

    @property
    def form(self) -> SimulatorForm:
        return self.query_one(SimulatorForm)

    def ip(self) -> str | None:
        return self.form.ip()

    @on(Input.Changed, "#sim-ip")
    def ip_changed(self) -> None:
        self.refresh_state()  # the IP gauge follows the address

    # -- acting as the user -----------------------------------------------------------------------

    def start(self, op: str, **params: str | None) -> None:
        if self.user is None:
            self.notify("Pick or add a user first.", severity="warning", timeout=4)
            return
        if self.busy:
            return
        self.set_busy(True)
        self.run_attempt(op, self.user.user_id, params, self.ip())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        for name in ("enroll", "login", "resend", "verify", "recover", "unenroll"):
            self.query_one(f"#sim-{name}", Button).disabled = busy

    @on(Button.Pressed, "#sim-enroll")
    def action_enroll(self) -> None:
        check = self.form.phone_check()
        if check.number is not None and self.user is not None and not self.busy:
            self.number = check.number.e164  # the phone being enrolled is the one in hand
        self.start("enroll", phone=check.text, channel=self.form.chosen_channel())

    @on(Button.Pressed, "#sim-login")
    def action_login(self) -> None:
        self.start("challenge")

    @on(Button.Pressed, "#sim-resend")
    def action_resend(self) -> None:
        if self.user is None or self.user.last_op is None:
            self.notify("Nothing to resend yet: enroll or log in first.", timeout=4)
            return
        self.start(self.user.last_op, **self.user.last_params)

    @on(Button.Pressed, "#sim-verify")
    @on(Input.Submitted, "#sim-code")
    def verify_code(self) -> None:
        sent = self.user.sent if self.user else None
        if sent is None:
            self.notify("No code was sent yet: enroll or log in first.", timeout=4)
            return
        code = self.query_one("#sim-code", Input).value.strip()
        what = "enrollment" if sent.action == "enrollment" else "login"
        self.start("verify", transaction=sent.transaction_id, code=code, what=what)

    @on(Button.Pressed, "#sim-recover")
    @on(Input.Submitted, "#sim-recovery")
    def use_recovery(self) -> None:
        self.start("recover", code=self.query_one("#sim-recovery", Input).value)

    @on(Button.Pressed, "#sim-unenroll")
    def unenroll(self) -> None:
        if self.user is None:
            return
        user_id = self.user.user_id

        def answered(answer: str | None) -> None:
            if answer == "unenroll":
                self.start("unenroll")

        self.app.push_screen(
            ChoiceDialog(
                "Unenroll",
                f"Delete every phone enrollment of {user_id}? Their recovery code goes too.",
                [Choice("keep", "Keep"), Choice("unenroll", "Unenroll", "error")],
                cancel_answer="keep",
            ),
            answered,
        )

    def on_attempt_finished(self, message: AttemptFinished) -> None:
        self.set_busy(False)
        user = self.user
        if user is None or user.user_id != message.user_id:
            self.refresh_state()
            return
        trail = self.query_one("#sim-trail", DecisionTrail)
        title = f"{TITLES[message.op]} · {message.user_id}"
        if message.op == "verify":
            title = f"Verify {message.params['what']} code · {message.user_id}"
        for delivery in message.deliveries:
            self.number = delivery.message.to  # the code went to this phone
        result, error = message.result, message.error
        if isinstance(result, CodeSent):
            user.sent, user.code_state = result, ""
            user.last_op, user.last_params = message.op, dict(message.params)
            if result.recovery_code:
                user.recovery_code = result.recovery_code
            what = "call" if result.channel == "voice" else "SMS"
            trail.show_attempt(title, [d.to_json() for d in result.trail], f"{what} sent")
            self.query_one("#sim-code", Input).value = ""
        elif isinstance(result, Verified):
            user.code_state = "used"
            done = "Enrollment confirmed" if result.enrollment_completed else "Logged in"
            trail.show_attempt(title, [d.to_json() for d in result.trail], done)
            self.notify(f"{done}: {result.user_id}.", title="Simulator", timeout=4)
        elif isinstance(result, RecoveryUsed):
            user.recovery_code = result.recovery_code
            trail.show_attempt(title, [d.to_json() for d in result.trail], "Logged in")
            self.notify("Logged in with the recovery code; a new one replaces it.", timeout=5)
        elif isinstance(result, list):  # unenrolled
            user.sent, user.recovery_code = None, None
            lines = [f"Deleted {e.id}: {e.phone_number}, {e.channel}, {e.status}." for e in result]
            trail.show_text(title, Text("\n".join(lines) or "No enrollment to delete."), "done")
        elif error is not None:
            self.show_refusal(title, message.op, error)
        self.refresh_state()

    def show_refusal(self, title: str, op: str, error: PhoneMfaError) -> None:
        trail = self.query_one("#sim-trail", DecisionTrail)
        decisions = error.details.get("trail")
        key = error.details.get("key")
        if decisions:
            trail.show_attempt(title, decisions, f"refused: {error.code}")
        else:
            trail.show_text(title, Text(error.message, style="bold red"), f"refused: {error.code}")
        failed_send = (
            op in ("enroll", "challenge") and decisions and decisions[-1]["step"] == "result"
        )
        if failed_send and self.user is not None:
            self.user.code_state = "failed"  # the code never reached the phone
        said = USER_TEXTS.get(key or "", error.message)
        self.notify(said, title=f"Refused ({key or error.code})", severity="warning", timeout=6)

    # -- limits -----------------------------------------------------------------------------------

    @on(Button.Pressed, "#sim-reset-limits")
    def reset_limits(self) -> None:
        if self.user is not None:
            self.change_limits("reset", self.user.user_id)

    @on(Button.Pressed, "#sim-unblock")
    def unblock(self) -> None:
        ip = self.ip()
        if ip is None:
            self.notify("Type the IP address to unblock.", timeout=4)
            return
        self.change_limits("unblock", ip)

    def on_limits_changed(self, message: LimitsChanged) -> None:
        if message.error is not None:
            self.notify(message.error.message, severity="warning", timeout=5)
        else:
            self.notify(message.done, timeout=4)
        self.refresh_state()

    # -- users ------------------------------------------------------------------------------------

    @on(Button.Pressed, "#sim-add-user")
    @on(Input.Submitted, "#sim-new-user")
    def add_user(self) -> None:
        user_id = self.query_one("#sim-new-user", Input).value.strip()
        if user_id:
            self.save_new_user(user_id)

    def on_users_loaded(self, message: UsersLoaded) -> None:
        if message.error is not None:
            self.notify(message.error.message, title="User not added", severity="error")
            return
        self.phones = {u.user_id: u.phone_number for u in message.users if u.phone_number}
        select = self.query_one("#sim-user", Select)
        current = select.value
        select.set_options(
            (f"{u.name or u.user_id} · {u.user_id}", u.user_id) for u in message.users
        )
        wanted = message.select or (current if isinstance(current, str) else None)
        ids = [u.user_id for u in message.users]
        if wanted not in ids:
            wanted = ids[0] if ids else None
        if wanted is not None:
            select.value = wanted
        if message.select:
            self.query_one("#sim-new-user", Input).value = ""

    @on(Select.Changed, "#sim-user")
    def user_picked(self, event: Select.Changed) -> None:
        value = event.value
        if not isinstance(value, str) or (self.user and self.user.user_id == value):
            return
        self.user = self.users.setdefault(value, SimulatedUser(value))
        phone = self.phones.get(value)
        self.number = phone
        if phone:
            self.query_one("#sim-phone", Input).value = phone
        self.refresh_state()

    def on_countries_loaded(self, message: CountriesLoaded) -> None:
        select = self.query_one("#sim-country", Select)
        value = select.value
        select.set_options((c.label, c.region) for c in message.countries)
        select.value = value
        self.form.show_phone_check()

    # -- what the screen shows --------------------------------------------------------------------

    def on_simulator_refreshed(self, message: SimulatorRefreshed) -> None:
        if message.seq < self._applied_refresh:
            return
        self._applied_refresh = message.seq
        if message.values != self.form.values or not self._factor_shown:
            self._factor_shown = True
            self.form.show_factor(message.values)
        if message.number == self.number:
            self.query_one("#sim-phone-view", VirtualPhone).show(
                self.number, formatted(self.number), message.items
            )
        self.query_one("#sim-gauges", LimitGauges).show(message.limits)
        self.query_one("#sim-unblock", Button).display = message.limits.blocked is not None
        self.show_user_status(message)
        self.countdown()

    def show_user_status(self, message: SimulatorRefreshed) -> None:
        user = self.user
        status = self.query_one("#sim-user-status", Static)
        if user is None or message.user_id != user.user_id:
            status.update("[dim]Pick a demo user or add one.[/]")
            return
        if not message.enrollments:
            line = "[dim]No phone enrolled yet.[/]"
        else:
            line = "\n".join(
                f"{'[b $success]Enrolled[/]' if e.status == 'confirmed' else '[b $warning]Pending[/]'}"
                f" {e.phone_number} by {e.channel.upper() if e.channel == 'sms' else 'voice'}"
                for e in message.enrollments
            )
        if user.recovery_code:
            code = " ".join(user.recovery_code[i : i + 4] for i in range(0, 24, 4))
            line += f"\nRecovery code, keep it: [b]{code}[/]"
        status.update(line)

    def tick(self) -> None:
        """Each second: the code's countdown (service clock); every other second, a poll of the
        phone and the limits (another process may deliver, buckets refill), one at a time."""
        self._ticks += 1
        if self._ticks % 2 == 0 and self._applied_refresh == self._refresh_seq:
            self.refresh_state()
        self.countdown()

    def countdown(self) -> None:
        phone = self.query_one("#sim-phone-view", VirtualPhone)
        sent = self.user.sent if self.user else None
        if sent is None or self.user is None:
            phone.countdown("No code on its way.")
            return
        kind = "Enrollment" if sent.action == "enrollment" else "Login"
        how = "call" if sent.channel == "voice" else "SMS"
        if self.user.code_state == "used":
            phone.countdown(f"{kind} code used.")
        elif self.user.code_state == "failed":
            phone.countdown(f"{kind} {how} not delivered.", "late")
        else:
            left = int(sent.expires_at - self.service.now())
            if left > 0:
                phone.countdown(
                    f"{kind} code by {how}: expires in {left // 60}:{left % 60:02d}", "live"
                )
            else:
                phone.countdown(f"{kind} code expired {-left} s ago: resend for a new one.", "late")
