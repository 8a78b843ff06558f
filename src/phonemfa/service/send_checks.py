"""The checks of a send, in the trail's order: factor and channel, phone, number rules, then
(under the write lock) the user's message bucket and the IP. Each refusal names its step."""

from __future__ import annotations

from typing import Any

from phonemfa.clock import iso
from phonemfa.core import codes, limits
from phonemfa.core import trail as steps
from phonemfa.core.phones import PhoneNumber, PhoneParseError, parse_phone
from phonemfa.core.rules import check_destination
from phonemfa.core.segments import sms_cost
from phonemfa.core.settings import BUILTIN_MESSAGE_LIMIT, PROVIDER_LABELS, FactorSettings
from phonemfa.core.templates import TEMPLATE_KEYS, Rendered, render
from phonemfa.delivery.base import Provider
from phonemfa.errors import PhoneMfaError
from phonemfa.service.attempt import Attempt
from phonemfa.store import enrollments_repo, limits_repo
from phonemfa.store.enrollments_repo import EnrollmentRow

ENROLL, CHALLENGE = "enrollment", "challenge"
FAIL_EVENTS = {ENROLL: "gd_start_enroll_failed", CHALLENGE: "gd_auth_failed"}
ACTIONS = {ENROLL: "enrollment", CHALLENGE: "second-factor-authentication"}


