"""Rate buckets and blocked IPs as use cases (the math is core/limits.py, pure)."""

from __future__ import annotations

import math
from typing import Any

from phonemfa.clock import iso
from phonemfa.core import limits
from phonemfa.core.engine_settings import bucket_rules
from phonemfa.errors import NotFoundError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.service.results import BucketStatus
from phonemfa.store import limits_repo
from phonemfa.store.limits_repo import BlockedIp

BUCKET_KINDS = ("user_messages", "wrong_codes", "wrong_recovery", "ip_enroll")


def bucket_key(kind: str, subject: str) -> str:
    return f"{kind}:{subject}"


def normalize_ip(ip: object) -> str:
    import ipaddress

    if not isinstance(ip, str) or len(ip) > 64:
        raise ValidationError("That is not an IP address.", field="ip")
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        raise ValidationError(f"{ip!r} is not an IP address.", field="ip") from None


class LimitsMixin(ServiceBase):
    # -- buckets (call the underscored helpers inside store.transaction()) -------------------

    def _bucket_take(
        self, kind: str, subject: str, values: dict[str, Any], now: float, *, write: bool
    ) -> limits.Take:
        rule = bucket_rules(values)[kind]
        key = bucket_key(kind, subject)
        taken = limits.take(rule, limits_repo.read_bucket(self.store, key), now)
        if taken.allowed and write:
            limits_repo.write_bucket(self.store, key, taken.state)
        return taken

    def _bucket_peek(
        self, kind: str, subject: str, values: dict[str, Any], now: float
    ) -> limits.Take:
        rule = bucket_rules(values)[kind]
        return limits.peek(
            rule, limits_repo.read_bucket(self.store, bucket_key(kind, subject)), now
        )

    def _bucket_write(self, kind: str, subject: str, state: limits.BucketState) -> None:
        limits_repo.write_bucket(self.store, bucket_key(kind, subject), state)

    def bucket_status(self, kind: str, subject: str) -> BucketStatus:
        """Where a bucket stands now, e.g. `bucket_status("user_messages", "auth0|alice")`."""
        if kind not in BUCKET_KINDS:
            raise ValidationError(f"Unknown bucket {kind!r}; known: {', '.join(BUCKET_KINDS)}.")
        values = self.settings_values()  # type: ignore[attr-defined]
        now = self.now()
        rule = bucket_rules(values)[kind]
        peeked = self._bucket_peek(kind, subject, values, now)
        return BucketStatus(
            kind=kind,
            subject=subject,
            tokens=peeked.remaining,
            capacity=rule.capacity,
            next_token_in=0
            if peeked.remaining >= rule.capacity
            else math.ceil(
                ((math.floor(peeked.state.tokens) + 1) - peeked.state.tokens) / rule.rate
            ),
            full_in=max(0, math.ceil(peeked.full_at - now)),
        )

    def reset_user_limits(self, user_id: str, *, actor: str) -> int:
        """An operator lets a user send and try again at once (all of the user's buckets refill)."""
        with self.store.transaction():
            removed = sum(
                limits_repo.delete_buckets(self.store, bucket_key(kind, user_id))
                for kind in ("user_messages", "wrong_codes", "wrong_recovery")
            )
            self.log_event(
                "gd_tenant_update",
                description=f"Rate limits reset for {user_id}",
                details={"actor": actor, "reset_limits": user_id},
                user_id=user_id,
                user_name=actor,
            )
        return removed

    # -- blocked IPs --------------------------------------------------------------------------

    def blocked_ip(self, ip: str) -> BlockedIp | None:
        return limits_repo.blocked(self.store, normalize_ip(ip))

    def blocked_ips(self) -> list[BlockedIp]:
        return limits_repo.all_blocked(self.store)

    def unblock_ip(self, ip: str, *, actor: str) -> None:
        """Lift a block (limit_mu); its enrollment-start bucket starts full again."""
        address = normalize_ip(ip)
        with self.store.transaction():
            if not limits_repo.unblock(self.store, address):
                raise NotFoundError(
                    f"The IP address {address} is not currently blocked.", code="not_blocked"
                )
            limits_repo.delete_buckets(self.store, bucket_key("ip_enroll", address))
            self.log_event(
                "gd_tenant_update",
                description=f"IP {address} unblocked",
                details={"actor": actor, "unblocked_ip": address},
                ip=address,
                user_name=actor,
            )

    def _block_ip(self, ip: str, detail: str, now: float) -> None:
        limits_repo.block(self.store, ip, "limit_mu", detail, now)

    @staticmethod
    def _reset_time(now: float, seconds: int) -> str:
        return iso(now + seconds)
