"""Factor settings use cases: read, validate, change (with a gd_tenant_update event)."""

from __future__ import annotations

from typing import Any

from phonemfa.core import settings as spec
from phonemfa.core.settings import FactorSettings
from phonemfa.service.base import ServiceBase
from phonemfa.store import settings_repo


class SettingsMixin(ServiceBase):
    def settings_values(self) -> dict[str, Any]:
        """Every registered setting, stored or default."""
        return settings_repo.read_all(self.store)

    def setting(self, key: str) -> Any:
        spec.spec_for(key)
        return settings_repo.read(self.store, key)

    def factor_settings(self) -> FactorSettings:
        return FactorSettings.from_values(self.settings_values())

    def update_settings(self, changes: dict[str, Any], *, actor: str) -> dict[str, Any]:
        """Validate and apply a change set atomically; returns the changed keys' new values.

        Nothing is written when any value is refused. Unchanged values write nothing and no event.
        """
        clean = spec.validate_changes(changes)
        with self.store.transaction():
            current = settings_repo.read_all(self.store)
            changed = {k: v for k, v in clean.items() if current.get(k) != v}
            spec.check_combined({**current, **clean}, changed)
            if changed:
                settings_repo.write(self.store, changed, self.now())
                self.log_event(
                    "gd_tenant_update",
                    description=f"MFA settings updated: {', '.join(sorted(changed))}",
                    details={
                        "actor": actor,
                        "changes": {
                            k: {"from": current.get(k), "to": v} for k, v in changed.items()
                        },
                    },
                    user_name=actor,
                )
        return changed

    def set_setting_text(self, key: str, text: str, *, actor: str) -> Any:
        """The CLI's `settings set KEY VALUE`: parse text the way the key expects, then validate."""
        parsed = spec.spec_for(key).parse_text(text)
        self.update_settings({key: parsed}, actor=actor)
        return self.setting(key)
