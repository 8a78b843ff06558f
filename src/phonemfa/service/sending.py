"""Enrollment starts and challenges: every check in order, then one code sent through the outbox.

Order of decisions (the trail): factor -> user -> phone -> number rules -> user's message bucket
-> IP -> template -> provider -> result. Checks read only; the writes (buckets, enrollment,
transaction, outbox row, start event) happen together in one BEGIN IMMEDIATE transaction, so a
refusal changes nothing but the log (and, for an IP over its limit, the block).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonemfa.core import codes
from phonemfa.core import trail as steps
from phonemfa.core.phones import PhoneNumber
from phonemfa.core.segments import sms_cost
from phonemfa.core.settings import PROVIDER_LABELS, FactorSettings
from phonemfa.core.templates import resolve_locale
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage, Provider
from phonemfa.errors import PhoneMfaError
from phonemfa.service.attempt import Attempt, check_user_id
from phonemfa.service.results import CodeSent
from phonemfa.service.send_checks import ACTIONS, CHALLENGE, ENROLL, FAIL_EVENTS, SendChecksMixin
from phonemfa.store import enrollments_repo, messages_repo, transactions_repo
from phonemfa.store.enrollments_repo import EnrollmentRow
from phonemfa.store.transactions_repo import TransactionRow

START_EVENTS = {ENROLL: "gd_start_enroll", CHALLENGE: "gd_start_auth"}


@dataclass
class _Plan:
    provider: Provider
    message: OutgoingMessage
    transaction: TransactionRow
    enrollment_id: str
    new_enrollment: bool
    recovery_code: str | None
    event: dict[str, Any]


class SendingMixin(SendChecksMixin):
    # -- use cases -------------------------------------------------------------------------------

    def start_enrollment(
        self,
        user_id: str,
        phone_number: str,
        channel: str | None = None,
        *,
        language: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        simulated: bool = False,
    ) -> CodeSent:
        """Enroll a phone: send an enrollment code; `verify` with it confirms the enrollment."""
        check_user_id(user_id)
        attempt = self._attempt(ENROLL, user_id, ip, user_agent, simulated)
        values = self.settings_values()
        factor = FactorSettings.from_values(values)
        channel = self._choose_channel(attempt, factor, channel, preferred=None)
        confirmed = enrollments_repo.for_user(self.store, user_id, enrollments_repo.CONFIRMED)
        if confirmed:
            raise self._refusal(
                attempt,
                steps.USER,
                f"{user_id} already has a phone enrolled ({confirmed[0].id}); delete it first.",
                "already-enrolled",
                code="already_enrolled",
                status=409,
                event=FAIL_EVENTS[ENROLL],
                message="User is already enrolled.",
            )
        attempt.trail.allow(steps.USER, f"{user_id} has no phone enrolled yet.")
        phone = self._parse_phone(attempt, phone_number, values)
        self._check_number(attempt, phone, channel, values)
        return self._send_code(attempt, values, factor, channel, phone, None, language)

    def challenge(
        self,
        user_id: str,
        channel: str | None = None,
        *,
        enrollment_id: str | None = None,
        language: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        simulated: bool = False,
    ) -> CodeSent:
        """Send a login code to an enrolled user (their enrollment's channel unless told)."""
        check_user_id(user_id)
        attempt = self._attempt(CHALLENGE, user_id, ip, user_agent, simulated)
        values = self.settings_values()
        factor = FactorSettings.from_values(values)
        self._check_factor_on(attempt, factor)
        confirmed = [
            e
            for e in enrollments_repo.for_user(self.store, user_id, enrollments_repo.CONFIRMED)
            if enrollment_id in (None, e.id)
        ]
        if not confirmed:
            raise self._refusal(
                attempt,
                steps.USER,
                f"{user_id} has no confirmed phone enrollment"
                + (f" {enrollment_id}." if enrollment_id else "."),
                "not-enrolled",
                code="not_enrolled",
                status=404,
                event=FAIL_EVENTS[CHALLENGE],
                message="The user is not enrolled with a phone.",
            )
        enrollment = confirmed[0]
        attempt.trail.allow(steps.USER, f"{user_id} is enrolled ({enrollment.id}).")
        channel = self._choose_channel(attempt, factor, channel, preferred=enrollment.channel)
        phone = PhoneNumber(enrollment.phone_number, enrollment.region, enrollment.number_type)
        attempt.trail.allow(
            steps.PHONE,
            f"Enrolled number {phone.masked} ({phone.region}, {phone.type_label}).",
            region=phone.region,
            number_type=phone.number_type,
        )
        self._check_number(attempt, phone, channel, values)
        return self._send_code(attempt, values, factor, channel, phone, enrollment, language)

    # -- the send ----------------------------------------------------------------------------------

    def _send_code(
        self,
        attempt: Attempt,
        values: dict[str, Any],
        factor: FactorSettings,
        channel: str,
        phone: PhoneNumber,
        enrollment: EnrollmentRow | None,
        language: str | None,
    ) -> CodeSent:
        user = self.find_user(attempt.user_id)
        locale = resolve_locale(
            language, values["locales"], user_locale=user.locale if user else None
        )
        result = None
        with self.store.transaction():
            planned = self._reserve(
                attempt, values, factor, channel, phone, enrollment, locale, language, user
            )
            if not isinstance(planned, PhoneMfaError) and getattr(
                planned.provider, "in_database", False
            ):
                # Nothing leaves the machine: one transaction from reservation to record.
                result = self._deliver_planned(planned)
        if isinstance(planned, PhoneMfaError):
            raise planned
        plan = planned
        if result is None:  # the outbox row is committed; no lock is held while it sends
            result = self._deliver_planned(plan)
        label = "SMS" if channel == "sms" else "voice call"
        if not result.ok:
            code = (
                "too_many_sms_per_tenant"
                if result.error_code == "too_many_sms_per_tenant"
                else f"error_sending_{channel}"
            )
            raise self._refusal(
                attempt,
                steps.RESULT,
                f"The {label} was not sent: {result.error_message or result.error_code}.",
                "too-many-sms-per-tenant"
                if code == "too_many_sms_per_tenant"
                else f"send-{channel}-failed",
                code=code,
                status=429 if code == "too_many_sms_per_tenant" else 502,
                event=None,  # the gd_send_*_failure event is the record
                message=result.error_message
                if code == "too_many_sms_per_tenant"
                else f"The {label} could not be sent: {result.error_message or result.error_code}.",
                data={
                    "provider_error": {
                        "errorCode": result.error_code,
                        "message": result.error_message,
                    }
                },
            )
        attempt.trail.allow(
            steps.RESULT,
            f"{label[0].upper() + label[1:]} handed to {PROVIDER_LABELS.get(result.provider, result.provider)}"
            f" ({result.status}).",
            message_id=plan.message.message_id,
            provider_id=result.provider_id,
            status=result.status,
        )
        return CodeSent(
            transaction_id=plan.transaction.id,
            action=ACTIONS[attempt.kind],
            user_id=plan.transaction.user_id,
            enrollment_id=plan.enrollment_id,
            channel=channel,
            recipient=phone.masked,
            region=phone.region,
            number_type=phone.number_type,
            expires_at=plan.transaction.expires_at,
            message_id=plan.message.message_id,
            provider=result.provider,
            provider_id=result.provider_id,
            locale=plan.message.locale,
            trail=tuple(attempt.trail),
            recovery_code=plan.recovery_code,
            simulated=attempt.simulated,
        )

    def _deliver_planned(self, plan: _Plan) -> DeliveryResult:
        def on_done(result: DeliveryResult) -> None:
            now = self.now()
            if result.ok:
                transactions_repo.opened(self.store, plan.transaction.id, now)
                return
            transactions_repo.set_state(self.store, plan.transaction.id, "failed", now)
            if plan.new_enrollment:  # nothing half-written: the enrollment never happened
                enrollments_repo.delete(self.store, plan.enrollment_id)
                self.store.execute(
                    "DELETE FROM recovery_codes WHERE enrollment_id = ?", (plan.enrollment_id,)
                )

        return self._deliver(plan.provider, plan.message, on_done=on_done, event=plan.event)

    def _reserve(
        self,
        attempt: Attempt,
        values: dict[str, Any],
        factor: FactorSettings,
        channel: str,
        phone: PhoneNumber,
        enrollment: EnrollmentRow | None,
        locale: str,
        language: str | None,
        user: Any,
    ) -> _Plan | PhoneMfaError:
        """Inside BEGIN IMMEDIATE: the rate decisions, then every write of the attempt."""
        trail, now, user_id = attempt.trail, self.now(), attempt.user_id
        rates = self._decide_rates(attempt, values, channel, now)
        if isinstance(rates, PhoneMfaError):
            return rates
        sent, ip_take = rates
        prepared = self._prepare_message(
            attempt, values, factor, channel, enrollment, locale, language
        )
        if isinstance(prepared, PhoneMfaError):
            return prepared
        secret, counter, code, rendered, provider = prepared
        digits, action = values["otp_length"], ACTIONS[attempt.kind]
        # Every check passed: write the attempt.
        self._bucket_write("user_messages", user_id, sent.state)
        if ip_take is not None:
            self._bucket_write("ip_enroll", attempt.ip, ip_take.state)
        if user is None:
            self.store.execute(
                "INSERT OR IGNORE INTO users(user_id, created_at) VALUES (?, ?)", (user_id, now)
            )
        recovery_code = None
        if enrollment is None:
            for stale in enrollments_repo.delete_pending_for_user(self.store, user_id):
                transactions_repo.supersede_live(self.store, stale, now)
            enrollment_id = enrollments_repo.new_device_id()
            enrollments_repo.insert(
                self.store,
                EnrollmentRow(
                    id=enrollment_id,
                    user_id=user_id,
                    phone_number=phone.e164,
                    region=phone.region,
                    number_type=phone.number_type,
                    channel=channel,
                    status=enrollments_repo.PENDING,
                    secret=self.box.encrypt(secret),
                    counter=counter + 1,
                    created_at=now,
                    enrolled_at=None,
                    last_auth=None,
                    simulated=attempt.simulated,
                ),
            )
            if not enrollments_repo.has_recovery(self.store, user_id):
                recovery_code = codes.new_recovery_code()
                enrollments_repo.insert_recovery(
                    self.store,
                    user_id=user_id,
                    enrollment_id=enrollment_id,
                    code_hash=codes.hash_recovery_code(self.box.hash_key, recovery_code),
                    state="pending",
                    now=now,
                )
        else:
            enrollment_id = enrollment.id
            enrollments_repo.bump_counter(self.store, enrollment_id)
            transactions_repo.supersede_live(self.store, enrollment_id, now)
        transaction_id = transactions_repo.new_id()
        message_id = messages_repo.insert_pending(
            self.store,
            now=now,
            transaction_id=transaction_id,
            channel=channel,
            action=action,
            recipient_masked=phone.masked,
            provider=provider.name,
            region=phone.region,
            user_id=user_id,
            segments=sms_cost(rendered.text).segments if channel == "sms" else None,
            simulated=attempt.simulated,
        )
        transaction = TransactionRow(
            id=transaction_id,
            kind=attempt.kind,
            user_id=user_id,
            enrollment_id=enrollment_id,
            channel=channel,
            counter=counter,
            digits=digits,
            expires_at=now + values["otp_expiration_time"],
            attempts=0,
            state=transactions_repo.SENDING,
            message_id=message_id,
            ip=attempt.ip,
            created_at=now,
            updated_at=now,
            simulated=attempt.simulated,
        )
        transactions_repo.insert(self.store, transaction)
        authenticator = {
            "id": f"{channel}|{enrollment_id}",
            "type": channel,
            "phone_number": phone.masked,
        }
        fields = attempt.fields()
        self.log_event(
            START_EVENTS[attempt.kind],
            details={"authenticator": authenticator, "action": action, "trail": trail.to_json()},
            simulated=attempt.simulated,
            **fields,
        )
        message = OutgoingMessage(
            message_id=message_id,
            channel=channel,  # type: ignore[arg-type]
            action=action,  # type: ignore[arg-type]
            to=phone.e164,
            text=rendered.text,
            code=code,
            locale=locale,
            voice_parts=rendered.voice_parts,
            context=self._action_context(attempt, user, locale, language, values),
        )
        return _Plan(
            provider=provider,
            message=message,
            transaction=transaction,
            enrollment_id=enrollment_id,
            new_enrollment=enrollment is None,
            recovery_code=recovery_code,
            event={
                "fields": {**fields, "simulated": attempt.simulated},
                "details": {
                    "authenticator": authenticator,
                    "action": action,
                    "trail": trail.to_json(),
                },
            },
        )

    def _action_context(
        self,
        attempt: Attempt,
        user: Any,
        locale: str,
        language: str | None,
        values: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "user": {
                "user_id": attempt.user_id,
                "email": getattr(user, "email", None),
                "name": getattr(user, "name", None),
                "phone_number": getattr(user, "phone_number", None),
                "app_metadata": getattr(user, "app_metadata", {}) or {},
                "user_metadata": getattr(user, "user_metadata", {}) or {},
            },
            "request": {
                "ip": attempt.ip,
                "language": locale,
                "user_agent": attempt.user_agent,
                "geoip": {},
                "raw_language": language,
            },
            "tenant": {"id": "phonemfa", "friendly_name": values["friendly_name"]},
            "client": {"client_id": "", "name": "", "metadata": {}},
        }
