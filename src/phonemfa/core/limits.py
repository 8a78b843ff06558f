"""Token buckets, pure: the store keeps (tokens, updated_at); this decides and computes the next.

A bucket holds at most `capacity` tokens and regains `refill_tokens` every `refill_seconds`
(continuously). Taking needs one whole token. The caller reads, calls `take`, and writes the new
state in the same write transaction, so processes sharing the file never both spend the last token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketRule:
    capacity: int
    refill_tokens: float
    refill_seconds: float

    @property
    def rate(self) -> float:
        """Tokens per second."""
        return self.refill_tokens / self.refill_seconds


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated_at: float


@dataclass(frozen=True)
class Take:
    allowed: bool
    state: BucketState  # the state to store (refilled, minus the token when allowed)
    remaining: int  # whole tokens left after this take
    retry_after: int  # seconds until one token is available (0 if one is)
    full_at: float  # when the bucket will be full again


def current(rule: BucketRule, state: BucketState | None, now: float) -> BucketState:
    """The state refilled up to `now`; a missing bucket is full. Time going back refills nothing."""
    if state is None:
        return BucketState(float(rule.capacity), now)
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(float(rule.capacity), max(0.0, state.tokens) + elapsed * rule.rate)
    return BucketState(tokens, max(now, state.updated_at))


def _seconds_until(rule: BucketRule, tokens: float, wanted: float) -> float:
    missing = wanted - tokens
    return 0.0 if missing <= 1e-9 else missing / rule.rate


def take(rule: BucketRule, state: BucketState | None, now: float, cost: float = 1.0) -> Take:
    fresh = current(rule, state, now)
    allowed = fresh.tokens + 1e-9 >= cost
    tokens = fresh.tokens - cost if allowed else fresh.tokens
    after = BucketState(max(0.0, tokens), fresh.updated_at)
    return Take(
        allowed=allowed,
        state=after,
        remaining=int(math.floor(after.tokens + 1e-9)),
        retry_after=int(math.ceil(_seconds_until(rule, after.tokens, cost))),
        full_at=fresh.updated_at + _seconds_until(rule, after.tokens, rule.capacity),
    )


def peek(rule: BucketRule, state: BucketState | None, now: float, cost: float = 1.0) -> Take:
    """Would `take` succeed? The returned state is unchanged (refilled only)."""
    fresh = current(rule, state, now)
    allowed = fresh.tokens + 1e-9 >= cost
    return Take(
        allowed=allowed,
        state=fresh,
        remaining=int(math.floor(fresh.tokens + 1e-9)),
        retry_after=int(math.ceil(_seconds_until(rule, fresh.tokens, cost))),
        full_at=fresh.updated_at + _seconds_until(rule, fresh.tokens, rule.capacity),
    )
