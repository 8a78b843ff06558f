"""Virtual phones: the inbox where development deliveries land instead of a real handset.

Three senders write here: the Built-in provider (SMS only, counted against its allowance), a Custom
action through `api.virtual_phone` (the shipped `phonemfa.actions.virtual_phone` action: SMS and
voice, so the simulator can play the voice flow), and a replay's `SimulatedProvider`, which stands
in for whatever provider the tenant uses so a replay never reaches a real one. The text holds the
code, so it is stored encrypted.
"""

from __future__ import annotations

from phonemfa.clock import Clock
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.store import inbox_repo
from phonemfa.store.crypto import SecretBox
from phonemfa.store.db import Store

CHANNELS = ("sms", "voice")


class VirtualPhones:
    def __init__(self, store: Store, box: SecretBox, clock: Clock, *, simulated: bool) -> None:
        self.store = store
        self.box = box
        self.clock = clock
        self.simulated = simulated

    def deliver(self, *, message_id: str, recipient: str, channel: str, text: str) -> int:
        """Put a message on the phone of `recipient` (E.164); returns the inbox id."""
        if channel not in CHANNELS:
            raise ValueError(f"message_type must be sms or voice, not {channel!r}.")
        if not isinstance(recipient, str) or not recipient.startswith("+"):
            raise ValueError("The recipient must be an E.164 number such as +14155550123.")
        if not isinstance(text, str) or not text:
            raise ValueError("The message text is empty.")
        with self.store.transaction():
            return inbox_repo.deliver(
                self.store,
                message_id=message_id,
                recipient=recipient,
                channel=channel,
                ciphertext=self.box.encrypt(text),
                now=self.clock.now(),
                simulated=self.simulated,
            )

    def line(self, message_id: str) -> PhoneLine:
        return PhoneLine(self, message_id)


class PhoneLine:
    """`api.virtual_phone` of one Custom action run: delivers as the message being sent."""

    def __init__(self, phones: VirtualPhones, message_id: str) -> None:
        self._phones = phones
        self._message_id = message_id

    def deliver(self, recipient: str, message_type: str, text: str) -> dict[str, object]:
        inbox_id = self._phones.deliver(
            message_id=self._message_id, recipient=recipient, channel=message_type, text=text
        )
        return {"inbox_id": inbox_id}


class SimulatedProvider:
    """A replay's provider: SMS and voice go to the virtual phones, never to a real network, and
    never count against the Built-in provider's lifetime allowance."""

    name = "simulated"
    label = "Simulated phone"

    def __init__(self, phones: VirtualPhones) -> None:
        self.phones = phones

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        request = {"to": message.to, "channel": message.channel}
        try:
            inbox_id = self.phones.deliver(
                message_id=message.message_id,
                recipient=message.to,
                channel=message.channel,
                text=message.text,
            )
        except ValueError as exc:
            return DeliveryResult(
                ok=False,
                provider=self.name,
                status="failed",
                error_code="invalid_message",
                error_message=str(exc),
                request=request,
            )
        return DeliveryResult(
            ok=True,
            provider=self.name,
            provider_id=f"sim_{inbox_id}",
            status="delivered",
            request=request,
            response={"inbox_id": inbox_id, "status": "delivered"},
        )
