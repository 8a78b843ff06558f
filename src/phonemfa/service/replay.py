"""Replays: a traffic scenario fed through the service on a simulated clock.

The replay runs on a twin of the service (same database, same key) whose clock it owns: each
request happens at the scenario's time, so hours of traffic take milliseconds (or are paced at
`speed` times real time) and every bucket, block and event reacts as in production. Its events and
messages are marked simulated, and the alert rules are evaluated on its clock as it goes (an alert
fired by simulated traffic alone is marked simulated too). Sends go to a simulated phone (the virtual inbox) in place of the
tenant's provider, unless `real_provider` is asked for explicitly.

The replay's clock starts now, or just after an earlier replay's last event when that one ran
ahead of real time. Users are namespaced per run (`replay-3fa2|traveler-01`), so a scenario
replays the same way twice; IP addresses are not: an IP blocked by one replay stays blocked, as
in production, until unblocked.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonemfa.clock import Clock, FakeClock
from phonemfa.core.codes import RECOVERY_ALPHABET
from phonemfa.core.scenarios import Request, Scenario, ScenarioError
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.delivery.virtual_phone import SimulatedProvider, VirtualPhones
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import ServiceBase
from phonemfa.service.replay_summary import Outcome, ReplayProgress, ReplaySummary

REPLAY_ACTOR = "replay"
ALERT_STEP = 10.0  # simulated seconds between two evaluations of the alert rules


def wrong_code(right: str | None, digits: int) -> str:
    """A code that is certainly not `right` (each digit moved by one)."""
    if not right:
        return "0" * digits
    return "".join(str((int(d) + 1) % 10) for d in right)


def wrong_recovery(right: str | None) -> str:
    if not right:
        return "A" * 24
    return "".join(
        RECOVERY_ALPHABET[(RECOVERY_ALPHABET.index(c) + 1) % len(RECOVERY_ALPHABET)] for c in right
    )


@dataclass
class _Run:
    """What the replay's users hold: their latest code, their recovery code."""

    codes: dict[str, str] = field(default_factory=dict)  # message_id -> code (memory only)
    latest: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # user -> txn, code
    recovery: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, message: OutgoingMessage, result: DeliveryResult) -> None:
        with self.lock:
            self.codes[message.message_id] = message.code


