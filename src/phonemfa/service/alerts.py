"""Alerts on the tenant log: rules are evaluated by the background loop (or a replay, with its own
clock); a firing writes an `alert` event, stays open until acknowledged and may notify a webhook."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from phonemfa.core import alerts as rules_core
from phonemfa.core import streamformat as fmt
from phonemfa.core.alerts import AlertRule, Firing, Observation
from phonemfa.core.masking import is_masked
from phonemfa.errors import NotFoundError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.service.monitor import start_of_day
from phonemfa.store import alerts_repo, secrets_repo

UNSET: Any = object()
_EDITABLE = ("name", "types", "threshold", "window", "min_count", "baseline", "enabled")


@dataclass(frozen=True)
class AlertFiring:
    id: int
    rule_id: str
    rule_name: str
    key: str
    fired_at: float
    message: str
    event_id: int | None
    simulated: bool
    acknowledged_at: float | None
    acknowledged_by: str | None
    notify_state: str  # none | pending | sent | failed
    notify_error: str | None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


def _to_firing(row: dict[str, Any]) -> AlertFiring:
    return AlertFiring(
        id=int(row["id"]),
        rule_id=row["rule_id"],
        rule_name=row["rule_name"] or row["rule_id"],
        key=row["key"],
        fired_at=float(row["fired_at"]),
        message=row["message"],
        event_id=row["event_id"],
        simulated=bool(row["simulated"]),
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        notify_state=row["notify_state"],
        notify_error=row["notify_error"],
    )


class AlertsMixin(ServiceBase):
    # -- rules ---------------------------------------------------------------------------------

    def alert_rules(self) -> list[AlertRule]:
        return alerts_repo.rules(self.store)

    def alert_rule(self, rule_id: str) -> AlertRule:
        rule = alerts_repo.rule(self.store, rule_id)
        if rule is None:
            raise NotFoundError(f"There is no alert rule {rule_id!r}.", code="inexistent_rule")
        return rule

    def update_alert_rule(
        self,
        rule_id: str,
        *,
        webhook_url: Any = UNSET,
        webhook_authorization: Any = UNSET,
        **changes: Any,
    ) -> AlertRule:
        """Change a rule's fields (name, types, threshold, window, min_count, baseline, enabled)
        and its webhook. An empty webhook URL removes the webhook and its Authorization."""
        unknown = set(changes) - set(_EDITABLE)
        if unknown:
            raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} of a rule.")
        rule = self.alert_rule(rule_id)
        if "types" in changes:
            changes["types"] = tuple(changes["types"])
        if webhook_url is not UNSET:
            changes["webhook_url"] = (
                fmt.check_endpoint(webhook_url, "webhook_url") if webhook_url else None
            )
        new = rules_core.validate(replace(rule, **changes))
        return self._store_rule(new, webhook_authorization)

    def create_alert_rule(
        self, rule: AlertRule, *, webhook_authorization: str | None = None
    ) -> AlertRule:
        if not rule.id.startswith("alr_") or len(rule.id) > 64:
            raise ValidationError("A rule id starts with alr_ (up to 64 characters).", field="id")
        if alerts_repo.rule(self.store, rule.id):
            raise ValidationError(f"The alert rule {rule.id} already exists.", field="id")
        if rule.webhook_url:
            fmt.check_endpoint(rule.webhook_url, "webhook_url")
        return self._store_rule(rules_core.validate(rule), webhook_authorization or UNSET)

    def _store_rule(self, rule: AlertRule, webhook_authorization: Any) -> AlertRule:
        name = alerts_repo.secret_name(rule.id)
        with self.store.transaction():
            alerts_repo.save_rule(self.store, rule, self.now())
            if rule.webhook_url is None or webhook_authorization in (None, ""):
                secrets_repo.delete(self.store, name)
            elif webhook_authorization is not UNSET and not is_masked(webhook_authorization):
                fmt.check_header_value(webhook_authorization, "webhook_authorization")
                secrets_repo.put(self.store, self.box, name, webhook_authorization, self.now())
        return self.alert_rule(rule.id)

    def delete_alert_rule(self, rule_id: str) -> None:
        with self.store.transaction():
            if not alerts_repo.delete_rule(self.store, rule_id):
                raise NotFoundError(f"There is no alert rule {rule_id!r}.", code="inexistent_rule")
            secrets_repo.delete(self.store, alerts_repo.secret_name(rule_id))

    # -- evaluation ----------------------------------------------------------------------------

    def evaluate_alerts(self) -> list[AlertFiring]:
        """Check every enabled rule against the log as of `self.now()`; returns new firings.

        A rule fires at most once per window (usage rules once per day and key), so calling this
        often is cheap and safe, from any process.
        """
        fired = []
        for rule in self.alert_rules():
            if not rule.enabled:
                continue
            with self.store.transaction():
                now = self.now()
                for seen in self._observe(rule, now):
                    firing = rules_core.decide(rule, seen)
                    if firing is None or self._recently_fired(rule, seen.key, now):
                        continue
                    fired.append(self._record_firing(firing, now))
        return fired

    def _observe(self, rule: AlertRule, now: float) -> list[Observation]:
        store = self.store
        if rule.kind == "spike":
            n, real = alerts_repo.count_events(
                store, rule.types, since=now - rule.window, until=now
            )
            base, _ = alerts_repo.count_events(
                store, rule.types, since=now - rule.baseline, until=now - rule.window
            )
            windows = (rule.baseline - rule.window) / rule.window
            return [Observation(observed=n, expected=base / windows, real=real)]
        if rule.kind == "count":
            n, real = alerts_repo.count_events(
                store, rule.types, since=now - rule.window, until=now
            )
            return [Observation(observed=n, real=real)]
        if rule.kind == "failure_ratio":
            since = now - rule.window
            failed, real = alerts_repo.count_events(
                store, rules_core.FAILURE_TYPES, since=since, until=now
            )
            ok, ok_real = alerts_repo.count_events(
                store, rules_core.SEND_TYPES, since=since, until=now
            )
            sends = failed + ok
            ratio = 100.0 * failed / sends if sends else 0.0
            return [Observation(observed=ratio, sends=sends, real=real + ok_real)]
        day = start_of_day(now)
        label = datetime.fromtimestamp(day, UTC).strftime("%Y-%m-%d")
        if rule.kind == "usage_day":
            n, real = alerts_repo.count_messages(store, since=day, until=now)
            return [Observation(observed=n, key=label, real=real)]
        return [
            Observation(observed=n, key=f"{label}:{region}", real=real)
            for region, n, real in alerts_repo.messages_by_country(store, since=day, until=now)
        ]

    def _recently_fired(self, rule: AlertRule, key: str, now: float) -> bool:
        last = alerts_repo.last_fired_at(self.store, rule.id, key)
        if last is None:
            return False
        if rule.kind in ("usage_day", "usage_country"):
            return True  # the key names the day: once per day (and country)
        return last > now - rule.window

    def _record_firing(self, firing: Firing, now: float) -> AlertFiring:
        details = dict(firing.details)
        if firing.rule.kind == "usage_country" and ":" in firing.observation.key:
            details["country"] = firing.observation.key.split(":", 1)[1]
        event_id = self.log_event(
            "alert",
            description=firing.message,
            details=details,
            simulated=firing.simulated,
        )
        firing_id = alerts_repo.insert_firing(
            self.store,
            rule_id=firing.rule.id,
            key=firing.observation.key,
            now=now,
            message=firing.message,
            event_id=event_id,
            simulated=firing.simulated,
            notify=bool(firing.rule.webhook_url),
        )
        row = alerts_repo.firing(self.store, firing_id)
        assert row is not None
        return _to_firing(row)

    # -- firings -------------------------------------------------------------------------------

    def open_alerts(self) -> list[AlertFiring]:
        """Firings not yet acknowledged, newest first: the console's banner."""
        return [_to_firing(r) for r in alerts_repo.firings(self.store, open_only=True)]

    def recent_alerts(self, limit: int = 50) -> list[AlertFiring]:
        return [_to_firing(r) for r in alerts_repo.firings(self.store, limit=limit)]

    def acknowledge_alerts(self, ids: list[int] | None = None, *, actor: str) -> int:
        """Acknowledge some firings (all open ones when `ids` is None); returns how many."""
        with self.store.transaction():
            return alerts_repo.acknowledge(self.store, ids, now=self.now(), actor=actor)

    def pending_alert_notifications(self) -> list[tuple[AlertFiring, AlertRule, str | None]]:
        """Firings whose rule has a webhook that was not told yet, with the Authorization value."""
        out = []
        for row in alerts_repo.pending_notifications(self.store):
            firing = _to_firing({**row, "rule_name": None})
            rule = alerts_repo.rule(self.store, firing.rule_id)
            if rule is None or not rule.webhook_url:
                with self.store.transaction():
                    alerts_repo.set_notify_state(self.store, firing.id, "none", None)
                continue
            firing = replace(firing, rule_name=rule.name)
            auth = secrets_repo.get(self.store, self.box, alerts_repo.secret_name(rule.id))
            out.append((firing, rule, auth))
        return out

    def alert_notified(self, firing_id: int, *, ok: bool, error: str | None = None) -> None:
        with self.store.transaction():
            alerts_repo.set_notify_state(
                self.store, firing_id, "sent" if ok else "failed", None if ok else error
            )
