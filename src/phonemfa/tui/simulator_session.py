"""What the simulator remembers between clicks, kept out of the widgets (no Textual here).

`DeliveryRecorder` observes the service's sends (`observe_deliveries`) so the virtual phone can
show what was handed to Twilio or an action and what it answered. The messages hold the codes:
they stay in this process's memory, a bounded few, and are never written anywhere.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.service.results import CodeSent, InboxMessage


@dataclass(frozen=True)
class Delivery:
    seq: int
    thread: int
    at: float  # the service clock when the provider answered
    message: OutgoingMessage
    result: DeliveryResult


class DeliveryRecorder:
    KEEP = 40

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._seq = 0
        self._items: deque[Delivery] = deque(maxlen=self.KEEP)

    def __call__(self, message: OutgoingMessage, result: DeliveryResult) -> None:
        with self._lock:
            self._seq += 1
            self._items.append(
                Delivery(self._seq, threading.get_ident(), self._now(), message, result)
            )

    def mark(self) -> int:
        with self._lock:
            return self._seq

    def since(self, mark: int) -> list[Delivery]:
        """Sends made by the calling thread after `mark` (a worker's own sends)."""
        me = threading.get_ident()
        with self._lock:
            return [d for d in self._items if d.seq > mark and d.thread == me]

    def to_number(self, number: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self._items if d.message.to == number]


@dataclass(frozen=True)
class PhoneItem:
    """One thing the virtual phone received: an inbox message, what a provider was handed, or
    both (a Custom action that delivered into the inbox)."""

    at: float
    channel: str
    text: str
    code: str | None = None  # known for this process's own sends
    inbox: InboxMessage | None = None
    delivery: Delivery | None = None

    @property
    def time(self) -> str:
        """UTC, like the log's dates."""
        return datetime.fromtimestamp(self.at, UTC).strftime("%H:%M:%S") if self.at else ""


def _iso_seconds(date: str) -> float:
    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()


def phone_items(inbox: list[InboxMessage], deliveries: list[Delivery]) -> list[PhoneItem]:
    """The phone's timeline: inbox messages and provider hand-offs, merged by message id."""
    by_message = {d.message.message_id: d for d in deliveries}
    items = []
    for message in inbox:
        delivery = by_message.pop(message.message_id, None)
        items.append(
            PhoneItem(
                at=_iso_seconds(message.date),
                channel=message.channel,
                text=message.text,
                code=delivery.message.code if delivery else None,
                inbox=message,
                delivery=delivery,
            )
        )
    for delivery in by_message.values():  # handed to Twilio (or an action) but not in the inbox
        items.append(
            PhoneItem(
                at=delivery.at,
                channel=delivery.message.channel,
                text=delivery.message.text,
                code=delivery.message.code,
                delivery=delivery,
            )
        )
    return sorted(items, key=lambda item: (item.at, item.delivery.seq if item.delivery else 0))


@dataclass
class SimulatedUser:
    """The simulator's user: the last code sent to them and what they wrote down."""

    user_id: str
    last_op: str | None = None  # enroll | challenge: what Resend repeats
    last_params: dict[str, str | None] = field(default_factory=dict)
    sent: CodeSent | None = None
    code_state: str = ""  # "" (open) | used | failed
    recovery_code: str | None = None  # shown once by the engine; the user keeps it