def _wait(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class SendChecksMixin:
    # -- checks before any write ----------------------------------------------------------------

    def _check_factor_on(self, attempt: Attempt, factor: FactorSettings) -> None:
        if not factor.enabled:
            raise self._refusal(
                attempt,
                steps.FACTOR,
                "The Phone Message factor is disabled.",
                "feature-disabled",
                code="feature_disabled",
                status=403,
                event=FAIL_EVENTS.get(attempt.kind),
            )

    def _choose_channel(
        self, attempt: Attempt, factor: FactorSettings, wanted: str | None, preferred: str | None
    ) -> str:
        self._check_factor_on(attempt, factor)
        offered = factor.offered_channels
        if wanted is None:
            choice = preferred if preferred in offered else (offered[0] if offered else None)
        else:
            choice = wanted if wanted in offered else None
        if choice is None:
            if wanted == "voice" and "voice" in factor.message_types:
                why = "The Built-in provider cannot send voice messages."
            elif wanted is not None and wanted not in ("sms", "voice"):
                why = f"{wanted!r} is not a delivery method (sms or voice)."
            elif wanted is not None:
                why = f"{wanted.upper()} is not enabled for this tenant."
            else:
                why = "No delivery method can be used with the selected provider."
            raise self._refusal(
                attempt,
                steps.FACTOR,
                why,
                "channel-disabled",
                code="enrollment_method_disabled",
                status=403,
                event=FAIL_EVENTS.get(attempt.kind),
                data={"offered": list(offered)},
            )
        attempt.trail.allow(
            steps.FACTOR,
            f"Factor on; {choice.upper()} chosen (offered: {', '.join(offered)}).",
            channel=choice,
            offered=list(offered),
        )
        return choice

    def _parse_phone(self, attempt: Attempt, text: Any, values: dict[str, Any]) -> PhoneNumber:
        try:
            phone = parse_phone(text, values["default_region"])
        except PhoneParseError as exc:
            raise self._refusal(
                attempt,
                steps.PHONE,
                str(exc),
                exc.key,
                code="invalid_phone_number",
                status=400,
                event=FAIL_EVENTS.get(attempt.kind),
            ) from None
        attempt.trail.allow(
            steps.PHONE,
            f"{phone.masked}: {phone.region}, {phone.type_label}.",
            region=phone.region,
            number_type=phone.number_type,
        )
        return phone

    def _check_number(
        self, attempt: Attempt, phone: PhoneNumber, channel: str, values: dict[str, Any]
    ) -> None:
        verdict = check_destination(phone, channel, values)
        if not verdict.ok:
            raise self._refusal(
                attempt,
                steps.NUMBER_RULES,
                verdict.detail,
                "phone-not-allowed",
                code="phone_number_not_allowed",
                status=403,
                event=FAIL_EVENTS.get(attempt.kind),
                data={"rule": verdict.rule, "region": phone.region},
                extra={"authenticator": {"type": channel, "phone_number": phone.masked}},
            )
        attempt.trail.allow(steps.NUMBER_RULES, verdict.detail)

    def _decide_rates(
        self, attempt: Attempt, values: dict[str, Any], channel: str, now: float
    ) -> tuple[limits.Take, limits.Take | None] | PhoneMfaError:
        """Inside the write transaction: the user's message bucket, then the IP. Writes only a
        block (and the refusal's event); the caller writes the buckets once everything passed."""
        trail, user_id = attempt.trail, attempt.user_id
        fail_event = FAIL_EVENTS[attempt.kind]
        # Per-user message bucket (SMS and voice together).
        sent = self._bucket_take("user_messages", user_id, values, now, write=False)
        capacity = values["limit_user_messages_burst"]
        refill = values["limit_user_messages_refill_seconds"]
        if not sent.allowed:
            label = "SMS" if channel == "sms" else "voice calls"
            return self._refusal(
                attempt,
                steps.USER_MESSAGES,
                f"{user_id} has used all {capacity} messages; the next one is allowed in "
                f"{_wait(sent.retry_after)} (one every {_wait(refill)}).",
                "too-many-sms" if channel == "sms" else "too-many-voice",
                code="too_many_sms",
                status=429,
                event="limit_phone",
                message=f"Too many {label} sent by the user. Wait for some minutes before retrying.",
                retry_after=sent.retry_after,
                extra={"delivery_method": channel, "reset_time": iso(now + sent.retry_after)},
                data={"tokens_left": 0, "capacity": capacity, "retry_after": sent.retry_after},
            )
        trail.allow(
            steps.USER_MESSAGES,
            f"{sent.remaining} of {capacity} messages left after this one; "
            f"one more every {_wait(refill)}.",
            tokens_left=sent.remaining,
            capacity=capacity,
            full_at=iso(sent.full_at),
        )
        # Per-IP: blocked addresses, and enrollment starts per minute.
        ip_take = None
        if attempt.ip:
            blocked = limits_repo.blocked(self.store, attempt.ip)
            if blocked:
                return self._refusal(
                    attempt,
                    steps.IP,
                    f"IP {attempt.ip} is blocked since {iso(blocked.blocked_at)} ({blocked.reason}: "
                    f"{blocked.detail}); an operator can unblock it.",
                    "too-many-attempts",
                    code="too_many_attempts",
                    status=429,
                    event=fail_event,
                    message="We have detected suspicious behavior from this IP address; "
                    "further attempts are blocked. Contact the administrator.",
                    reason="ip_blocked",
                )
            if attempt.kind == ENROLL:
                per_minute = values["limit_ip_enroll_per_minute"]
                ip_take = self._bucket_take("ip_enroll", attempt.ip, values, now, write=False)
                if not ip_take.allowed:
                    detail = f"more than {per_minute} enrollment starts in a minute"
                    self._block_ip(attempt.ip, detail, now)
                    return self._refusal(
                        attempt,
                        steps.IP,
                        f"IP {attempt.ip} made {detail}: blocked until an operator unblocks it.",
                        "too-many-attempts",
                        code="too_many_attempts",
                        status=429,
                        event="limit_mu",
                        message="Too many enrollment attempts from this IP address; "
                        "it is now blocked. Contact the administrator.",
                        extra={"blocked_ip": attempt.ip, "limit": per_minute},
                        reason="ip_limit",
                    )
                trail.allow(
                    steps.IP,
                    f"IP {attempt.ip}: {ip_take.remaining} of {per_minute} enrollment starts "
                    "left this minute.",
                    tokens_left=ip_take.remaining,
                    capacity=per_minute,
                )
            else:
                trail.allow(steps.IP, f"IP {attempt.ip} is not blocked.")
        else:
            trail.allow(steps.IP, "No IP address given: per-IP limits do not apply.")
        return sent, ip_take

    def _prepare_message(
        self,
        attempt: Attempt,
        values: dict[str, Any],
        factor: FactorSettings,
        channel: str,
        enrollment: EnrollmentRow | None,
        locale: str,
        language: str | None,
    ) -> tuple[str, int, str, Rendered, Provider] | PhoneMfaError:
        """Under the write lock: the HOTP counter, the code, the rendered template, the provider."""
        trail = attempt.trail
        fail_event = FAIL_EVENTS[attempt.kind]
        # The code and the message.
        digits = values["otp_length"]
        if enrollment is None:
            secret, counter = codes.new_hotp_secret(), 0
        else:
            # Read again under the write lock: another process may have sent a code meanwhile.
            fresh = enrollments_repo.get(self.store, enrollment.id)
            if fresh is None or fresh.status != enrollments_repo.CONFIRMED:
                return self._refusal(
                    attempt,
                    steps.USER,
                    f"The enrollment {enrollment.id} was deleted meanwhile.",
                    "not-enrolled",
                    code="not_enrolled",
                    status=404,
                    event=fail_event,
                    message="The user is not enrolled with a phone.",
                )
            secret, counter = self.box.decrypt(fresh.secret), fresh.counter
        code = codes.hotp_code(secret, counter, digits)
        action = ACTIONS[attempt.kind]
        template_key = TEMPLATE_KEYS[action]
        try:
            rendered = render(
                values[template_key],
                channel=channel,
                code=code,
                locale=locale,
                friendly_name=values["friendly_name"],
                request_lang=language,
            )
        except Exception as exc:  # liquid's errors: a template that cannot render refuses the send
            return self._refusal(
                attempt,
                steps.TEMPLATE,
                f"The {template_key} template cannot be rendered: {exc}",
                "service-unavailable",
                code="template_error",
                status=503,
                event=fail_event,
            )
        template_data: dict[str, Any] = {
            "action": action,
            "channel": channel,
            "locale": locale,
            "length": len(rendered.text),
        }
        cost = ""
        if channel == "sms":
            sms = sms_cost(rendered.text)
            template_data.update(segments=sms.segments, encoding=sms.encoding)
            cost = f", {sms.segments} segment{'s' if sms.segments != 1 else ''} ({sms.encoding})"
        trail.allow(
            steps.TEMPLATE,
            f"{template_key}, {channel}, locale {locale}: {len(rendered.text)} characters{cost}.",
            **template_data,
        )
        # The provider.
        override = self.provider_override
        builtin_left = (
            self.builtin_messages_left() if factor.provider == "auth0" and override is None else 0
        )
        try:
            if factor.provider == "auth0" and override is None and builtin_left <= 0:
                raise PhoneMfaError(
                    f"The Built-in provider's {BUILTIN_MESSAGE_LIMIT} messages for this tenant "
                    "are spent. Choose Twilio or Custom to keep sending codes.",
                    code="too_many_sms_per_tenant",
                    status=429,
                )
            provider = self.provider_for(
                factor.provider, simulated=attempt.simulated, values=values
            )
        except PhoneMfaError as exc:
            key = (
                "too-many-sms-per-tenant"
                if exc.code == "too_many_sms_per_tenant"
                else "service-unavailable"
            )
            return self._refusal(
                attempt,
                steps.PROVIDER,
                exc.message,
                key,
                code=exc.code,
                status=exc.status,
                event=fail_event,
            )
        provider_detail = PROVIDER_LABELS[factor.provider]
        if override is not None:
            provider_detail = (
                f"{getattr(override, 'label', override.name)} in place of {provider_detail} "
                "(nothing leaves this machine)"
            )
        elif factor.provider == "auth0":
            provider_detail += f": {builtin_left} of {BUILTIN_MESSAGE_LIMIT} tenant messages left"
        trail.allow(
            steps.PROVIDER,
            f"{provider_detail}.",
            provider=factor.provider if override is None else override.name,
        )
        return secret, counter, code, rendered, provider
