"""PhoneMfa: the facade, composed of one mixin per area of the domain."""

from __future__ import annotations

import os
from pathlib import Path

from phonemfa import paths
from phonemfa.clock import Clock, SystemClock
from phonemfa.service.alerts import AlertsMixin
from phonemfa.service.logs import LogsMixin
from phonemfa.service.mfa import MfaMixin
from phonemfa.service.monitor import MonitorMixin
from phonemfa.service.replay import ReplayMixin
from phonemfa.service.settings import SettingsMixin
from phonemfa.service.streams import StreamsMixin
from phonemfa.service.templates import TemplatesMixin
from phonemfa.service.tokens import TokensMixin
from phonemfa.service.twilio import TwilioMixin
from phonemfa.service.users import UsersMixin
from phonemfa.store.crypto import SecretBox, load_or_create_key
from phonemfa.store.db import Store

NO_DEMO_ENV = "PHONEMFA_NO_DEMO"


class PhoneMfa(
    MfaMixin,
    SettingsMixin,
    TokensMixin,
    UsersMixin,
    TwilioMixin,
    TemplatesMixin,
    LogsMixin,
    MonitorMixin,
    StreamsMixin,
    AlertsMixin,
    ReplayMixin,
):
    def __init__(self, store: Store, *, clock: Clock | None = None, key: bytes) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.box = SecretBox(key)

    @classmethod
    def open(
        cls,
        db_path: str | Path | None = None,
        *,
        clock: Clock | None = None,
        demo: bool | None = None,
    ) -> PhoneMfa:
        """Open (creating and migrating if needed) the database; seed demo data on first run."""
        path = Path(db_path) if db_path else paths.default_db_path()
        key = load_or_create_key(paths.key_path_for(path))
        store = Store(path)
        service = cls(store, clock=clock, key=key)
        if demo is None:
            demo = os.environ.get(NO_DEMO_ENV, "") in ("", "0")
        if store.created and demo:
            from phonemfa.demo import seed_demo

            seed_demo(service)
        service.recover_interrupted_sends()
        return service

    def close(self) -> None:
        self.store.close()
