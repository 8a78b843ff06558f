"""The simulator's workers: every call into the service runs in a thread and reports back with a
message named after what happened, so the screen never waits on the database or a provider."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.message import Message
from textual.worker import Worker, WorkerState

from phonemfa.core.phone_input import Country, countries
from phonemfa.core.settings import FactorSettings
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CONSOLE
from phonemfa.service.results import Enrollment
from phonemfa.service.users import User
from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.screens.simulator_replay import ReplayFinished
from phonemfa.tui.simulator_session import Delivery, PhoneItem, phone_items
from phonemfa.tui.widgets.limit_gauges import Limits

USER_AGENT = "phonemfa simulator"


class AttemptFinished(Message):
    def __init__(
        self,
        op: str,
        user_id: str,
        params: dict[str, Any],
        result: Any,
        error: PhoneMfaError | None,
        deliveries: list[Delivery],
    ) -> None:
        super().__init__()
        self.op, self.user_id, self.params = op, user_id, params
        self.result, self.error, self.deliveries = result, error, deliveries


class SimulatorRefreshed(Message):
    def __init__(
        self,
        seq: int,
        values: dict[str, Any],
        user_id: str | None,
        number: str | None,
        items: list[PhoneItem],
        limits: Limits,
        enrollments: list[Enrollment],
    ) -> None:
        super().__init__()
        self.seq, self.values, self.user_id, self.number = seq, values, user_id, number
        self.factor = FactorSettings.from_values(values)
        self.items, self.limits, self.enrollments = items, limits, enrollments


class UsersLoaded(Message):
    def __init__(
        self, users: list[User], select: str | None = None, error: PhoneMfaError | None = None
    ) -> None:
        super().__init__()
        self.users, self.select, self.error = users, select, error


class CountriesLoaded(Message):
    def __init__(self, found: tuple[Country, ...]) -> None:
        super().__init__()
        self.countries = found


class LimitsChanged(Message):
    def __init__(self, done: str, error: PhoneMfaError | None = None) -> None:
        super().__init__()
        self.done, self.error = done, error


class SimulatorWork(SectionScreen):
    """The workers of SimulatorScreen (a Screen, so Textual registers its handlers); they read
    the screen's recorder, user, phone number and form."""

    recorder: Any
    user: Any
    number: str | None
    ip: Any
    set_busy: Any
    _refresh_seq = 0
    _applied_refresh = 0

    @work(thread=True, exclusive=True, group="sim-attempt", exit_on_error=False)
    def run_attempt(self, op: str, user_id: str, params: dict[str, Any], ip: str | None) -> None:
        service = self.service
        mark = self.recorder.mark()
        context = {"ip": ip, "user_agent": USER_AGENT, "simulated": True}
        result: Any = None
        error = None
        try:
            if op == "enroll":
                result = service.start_enrollment(
                    user_id, params["phone"], params.get("channel"), **context
                )
            elif op == "challenge":
                result = service.challenge(user_id, **context)
            elif op == "verify":
                result = service.verify(
                    params["transaction"], params["code"], user_id=user_id, **context
                )
            elif op == "recover":
                result = service.use_recovery_code(user_id, params["code"], **context)
            elif op == "unenroll":
                result = [
                    service.delete_enrollment(e.id, actor=CONSOLE, user_id=user_id, **context)
                    for e in service.list_enrollments(user_id)
                ]
        except PhoneMfaError as exc:
            error = exc
        deliveries = self.recorder.since(mark)
        self.post_message(AttemptFinished(op, user_id, params, result, error, deliveries))

    def refresh_state(self) -> None:
        self._refresh_seq += 1
        user = self.user.user_id if self.user else None
        self._refresh(self._refresh_seq, user, self.number, self.ip())

    @work(thread=True, group="sim-refresh", exit_on_error=False)
    def _refresh(self, seq: int, user_id: str | None, number: str | None, ip: str | None) -> None:
        service = self.service
        values = service.settings_values()
        inbox = service.inbox(number) if number else []
        deliveries = self.recorder.to_number(number) if number else []
        limits = Limits(
            messages=service.bucket_status("user_messages", user_id) if user_id else None,
            wrong_codes=service.bucket_status("wrong_codes", user_id) if user_id else None,
            ip=ip,
            ip_starts=service.bucket_status("ip_enroll", ip) if ip else None,
            blocked=service.blocked_ip(ip) if ip else None,
        )
        enrollments = service.list_enrollments(user_id) if user_id else []
        self.post_message(
            SimulatorRefreshed(
                seq, values, user_id, number, phone_items(inbox, deliveries), limits, enrollments
            )
        )

    @work(thread=True, exclusive=True, group="sim-users", exit_on_error=False)
    def load_users(self, select: str | None = None) -> None:
        self.post_message(UsersLoaded(self.service.list_users(), select))

    @work(thread=True, exclusive=True, group="sim-users", exit_on_error=False)
    def save_new_user(self, user_id: str) -> None:
        service = self.service
        try:
            if service.find_user(user_id) is None:
                service.save_user(User(user_id=user_id))
        except PhoneMfaError as exc:
            self.post_message(UsersLoaded([], None, exc))
            return
        self.post_message(UsersLoaded(service.list_users(), user_id))

    @work(thread=True, exclusive=True, group="sim-countries", exit_on_error=False)
    def load_countries(self) -> None:
        self.post_message(CountriesLoaded(countries()))

    @work(thread=True, exclusive=True, group="sim-limits", exit_on_error=False)
    def change_limits(self, what: str, subject: str) -> None:
        service = self.service
        try:
            if what == "reset":
                service.reset_user_limits(subject, actor=CONSOLE)
                done = f"{subject}'s message and code limits are full again."
            else:
                service.unblock_ip(subject, actor=CONSOLE)
                done = f"IP {subject} unblocked."
        except PhoneMfaError as exc:
            self.post_message(LimitsChanged("", exc))
            return
        self.post_message(LimitsChanged(done))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in a worker becomes a notification, and the screen is usable again."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(
            f"Something went wrong: {type(error).__name__}: {error}",
            title="Simulator",
            severity="error",
            timeout=8,
        )
        if event.worker.group == "sim-attempt":
            self.set_busy(False)
        if event.worker.group == "sim-refresh":
            self._applied_refresh = self._refresh_seq  # let the next poll start
        if event.worker.group == "sim-replay":
            self.post_message(ReplayFinished(None, f"The replay stopped: {error}"))
