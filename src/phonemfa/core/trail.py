"""The decision trail: what the engine checked, in order, for one enroll / challenge / verify.

Each attempt yields a list of decisions, e.g. phone parsed -> number rules -> user's message bucket
-> IP -> template -> provider -> result. A success returns it with the result; a refusal carries it
in `exc.details["trail"]` and in the refusal's log event, so the simulator and the live log can show
exactly which limit or rule let a send through or stopped it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Stable step names (the simulator and the log key on them).
FACTOR = "factor"  # factor enabled, channel offered
USER = "user"  # the user and their enrollment
IP = "ip"  # blocked IP / enrollment starts per IP
PHONE = "phone"  # number parsed: region, type
NUMBER_RULES = "number_rules"  # country and number-type rules
USER_MESSAGES = "user_messages"  # per-user message bucket
TEMPLATE = "template"  # action, channel, locale
PROVIDER = "provider"  # which provider, what it answered
TRANSACTION = "transaction"  # the oob code / transaction is open, not expired
CODE_FORMAT = "code_format"
WRONG_CODES = "wrong_codes"  # per-user wrong-code bucket
CODE = "code"  # the code compared
RECOVERY = "recovery_code"
WRONG_RECOVERY = "wrong_recovery"  # per-user wrong-recovery-code bucket
RESULT = "result"

# The hosted login pages' texts for refusal keys (reference §5), for front doors that show them.
USER_TEXTS: dict[str, str] = {
    "too-many-sms": "You have exceeded the amount of SMSs per hour. "
    "Wait a few minutes and try again.",
    "too-many-voice": "You have exceeded the amount of voice calls per hour. "
    "Wait a few minutes and try again.",
    "too-many-failures": "Too many failed codes. Wait for some minutes before retrying.",
    "too-many-attempts": "Too many attempts from your network. Contact the administrator.",
    "invalid-code": "The code you entered is invalid.",
    "invalid-expired-code": "The code you entered has expired or was already used.",
    "invalid-otp-code-format": "The code must contain only digits.",
    "invalid-recovery-code": "The recovery code you entered is invalid.",
    "send-sms-failed": "There was a problem sending the SMS.",
    "send-voice-failed": "There was a problem making the voice call.",
    "invalid-phone": "The phone number is not valid.",
    "invalid-phone-format": "The phone number format is not valid.",
    "phone-not-allowed": "Codes cannot be sent to this phone number.",
    "feature-disabled": "Phone verification is not available.",
    "channel-disabled": "This delivery method is not available.",
    "already-enrolled": "This user already has a phone enrolled.",
    "not-enrolled": "This user has no phone enrolled.",
    "service-unavailable": "Codes cannot be sent right now. Try again later.",
    "too-many-sms-per-tenant": "No more codes can be sent with the built-in provider.",
}


@dataclass(frozen=True)
class Decision:
    step: str
    ok: bool
    detail: str  # plain words, never a code or a full number
    key: str | None = None  # user-facing text key, on refusal
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"step": self.step, "ok": self.ok, "detail": self.detail}
        if self.key:
            body["key"] = self.key
        if self.data:
            body["data"] = self.data
        return body


class Trail:
    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def allow(self, step: str, detail: str, **data: Any) -> Decision:
        decision = Decision(step, True, detail, None, data)
        self.decisions.append(decision)
        return decision

    def refuse(self, step: str, detail: str, key: str, **data: Any) -> Decision:
        decision = Decision(step, False, detail, key, data)
        self.decisions.append(decision)
        return decision

    @property
    def refusal(self) -> Decision | None:
        return next((d for d in self.decisions if not d.ok), None)

    def to_json(self) -> list[dict[str, Any]]:
        return [d.to_json() for d in self.decisions]

    def __iter__(self):  # noqa: ANN204
        return iter(self.decisions)

    def __len__(self) -> int:
        return len(self.decisions)
