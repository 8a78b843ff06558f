"""Realistic log traffic written straight through the service, for tests, screenshots and demos
of the live log: each send is an outbox row plus its event, as the engine writes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phonemfa.clock import iso
from phonemfa.core.engine_settings import bucket_rules
from phonemfa.core.limits import BucketState
from phonemfa.core.masking import mask_phone
from phonemfa.store import limits_repo, messages_repo

if TYPE_CHECKING:
    from phonemfa.clock import FakeClock
    from phonemfa.service import PhoneMfa


def record_send(
    service: PhoneMfa,
    *,
    user_id: str,
    phone: str,
    region: str,
    channel: str = "sms",
    ok: bool = True,
    error_code: str | None = None,
    error_message: str | None = None,
    segments: int = 1,
    provider: str = "twilio",
    ip: str | None = "203.0.113.7",
    simulated: bool = False,
) -> int:
    """One message handed to a provider: its outbox row and its gd_send_* event. Returns the
    event's row id."""
    masked = mask_phone(phone) or ""
    now = service.now()
    with service.store.transaction():
        message_id = messages_repo.insert_pending(
            service.store,
            now=now,
            channel=channel,
            action="second-factor-authentication",
            recipient_masked=masked,
            provider=provider,
            region=region,
            user_id=user_id,
            segments=segments if channel == "sms" else None,
            simulated=simulated,
        )
        messages_repo.complete(
            service.store,
            message_id,
            now=now,
            ok=ok,
            status="queued" if ok else "failed",
            provider_id=None,
            error_code=error_code,
            error_message=error_message,
        )
        details: dict = {
            "authenticator": {"type": "phone", "phone_number": masked},
            "phone_number": masked,
            "delivery_method": channel,
            "region": region,
            "provider": provider,
            "message_id": message_id,
        }
        if channel == "sms":
            details["segments"] = segments
        if not ok:
            details["provider_error"] = {
                "errorCode": error_code or "error",
                "message": error_message or "The provider refused the message.",
            }
        kind = f"gd_send_{channel}" + ("" if ok else "_failure")
        return service.log_event(kind, details=details, user_id=user_id, ip=ip, simulated=simulated)


def record_phone_limit(
    service: PhoneMfa, *, user_id: str, channel: str = "sms", reset_in: float = 3600
) -> int:
    """The user's message bucket is empty, the next message allowed in `reset_in` seconds, and
    the refusal logged (limit_phone), as the engine leaves them."""
    rule = bucket_rules(service.settings_values())["user_messages"]
    now = service.now()
    with service.store.transaction():
        tokens = max(0.0, 1.0 - reset_in * rule.rate)
        limits_repo.write_bucket(
            service.store, f"user_messages:{user_id}", BucketState(tokens, now)
        )
        return service.log_event(
            "limit_phone",
            details={
                "delivery_method": channel,
                "reset_time": iso(now + reset_in),
                "failure_details": {
                    "errorCode": "too_many_sms" if channel == "sms" else "too_many_voice",
                    "message": "Too many SMS sent by the user. Wait for some minutes before retrying.",
                },
            },
            user_id=user_id,
            ip="203.0.113.7",
        )


def set_message_bucket(service: PhoneMfa, *, user_id: str, remaining: float) -> None:
    """A user with `remaining` messages left in their bucket (e.g. after a burst of sends)."""
    with service.store.transaction():
        limits_repo.write_bucket(
            service.store, f"user_messages:{user_id}", BucketState(remaining, service.now())
        )


def record_ip_block(service: PhoneMfa, *, ip: str) -> int:
    """An IP blocked by the sign-up flood rule: the engine's block row and its limit_mu event."""
    detail = "more than 50 enrollment starts in a minute"
    with service.store.transaction():
        limits_repo.block(service.store, ip, "limit_mu", detail, service.now())
        return service.log_event("limit_mu", details={"reason": detail}, ip=ip)


def record_refusal(
    service: PhoneMfa, *, user_id: str, phone: str, region: str, rule: str, channel: str = "sms"
) -> int:
    """A send refused before any provider (a country or number-type rule)."""
    return service.log_event(
        "gd_start_enroll_failed",
        description="MFA enrollment failed",
        details={
            "phone_number": mask_phone(phone),
            "delivery_method": channel,
            "region": region,
            "failure_details": {
                "errorCode": "invalid_phone_number",
                "message": f"Refused by the {rule} rule.",
            },
        },
        user_id=user_id,
        ip="198.51.100.23",
    )


# -- a demo tenant's last 40 minutes ------------------------------------------------------------

USERS = ["auth0|alice", "auth0|bruno", "auth0|carmen", "auth0|dieter", "auth0|emma"]
PHONES = ["+14155550123", "+33612345678", "+34612345678", "+4915123456789", "+447700900123"]
REGIONS = ["US", "FR", "ES", "DE", "GB"]


def busy_tenant(service: PhoneMfa, clock: FakeClock, *, sends: int = 40) -> None:
    """About 40 minutes of traffic: SMS and voice, a few carrier failures, one user at their
    limit, a refused premium number, an IP blocked for a sign-up flood."""
    for n in range(sends):
        i = n % len(USERS)
        failed = n % 9 == 4
        record_send(
            service,
            user_id=USERS[i],
            phone=PHONES[i],
            region=REGIONS[i],
            channel="voice" if n % 5 == 2 else "sms",
            ok=not failed,
            error_code="30007" if failed else None,
            error_message="Message filtered by the carrier." if failed else None,
            segments=2 if i == 1 else 1,
        )
        clock.advance(61)
    for _ in range(8):
        record_send(service, user_id="auth0|emma", phone=PHONES[4], region="GB")
    set_message_bucket(service, user_id="auth0|emma", remaining=2.2)
    record_phone_limit(service, user_id="auth0|bruno", reset_in=42 * 60)
    record_refusal(
        service, user_id="auth0|mallory", phone="+8823123456", region="XK", rule="premium numbers"
    )
    record_ip_block(service, ip="192.0.2.66")
    clock.advance(5)