class ReplayMixin(ServiceBase):
    def with_clock(self, clock: Clock) -> Any:
        """A twin of this service on the same database and key, keeping its own time."""
        twin = copy.copy(self)
        twin.clock = clock
        twin._action_cache = None  # the Custom action's cache expires on the twin's clock
        twin._observers = ()
        twin.provider_override = None
        return twin

    def replay(
        self,
        scenario: Scenario,
        *,
        speed: float | None = None,
        real_provider: bool = False,
        cancel: threading.Event | None = None,
        progress: Callable[[ReplayProgress], None] | None = None,
        run_tag: str | None = None,
    ) -> ReplaySummary:
        """Feed `scenario` through the service; `speed` = scenario seconds per real second
        (None: as fast as possible). Setting `cancel` stops it between two requests."""
        if speed is not None and not speed > 0:
            raise PhoneMfaError("The speed must be more than 0.", code="invalid_speed")
        cancel = cancel or threading.Event()
        start = self._replay_start()
        clock = FakeClock(start)
        twin = self.with_clock(clock)
        if not real_provider:
            twin.provider_override = SimulatedProvider(
                VirtualPhones(self.store, self.box, clock, simulated=True)
            )
        run = _Run()
        stop_observing = twin.observe_deliveries(run.observe)
        tag = run_tag or f"replay-{secrets.token_hex(2)}"
        ips = {r.ip for r in scenario.requests if r.ip}
        blocked_before = {b.ip for b in self.blocked_ips()}
        first_event = self._last_event_id()
        summary = ReplaySummary(
            scenario=scenario.name,
            run=tag,
            requests=len(scenario.requests),
            provider=self.factor_settings().provider if real_provider else "simulated",  # type: ignore[attr-defined]
            already_blocked=sorted(ips & blocked_before),
        )
        began = time.monotonic()
        checked_at = float("-inf")  # the simulated time alerts were last evaluated
        requests = scenario.requests
        try:
            for index, request in enumerate(requests):
                if speed is not None:
                    wait = began + request.at / speed - time.monotonic()
                    if wait > 0 and cancel.wait(wait):
                        break
                if cancel.is_set():
                    break
                clock.set(start + request.at)
                outcome = self._replay_one(twin, run, f"{tag}|{request.user}", request)
                summary.count(outcome)
                # Alert rules look back from "now": evaluate them on the replay's clock, often
                # enough, and always before the clock jumps over a quiet spell.
                after = requests[index + 1].at if index + 1 < len(requests) else None
                if (
                    request.at - checked_at >= ALERT_STEP
                    or after is None
                    or after - request.at >= ALERT_STEP
                ):
                    checked_at = request.at
                    summary.alerts.extend(
                        f"{f.rule_id}: {f.message}" for f in twin.evaluate_alerts()
                    )
                if progress is not None:
                    progress(ReplayProgress(summary.done, summary.requests, request.at, outcome))
        finally:
            stop_observing()
        summary.cancelled = summary.done < summary.requests
        summary.simulated_seconds = clock.now() - start
        summary.blocked_ips = sorted({b.ip for b in self.blocked_ips()} - blocked_before)
        summary.events = self._simulated_events_since(first_event)
        return summary

    # -- one request ------------------------------------------------------------------------------

    def _replay_one(self, twin: Any, run: _Run, user_id: str, request: Request) -> Outcome:
        context = {"ip": request.ip, "user_agent": request.user_agent, "simulated": True}
        try:
            if request.op in ("enroll", "challenge"):
                if request.op == "enroll":
                    sent = twin.start_enrollment(
                        user_id,
                        request.phone,
                        request.channel,
                        language=request.language,
                        **context,
                    )
                else:
                    sent = twin.challenge(
                        user_id, request.channel, language=request.language, **context
                    )
                with run.lock:
                    code = run.codes.pop(sent.message_id, None)
                run.latest[user_id] = (sent.transaction_id, code)
                if sent.recovery_code:
                    run.recovery[user_id] = sent.recovery_code
                return Outcome(request, True, "sent", channel=sent.channel, region=sent.region)
            if request.op == "verify":
                transaction_id, right = run.latest.get(user_id, ("none", None))
                given = request.code
                if given == "right":
                    given = right or ""
                elif given == "wrong":
                    given = wrong_code(right, twin.setting("otp_length"))
                verified = twin.verify(transaction_id, given, user_id=user_id, **context)
                return Outcome(
                    request, True, "enrolled" if verified.enrollment_completed else "logged_in"
                )
            if request.op == "recover":
                right = run.recovery.get(user_id)
                given = {"right": right or "", "wrong": wrong_recovery(right)}.get(
                    request.code or "", request.code or ""
                )
                used = twin.use_recovery_code(user_id, given, **context)
                run.recovery[user_id] = used.recovery_code
                return Outcome(request, True, "recovered")
            removed = 0
            for enrollment in twin.list_enrollments(user_id):
                twin.delete_enrollment(
                    enrollment.id, actor=REPLAY_ACTOR, user_id=user_id, **context
                )
                removed += 1
            return Outcome(request, True, "unenrolled" if removed else "nothing_to_unenroll")
        except PhoneMfaError as exc:
            return Outcome.refused(request, exc)

    def _replay_start(self) -> float:
        """Now, or just after the latest simulated event if an earlier replay ran ahead of the
        clock: buckets and blocks then see time going forward, never back."""
        row = self.store.query_one("SELECT MAX(ts) AS ts FROM events WHERE simulated = 1")
        latest = row["ts"] if row and row["ts"] is not None else 0.0
        return max(self.now(), latest + 1.0)

    def _last_event_id(self) -> int:
        row = self.store.query_one("SELECT COALESCE(MAX(id), 0) AS id FROM events")
        return int(row["id"]) if row else 0

    def _simulated_events_since(self, event_id: int) -> int:
        row = self.store.query_one(
            "SELECT COUNT(*) AS n FROM events WHERE id > ? AND simulated = 1", (event_id,)
        )
        return int(row["n"]) if row else 0


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped in sample_data/scenarios, by name (file stem)."""
    from phonemfa.demo import sample_data_dir

    folder = sample_data_dir() / "scenarios"
    return {path.stem: path for path in sorted(folder.glob("*.jsonl"))}


def scenario_path(name_or_path: str) -> Path:
    """A file path, or the name of a bundled scenario (`sms_pumping`)."""
    path = Path(name_or_path).expanduser()
    if path.exists() or path.suffix:
        return path
    bundled = bundled_scenarios()
    if name_or_path in bundled:
        return bundled[name_or_path]
    raise ScenarioError(
        f"No scenario file {name_or_path}; bundled scenarios: {', '.join(bundled) or 'none'}."
    )
