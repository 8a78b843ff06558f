"""The MFA engine as one mixin of the facade: enroll, challenge, verify, recover, enrollments,
providers and outbox, rate limits and blocks, MFA API tokens."""

from __future__ import annotations

from phonemfa.service.attempt import AttemptMixin
from phonemfa.service.delivery import DeliveryMixin
from phonemfa.service.enrollments import EnrollmentsMixin
from phonemfa.service.limits import LimitsMixin
from phonemfa.service.mfa_tokens import MfaTokensMixin
from phonemfa.service.sending import SendingMixin
from phonemfa.service.verifying import VerifyingMixin


class MfaMixin(
    SendingMixin,
    VerifyingMixin,
    EnrollmentsMixin,
    MfaTokensMixin,
    DeliveryMixin,
    LimitsMixin,
    AttemptMixin,
):
    pass
