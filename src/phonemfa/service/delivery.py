"""Providers and the outbox: which provider sends, one outbox row and one event per send.

Every send goes: outbox row `pending` (committed) -> provider call (no lock held) -> row completed
and `gd_send_*` / `gd_send_*_failure` logged in one transaction. A crash between leaves the row
pending; `recover_interrupted_sends` (run when the service opens) marks it `interrupted` once its
process is gone (or it is old) and logs the failure, and never sends it again: the user may have
received it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from phonemfa.clock import iso
from phonemfa.core.phones import PhoneParseError, parse_phone
from phonemfa.core.settings import BUILTIN_MESSAGE_LIMIT
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage, Provider
from phonemfa.delivery.builtin import BuiltinProvider
from phonemfa.delivery.custom import ActionCache, CustomActionProvider
from phonemfa.delivery.virtual_phone import VirtualPhones
from phonemfa.errors import NotFoundError, PhoneMfaError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.service.results import InboxMessage
from phonemfa.store import inbox_repo, messages_repo, secrets_repo, senders

ACTION_SECRET_PREFIX = "action:"
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
INTERRUPTED_AFTER = 300  # seconds a send may take before a pending row counts as a crash

# Called with each message this service object handed to a provider and the provider's answer.
DeliveryObserver = Callable[[OutgoingMessage, DeliveryResult], None]


class DeliveryMixin(ServiceBase):
    _action_cache: ActionCache | None = None
    # When set, every send of this service object goes to this provider instead of the tenant's
    # (a replay's simulated phone: a replay never reaches a real provider unless asked).
    provider_override: Provider | None = None
    _observers: tuple[DeliveryObserver, ...] = ()
    _observers_lock = threading.Lock()

    # -- providers ---------------------------------------------------------------------------

    def provider_for(
        self, name: str, *, simulated: bool = False, values: dict[str, Any] | None = None
    ) -> Provider:
        """The provider named `name`; `values` (the settings, when the caller has read them)
        spares the Custom provider two reads."""
        if self.provider_override is not None:
            return self.provider_override
        if name == "auth0":
            return BuiltinProvider(self.store, self.box, self.clock, simulated=simulated)
        if name == "phone-message-hook":
            values = values or {
                key: self.setting(key)  # type: ignore[attr-defined]
                for key in ("custom_action", "custom_action_timeout")
            }
            ref = values["custom_action"]
            if not ref:
                raise PhoneMfaError(
                    "The Custom provider has no action: set custom_action to module:function "
                    "or a .py file.",
                    code="provider_not_configured",
                    status=503,
                )
            if self._action_cache is None:
                self._action_cache = ActionCache(self.now)
            return CustomActionProvider(
                ref,
                secrets=self.action_secret_values(),
                cache=self._action_cache,
                timeout=float(values["custom_action_timeout"]),
                phones=VirtualPhones(self.store, self.box, self.clock, simulated=simulated),
            )
        if name == "twilio":
            factory = getattr(self, "twilio_provider", None)
            if factory is None:
                raise PhoneMfaError(
                    "The Twilio provider is not available in this build of phonemfa.",
                    code="provider_not_configured",
                    status=503,
                )
            return factory()
        raise PhoneMfaError(
            f"Unknown provider {name!r}.", code="provider_not_configured", status=503
        )

    def builtin_messages_used(self) -> int:
        return inbox_repo.counter(self.store, inbox_repo.BUILTIN_COUNTER)

    def builtin_messages_left(self) -> int:
        return max(0, BUILTIN_MESSAGE_LIMIT - self.builtin_messages_used())

    def builtin_trial_expired(self) -> bool:
        """The Built-in provider's lifetime allowance (100 messages) is spent."""
        return self.builtin_messages_used() >= BUILTIN_MESSAGE_LIMIT

    # -- observing sends ------------------------------------------------------------------------

    def observe_deliveries(self, observer: DeliveryObserver) -> Callable[[], None]:
        """Call `observer(message, result)` after each send this service object makes, in this
        process (the simulator's virtual phone shows what was handed to Twilio or an action and
        what it answered). The message holds the code: observers keep it in memory, never store
        it. Returns the function that stops observing."""
        with self._observers_lock:
            self._observers = (*self._observers, observer)

        def stop() -> None:
            with self._observers_lock:
                self._observers = tuple(o for o in self._observers if o is not observer)

        return stop

    def _notify_observers(self, message: OutgoingMessage, result: DeliveryResult) -> None:
        for observer in self._observers:
            try:
                observer(message, result)
            except Exception:  # noqa: S112 - the send is recorded; a watcher's bug cannot undo it
                continue

    # -- the send ------------------------------------------------------------------------------

    def _deliver(
        self, provider: Provider, message: OutgoingMessage, *, on_done: Any, event: dict[str, Any]
    ) -> DeliveryResult:
        """Call the provider (the outbox row exists already) and record the outcome.

        `on_done(result)` runs inside the completing transaction (state of the flow);
        `event` holds the fields and details of the send event.
        """
        try:
            result = provider.send(message)
        except Exception as exc:  # a provider must not raise; if it does, it is a failed send
            result = DeliveryResult(
                ok=False,
                provider=getattr(provider, "name", "unknown"),
                status="failed",
                error_code="provider_exception",
                error_message=f"{type(exc).__name__}: {exc}"[:500],
            )
        kind = "sms" if message.channel == "sms" else "voice"
        details = dict(event["details"])
        details.update(
            message_id=message.message_id,
            provider=result.provider,
            provider_id=result.provider_id,
            status=result.status,
        )
        if not result.ok:
            details["provider_error"] = {
                "errorCode": result.error_code or "error",
                "message": result.error_message or "The provider did not deliver the message.",
            }
        with self.store.transaction():
            messages_repo.complete(
                self.store,
                message.message_id,
                now=self.now(),
                ok=result.ok,
                status=result.status,
                provider_id=result.provider_id,
                error_code=result.error_code,
                error_message=result.error_message,
            )
            on_done(result)
            self.log_event(
                f"gd_send_{kind}" if result.ok else f"gd_send_{kind}_failure",
                details=details,
                **event["fields"],
            )
        self._notify_observers(message, result)
        return result

    def recover_interrupted_sends(self, older_than: float = INTERRUPTED_AFTER) -> int:
        """Mark sends left pending by a crash; log each as a failed send. Never re-sends.

        A pending send is a crashed one when its process (on this host) no longer runs, or when
        it is older than `older_than` seconds (a send never takes that long).
        """
        cutoff = self.now() - older_than
        pending = self.store.query(
            "SELECT * FROM messages WHERE state = ?", (messages_repo.PENDING,)
        )
        stale = [r for r in pending if r["created_at"] < cutoff or senders.is_gone(r["sender"])]
        if not stale:
            return 0
        with self.store.transaction():
            # Another process may have recovered them meanwhile: log only the rows marked here.
            stale = [
                r
                for r in stale
                if messages_repo.mark_interrupted(self.store, [r["id"]], now=self.now())
            ]
            count = len(stale)
            for row in stale:
                kind = "sms" if row["channel"] == "sms" else "voice"
                self.log_event(
                    f"gd_send_{kind}_failure",
                    details={
                        "message_id": row["id"],
                        "provider": row["provider"],
                        "recipient": row["recipient_masked"],
                        "provider_error": {
                            "errorCode": "interrupted",
                            "message": "phonemfa stopped while this message was being sent; "
                            "it may or may not have been delivered, and was not sent again.",
                        },
                    },
                    user_id=row["user_id"],
                    simulated=bool(row["simulated"]),
                )
        return count

    # -- the virtual inbox (the Built-in provider's "phones") ----------------------------------

    def inbox(
        self, phone: str | None = None, *, after_id: int = 0, limit: int = 1000
    ) -> list[InboxMessage]:
        """Messages the Built-in provider delivered, decrypted, oldest first."""
        recipient = None
        if phone:
            try:
                recipient = parse_phone(phone, self.setting("default_region")).e164  # type: ignore[attr-defined]
            except PhoneParseError as exc:
                raise ValidationError(str(exc), code="invalid_phone_number") from None
        return [
            InboxMessage(
                id=row["id"],
                message_id=row["message_id"],
                to=row["recipient"],
                channel=row["channel"],
                text=self.box.decrypt(row["ciphertext"]),
                date=iso(row["created_at"]),
                simulated=bool(row["simulated"]),
            )
            for row in inbox_repo.messages(
                self.store, recipient=recipient, after_id=after_id, limit=limit
            )
        ]

    # -- the Custom action's secrets ------------------------------------------------------------

    def set_action_secret(self, name: str, value: str, *, actor: str) -> str:
        """Store (encrypted) a secret the Custom action gets in event.secrets; returns its mask."""
        if not isinstance(name, str) or not _SECRET_NAME.match(name):
            raise ValidationError(
                "A secret name is letters, digits and _ (not starting with a digit), "
                "at most 64 characters.",
                field="name",
            )
        if not isinstance(value, str) or not value or len(value) > 4096:
            raise ValidationError("A secret value is 1 to 4096 characters.", field="value")
        with self.store.transaction():
            secrets_repo.put(self.store, self.box, ACTION_SECRET_PREFIX + name, value, self.now())
            self.log_event(
                "gd_tenant_update",
                description=f"Custom action secret {name} set",
                details={"actor": actor, "action_secret": name},
                user_name=actor,
            )
        return secrets_repo.hint(self.store, ACTION_SECRET_PREFIX + name) or ""

    def delete_action_secret(self, name: str, *, actor: str) -> None:
        with self.store.transaction():
            if secrets_repo.hint(self.store, ACTION_SECRET_PREFIX + name) is None:
                raise NotFoundError(f"The action has no secret named {name!r}.")
            secrets_repo.delete(self.store, ACTION_SECRET_PREFIX + name)
            self.log_event(
                "gd_tenant_update",
                description=f"Custom action secret {name} deleted",
                details={"actor": actor, "action_secret": name, "deleted": True},
                user_name=actor,
            )

    def action_secrets(self) -> dict[str, str]:
        """Secret names with their masks (never the values)."""
        rows = self.store.query(
            "SELECT name, hint FROM secrets WHERE substr(name, 1, ?) = ? ORDER BY name",
            (len(ACTION_SECRET_PREFIX), ACTION_SECRET_PREFIX),
        )
        return {r["name"][len(ACTION_SECRET_PREFIX) :]: r["hint"] for r in rows}

    def action_secret_values(self) -> dict[str, str]:
        """Decrypted, for the action only."""
        return {
            name: secrets_repo.get(self.store, self.box, ACTION_SECRET_PREFIX + name) or ""
            for name in self.action_secrets()
        }
