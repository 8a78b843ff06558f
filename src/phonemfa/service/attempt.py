"""One attempt (enroll, challenge, verify, recovery): its caller, its trail, and how it is refused.

A refusal adds the refusing decision to the trail, logs the refusal's event (with the trail, so the
live log shows which rule stopped it) and returns the error to raise, carrying the trail and the
user-facing text key in `details`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phonemfa.core.trail import Trail
from phonemfa.errors import PhoneMfaError, ValidationError
from phonemfa.service.base import ServiceBase


@dataclass
class Attempt:
    kind: str  # enrollment | challenge | verify | recovery
    user_id: str | None
    ip: str | None = None
    user_agent: str | None = None
    simulated: bool = False
    trail: Trail = field(default_factory=Trail)

    def fields(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "ip": self.ip, "user_agent": self.user_agent}


def check_user_id(user_id: object) -> str:
    if (
        not isinstance(user_id, str)
        or not user_id
        or len(user_id) > 200
        or any(ord(c) < 32 for c in user_id)
    ):
        raise ValidationError("user_id must be 1 to 200 printable characters.", field="user_id")
    return user_id


def check_context(ip: object, user_agent: object) -> tuple[str | None, str | None]:
    from phonemfa.service.limits import normalize_ip

    address = normalize_ip(ip) if ip not in (None, "") else None
    if user_agent is not None and (not isinstance(user_agent, str) or len(user_agent) > 512):
        raise ValidationError("user_agent must be a text of at most 512 characters.")
    return address, (user_agent or None)


class AttemptMixin(ServiceBase):
    def _attempt(
        self,
        kind: str,
        user_id: str | None,
        ip: str | None,
        user_agent: str | None,
        simulated: bool,
    ) -> Attempt:
        address, agent = check_context(ip, user_agent)
        return Attempt(kind, user_id, address, agent, bool(simulated))

    def _refusal(
        self,
        attempt: Attempt,
        step: str,
        detail: str,
        key: str,
        *,
        code: str,
        status: int,
        event: str | None,
        message: str | None = None,
        retry_after: int | None = None,
        extra: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> PhoneMfaError:
        """Record the refusal (event joins the caller's transaction if any) and build the error."""
        message = message or detail
        attempt.trail.refuse(step, detail, key, **(data or {}))
        trail = attempt.trail.to_json()
        if event:
            details = {
                **(extra or {}),
                "failure_details": {"errorCode": code, "message": message},
                "trail": trail,
            }
            with self.store.transaction():
                self.log_event(
                    event,
                    description=None,
                    details=details,
                    simulated=attempt.simulated,
                    **attempt.fields(),
                )
        err_details: dict[str, Any] = {"trail": trail, "key": key}
        if reason:
            err_details["reason"] = reason
        if retry_after is not None:
            err_details["retry_after"] = max(1, int(retry_after))
        return PhoneMfaError(message, code=code, status=status, details=err_details)
