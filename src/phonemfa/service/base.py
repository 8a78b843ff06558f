"""What every part of the service shares: the store, the clock, the instance key, the event log."""

from __future__ import annotations

from typing import Any

from phonemfa.clock import Clock, iso
from phonemfa.core.events import EVENT_TYPES
from phonemfa.store import events_repo
from phonemfa.store.crypto import SecretBox
from phonemfa.store.db import Store

# Who made a change, as written in gd_tenant_update events.
CONSOLE = "console"
CLI = "cli"


class ServiceBase:
    store: Store
    clock: Clock
    box: SecretBox

    def now(self) -> float:
        return self.clock.now()

    def log_event(
        self,
        type: str,
        *,
        description: str | None = None,
        details: dict[str, Any] | None = None,
        simulated: bool = False,
        **fields: str | None,
    ) -> int:
        """Append a tenant log event; joins the caller's transaction when one is open.

        Callers pass phone numbers already masked: the log never holds a full number.
        """
        ts = self.now()
        return events_repo.insert(
            self.store,
            ts=ts,
            date=iso(ts),
            type=type,
            description=description or EVENT_TYPES.get(type, type),
            details=details or {},
            simulated=simulated,
            **fields,
        )
