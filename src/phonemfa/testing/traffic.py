"""Realistic log traffic written straight through the service, for tests, screenshots and demos
of the live log: each send is an outbox row plus its event, as the engine writes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phonemfa.clock import iso
from phonemfa.core.masking import mask_phone
from phonemfa.store import messages_repo

if TYPE_CHECKING:
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
    """The per-user message bucket refused a send (limit_phone) until `reset_in` from now."""
    return service.log_event(
        "limit_phone",
        details={
            "delivery_method": channel,
            "reset_time": iso(service.now() + reset_in),
            "reason": "too_many_sms" if channel == "sms" else "too_many_voice",
        },
        user_id=user_id,
        ip="203.0.113.7",
    )


def record_ip_block(service: PhoneMfa, *, ip: str, kind: str = "limit_mu") -> int:
    """An IP blocked by the sign-up flood rule (limit_mu) or failed attempts (limit_wc)."""
    reason = (
        "more than 50 enrollment starts in a minute"
        if kind == "limit_mu"
        else "10 failed attempts on one account"
    )
    return service.log_event(kind, details={"reason": reason}, ip=ip)


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
