"""What the engine's use cases return: plain frozen dataclasses with their JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonemfa.clock import iso
from phonemfa.core.trail import Decision


def _trail(trail: tuple[Decision, ...]) -> list[dict[str, Any]]:
    return [d.to_json() for d in trail]


@dataclass(frozen=True)
class CodeSent:
    """An enrollment started or a challenge made: a code is on its way to the user's phone."""

    transaction_id: str  # the oob_code: give it back with the code to verify
    action: str  # enrollment | second-factor-authentication
    user_id: str
    enrollment_id: str
    channel: str  # sms | voice
    recipient: str  # masked
    region: str
    number_type: str
    expires_at: float
    message_id: str  # the outbox row
    provider: str
    provider_id: str | None
    locale: str
    trail: tuple[Decision, ...]
    recovery_code: str | None = None  # shown once, on a user's first enrollment
    simulated: bool = False

    @property
    def authenticator_id(self) -> str:
        return f"{self.channel}|{self.enrollment_id}"

    def to_json(self) -> dict[str, Any]:
        body = {
            "transaction_id": self.transaction_id,
            "action": self.action,
            "user_id": self.user_id,
            "enrollment_id": self.enrollment_id,
            "authenticator_id": self.authenticator_id,
            "channel": self.channel,
            "recipient": self.recipient,
            "region": self.region,
            "number_type": self.number_type,
            "expires_at": iso(self.expires_at),
            "message_id": self.message_id,
            "provider": self.provider,
            "provider_id": self.provider_id,
            "locale": self.locale,
            "trail": _trail(self.trail),
        }
        if self.recovery_code:
            body["recovery_code"] = self.recovery_code
        if self.simulated:
            body["simulated"] = True
        return body


@dataclass(frozen=True)
class Verified:
    """A code accepted: an enrollment confirmed, or a login's second factor passed."""

    user_id: str
    enrollment_id: str
    channel: str
    action: str
    enrollment_completed: bool
    trail: tuple[Decision, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            "user_id": self.user_id,
            "enrollment_id": self.enrollment_id,
            "channel": self.channel,
            "action": self.action,
            "enrollment_completed": self.enrollment_completed,
            "trail": _trail(self.trail),
        }


@dataclass(frozen=True)
class RecoveryUsed:
    user_id: str
    recovery_code: str  # the new code, replacing the one just used
    trail: tuple[Decision, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            "user_id": self.user_id,
            "recovery_code": self.recovery_code,
            "trail": _trail(self.trail),
        }


@dataclass(frozen=True)
class Enrollment:
    id: str
    user_id: str
    status: str  # pending | confirmed
    channel: str
    phone_number: str  # masked
    region: str
    number_type: str
    created_at: float
    enrolled_at: float | None
    last_auth: float | None

    def to_api(self) -> dict[str, Any]:
        """Auth0's enrollment object (the number masked: phonemfa never shows it in full)."""
        return {
            "id": self.id,
            "status": self.status,
            "type": "sms",
            "name": self.phone_number,
            "identifier": self.phone_number,
            "phone_number": self.phone_number,
            "auth_method": self.channel,
            "enrolled_at": iso(self.enrolled_at) if self.enrolled_at else None,
            "last_auth": iso(self.last_auth) if self.last_auth else None,
        }


@dataclass(frozen=True)
class InboxMessage:
    id: int
    message_id: str
    to: str  # E.164: the virtual phone's own number
    channel: str
    text: str
    date: str
    simulated: bool

    def to_json(self) -> dict[str, Any]:
        body = {
            "id": self.id,
            "message_id": self.message_id,
            "to": self.to,
            "channel": self.channel,
            "text": self.text,
            "date": self.date,
        }
        if self.simulated:
            body["simulated"] = True
        return body


@dataclass(frozen=True)
class BucketStatus:
    """A rate bucket as the console and simulator show it."""

    kind: str
    subject: str
    tokens: int
    capacity: int
    next_token_in: int  # seconds until one more token (0 when full)
    full_in: int  # seconds until full
