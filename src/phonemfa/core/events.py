"""Tenant log event codes (Auth0's names) and the shape of one event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVENT_TYPES: dict[str, str] = {
    "gd_start_enroll": "MFA enrollment started",
    "gd_enrollment_complete": "Guardian enrollment complete",
    "gd_start_enroll_failed": "MFA enrollment failed",
    "gd_unenroll": "Guardian device unenrolled",
    "gd_update_device_account": "Guardian enrollment updated",
    "gd_start_auth": "Second factor authentication started",
    "gd_auth_succeed": "MFA code accepted",
    "gd_auth_failed": "MFA authentication failed",
    "gd_send_sms": "MFA SMS sent",
    "gd_send_sms_failure": "MFA SMS sending failed",
    "gd_send_voice": "MFA voice call made",
    "gd_send_voice_failure": "MFA voice call failed",
    "gd_otp_rate_limit_exceed": "Too many wrong codes",
    "gd_recovery_succeed": "Recovery code accepted",
    "gd_recovery_failed": "Wrong recovery code",
    "gd_recovery_rate_limit_exceed": "Too many wrong recovery codes",
    "gd_tenant_update": "MFA tenant settings updated",
    "limit_phone": "Too many SMS or voice messages for this user",
    "limit_mu": "IP blocked: too many sign-ups or enrollment starts",
    "limit_wc": "IP blocked: too many failed attempts on one account",
    "api_limit": "API rate limit reached",
    "alert": "Alert rule fired",
}

# Categories drive colours and filters in the live log.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sent": ("gd_send_sms", "gd_send_voice"),
    "failed": (
        "gd_send_sms_failure",
        "gd_send_voice_failure",
        "gd_start_enroll_failed",
        "gd_auth_failed",
        "gd_recovery_failed",
    ),
    "limited": (
        "limit_phone",
        "gd_otp_rate_limit_exceed",
        "gd_recovery_rate_limit_exceed",
        "api_limit",
    ),
    "blocked": ("limit_mu", "limit_wc"),
    "settings": ("gd_tenant_update",),
    "flow": (
        "gd_start_enroll",
        "gd_enrollment_complete",
        "gd_unenroll",
        "gd_update_device_account",
        "gd_start_auth",
        "gd_auth_succeed",
        "gd_recovery_succeed",
    ),
    "alert": ("alert",),
}


def category_of(event_type: str) -> str:
    for category, types in CATEGORIES.items():
        if event_type in types:
            return category
    return "other"


def log_id_for(row_id: int) -> str:
    """Unique and sortable like Auth0's numeric log ids; derived from the row id, never stored."""
    return f"90{row_id:022d}"


def row_id_from_log_id(log_id: str) -> int | None:
    if len(log_id) == 24 and log_id.startswith("90") and log_id.isdigit():
        return int(log_id[2:])
    return None


@dataclass(frozen=True)
class Event:
    id: int
    date: str
    type: str
    description: str
    ip: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    client_id: str | None = None
    client_name: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    simulated: bool = False

    @property
    def log_id(self) -> str:
        return log_id_for(self.id)

    @property
    def category(self) -> str:
        return category_of(self.type)

    def to_json(self) -> dict[str, Any]:
        """The Auth0 log event shape (null fields omitted)."""
        body: dict[str, Any] = {
            "log_id": self.log_id,
            "date": self.date,
            "type": self.type,
            "description": self.description,
        }
        for name in ("ip", "user_id", "user_name", "client_id", "client_name", "user_agent"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        body["details"] = self.details
        if self.simulated:
            body["simulated"] = True
        return body
