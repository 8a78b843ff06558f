"""A hypothesis state machine of the engine against a model small enough to read.

Two users enroll, confirm, get login codes and type them right, wrong or malformed while time
passes (fake clock). The model keeps, per user, the enrollment's state, the message and
wrong-code buckets as plain numbers and each code's fate; every answer of the service must be the
one the model predicts, and the buckets the service reports must be the model's.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from phonemfa.clock import FakeClock
from phonemfa.errors import PhoneMfaError
from phonemfa.service import PhoneMfa

USERS = {"auth0|ana": "+33611111111", "auth0|ben": "+14155550166"}
MESSAGES = (10, 3600)  # the seed's limits: burst, seconds per new token
WRONG = (10, 360)
EXPIRY = 300


@dataclass
class Bucket:
    capacity: int
    seconds_per_token: float
    tokens: float = -1.0
    at: float = 0.0

    def level(self, now: float) -> float:
        if self.tokens < 0:
            return float(self.capacity)
        return min(self.capacity, self.tokens + (now - self.at) / self.seconds_per_token)

    def take(self, now: float) -> None:
        self.tokens, self.at = self.level(now) - 1, now


@dataclass
class Code:
    transaction_id: str
    code: str
    kind: str  # enrollment | challenge
    expires_at: float
    live: bool = True  # False once used or replaced by a newer code


@dataclass
class User:
    enrollment: str | None = None  # None | pending | confirmed
    messages: Bucket = field(default_factory=lambda: Bucket(*MESSAGES))
    wrong: Bucket = field(default_factory=lambda: Bucket(*WRONG))
    codes: list[Code] = field(default_factory=list)

    def new_code(self, code: Code) -> None:
        for older in self.codes:
            older.live = False
        self.codes.append(code)


class EngineModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.dir = Path(tempfile.mkdtemp(prefix="phonemfa-model-"))
        self.service = PhoneMfa.open(
            self.dir / f"{uuid.uuid4().hex}.db", clock=self.clock, demo=False
        )
        self.service.update_settings({"enabled": True, "message_types": ["sms"]}, actor="model")
        self.users = {name: User() for name in USERS}

    def teardown(self) -> None:
        self.service.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------------
    def outcome(self, call) -> str:
        try:
            call()
        except PhoneMfaError as exc:
            return exc.code
        return "ok"

    def delivered(self, user: str, kind: str, transaction_id: str) -> None:
        text = self.service.inbox(USERS[user])[-1].text
        self.users[user].new_code(
            Code(transaction_id, text.split()[0], kind, self.clock.now() + EXPIRY)
        )

    # -- rules ---------------------------------------------------------------------------------------
    @rule(user=st.sampled_from(sorted(USERS)))
    def start_enrollment(self, user: str) -> None:
        model, now = self.users[user], self.clock.now()
        if model.enrollment == "confirmed":
            expected = "already_enrolled"
        elif model.messages.level(now) < 1:
            expected = "too_many_sms"
        else:
            expected = "ok"
        sent = []
        got = self.outcome(lambda: sent.append(self.service.start_enrollment(user, USERS[user])))
        assert got == expected
        if got == "ok":
            model.messages.take(now)
            model.enrollment = "pending"
            self.delivered(user, "enrollment", sent[0].transaction_id)

    @initialize()
    def one_user_starts_enrolled(self) -> None:
        self.start_enrollment("auth0|ana")
        self.check_code("auth0|ana", self.users["auth0|ana"].codes[-1], "right")

    @rule(data=st.data())
    def challenge(self, data) -> None:
        enrolled = [u for u in sorted(USERS) if self.users[u].enrollment == "confirmed"]
        everyone = st.sampled_from(sorted(USERS))
        user = data.draw(st.one_of(st.sampled_from(enrolled), everyone) if enrolled else everyone)
        model, now = self.users[user], self.clock.now()
        if model.enrollment != "confirmed":
            expected = "not_enrolled"
        elif model.messages.level(now) < 1:
            expected = "too_many_sms"
        else:
            expected = "ok"
        sent = []
        got = self.outcome(lambda: sent.append(self.service.challenge(user)))
        assert got == expected
        if got == "ok":
            model.messages.take(now)
            self.delivered(user, "challenge", sent[0].transaction_id)

    @precondition(lambda self: any(u.codes for u in self.users.values()))
    @rule(
        data=st.data(),
        typing=st.sampled_from(["right", "wrong", "wrong", "malformed"]),
        times=st.sampled_from([1, 1, 3, 11]),
    )
    def verify(self, data, typing: str, times: int) -> None:
        user = data.draw(st.sampled_from([u for u in sorted(USERS) if self.users[u].codes]))
        codes = self.users[user].codes
        newest = st.just(codes[-1])
        code = data.draw(st.one_of(newest, newest, newest, st.sampled_from(codes)))
        for _ in range(times):
            self.check_code(user, code, typing)

    def check_code(self, user: str, code: Code, typing: str) -> None:
        model, now = self.users[user], self.clock.now()
        typed = {
            "right": code.code,
            "wrong": f"{(int(code.code) + 1) % 1_000_000:06d}",
            "malformed": code.code[:5] + "x",
        }[typing]
        if not code.live or code.expires_at <= now:
            expected = "transaction_expired"
        elif typing == "malformed":
            expected = "invalid_otp_format"
        elif model.wrong.level(now) < 1:
            expected = "too_many_failures"
        elif typing == "wrong":
            expected = "invalid_otp"
        else:
            expected = "ok"
        got = self.outcome(lambda: self.service.verify(code.transaction_id, typed, user_id=user))
        assert got == expected, (typing, code, now)
        if got == "invalid_otp":
            model.wrong.take(now)
        if got == "ok":
            code.live = False
            if code.kind == "enrollment":
                model.enrollment = "confirmed"

    @rule(seconds=st.sampled_from([1, 59, 299, 301, 361, 3600, 4000, 36000]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # -- invariants ----------------------------------------------------------------------------------
    @invariant()
    def buckets_and_enrollments_are_the_models(self) -> None:
        now = self.clock.now()
        for user, model in self.users.items():
            for kind, bucket in (("user_messages", model.messages), ("wrong_codes", model.wrong)):
                status = self.service.bucket_status(kind, user)
                assert status.tokens == math.floor(bucket.level(now) + 1e-9), (kind, user)
            statuses = {e.status for e in self.service.list_enrollments(user)}
            assert statuses == ({model.enrollment} if model.enrollment else set())


EngineModel.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None)
test_engine_against_its_model = EngineModel.TestCase
