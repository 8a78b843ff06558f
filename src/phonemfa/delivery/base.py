"""The one small interface between the engine and every provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Channel = Literal["sms", "voice"]
Action = Literal["enrollment", "second-factor-authentication"]


@dataclass(frozen=True)
class VoicePart:
    """A piece of a voice script: words to say, or a pause (seconds)."""

    kind: Literal["say", "pause"]
    text: str = ""
    seconds: int = 1


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as the engine hands it to a provider; the outbox row exists already."""

    message_id: str  # the outbox row's id
    channel: Channel
    action: Action
    to: str  # E.164
    text: str  # the rendered template: the SMS body, or the voice script as plain text
    code: str
    locale: str
    voice_parts: tuple[VoicePart, ...] = ()
    # The Send Phone Message action's event fields (user, request, tenant, client).
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    provider: str  # auth0 | twilio | phone-message-hook
    provider_id: str | None = None  # Twilio SID, inbox id, action's id
    status: str = "sent"  # queued | accepted | sent | delivered | failed
    error_code: str | None = None  # the provider's code (e.g. Twilio's "21211")
    error_message: str | None = None
    # What was handed to the provider and what it answered, for the simulator and the log.
    # Never holds a secret; may hold the message text (it is the user's own message).
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    """`name` is the wire value. A provider may also set `in_database = True` when its send is
    only a write to phonemfa's own database (the Built-in provider's virtual inbox): the engine
    then runs it inside the send's transaction, so reservation, delivery and record commit as one.
    """

    name: str

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Deliver or fail; never raise for a delivery failure (return ok=False instead)."""
        ...
