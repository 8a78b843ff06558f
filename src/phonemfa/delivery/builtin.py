"""The Built-in provider (`auth0`): SMS only, delivered into the virtual phone inbox.

Like Auth0's, it is for evaluation: 100 messages for the tenant's whole life, counted durably in
the same transaction as the delivery, so no process can deliver the 101st.
"""

from __future__ import annotations

from phonemfa.clock import Clock
from phonemfa.core.settings import BUILTIN_MESSAGE_LIMIT
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.store import inbox_repo
from phonemfa.store.crypto import SecretBox
from phonemfa.store.db import Store

NAME = "auth0"


class BuiltinProvider:
    name = NAME

    def __init__(
        self,
        store: Store,
        box: SecretBox,
        clock: Clock,
        *,
        limit: int = BUILTIN_MESSAGE_LIMIT,
        simulated: bool = False,
    ) -> None:
        self.store = store
        self.box = box
        self.clock = clock
        self.limit = limit
        self.simulated = simulated

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        request = {"to": message.to, "channel": message.channel}
        if message.channel != "sms":
            return DeliveryResult(
                ok=False,
                provider=NAME,
                status="failed",
                error_code="voice_not_supported",
                error_message="The Built-in provider cannot send voice messages.",
                request=request,
            )
        with self.store.transaction():
            if not inbox_repo.take_from_allowance(
                self.store, inbox_repo.BUILTIN_COUNTER, self.limit
            ):
                return DeliveryResult(
                    ok=False,
                    provider=NAME,
                    status="failed",
                    error_code="too_many_sms_per_tenant",
                    error_message=f"The Built-in provider's {self.limit} messages for this "
                    "tenant are spent. Choose Twilio or Custom to keep sending codes.",
                    request=request,
                )
            inbox_id = inbox_repo.deliver(
                self.store,
                message_id=message.message_id,
                recipient=message.to,
                channel=message.channel,
                ciphertext=self.box.encrypt(message.text),
                now=self.clock.now(),
                simulated=self.simulated,
            )
        return DeliveryResult(
            ok=True,
            provider=NAME,
            provider_id=f"inbox_{inbox_id}",
            status="delivered",
            request=request,
            response={"inbox_id": inbox_id},
        )

    def used(self) -> int:
        return inbox_repo.counter(self.store, inbox_repo.BUILTIN_COUNTER)
