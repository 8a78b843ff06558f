"""Twilio use cases: the credentials (secrets encrypted), the provider the engine sends through,
test sends from the console and the CLI, and Twilio's status callbacks."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from phonemfa.core import twilio as tw
from phonemfa.core.masking import is_masked, mask_phone, mask_secret
from phonemfa.core.templates import DEFAULT_VERIFICATION, render
from phonemfa.delivery import twilio as twilio_delivery
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.delivery.twilio import TwilioAccount, TwilioProvider, signature_is_valid
from phonemfa.errors import ForbiddenError, PhoneMfaError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.store import messages_repo, secrets_repo, settings_repo

AUTH_TOKEN = "twilio_auth_token"  # names in the secrets table
API_KEY_SECRET = "twilio_api_key_secret"

# Field (API and CLI name) -> settings key, and the check of its format.
FIELDS: dict[str, tuple[str, Any]] = {
    "sid": ("twilio_sid", tw.check_account_sid),
    "from": ("twilio_from", tw.check_from),
    "messaging_service_sid": ("twilio_messaging_service_sid", tw.check_service_sid),
    "sms_source": ("twilio_sms_source", tw.check_sms_source),
    "api_key_sid": ("twilio_api_key_sid", tw.check_api_key_sid),
    "callback_url": ("twilio_callback_url", tw.check_url),
    "base_url": ("twilio_base_url", tw.check_url),
}
SECRET_FIELDS = {"auth_token": AUTH_TOKEN, "api_key_secret": API_KEY_SECRET}
TEST_ACTION = "test"  # the outbox's action for operator test sends


@dataclass(frozen=True)
class TwilioTestSend:
    """A test message's outcome as the console and `phonemfa twilio test` show it."""

    __test__ = False  # not a pytest test class

    ok: bool
    channel: str
    to: str  # masked
    message_id: str
    sid: str | None
    status: str
    error_code: str | None = None
    error_message: str | None = None
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def meaning(self) -> str:
        return tw.explain(self.error_code)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "channel": self.channel,
            "to": self.to,
            "message_id": self.message_id,
            "sid": self.sid,
            "status": self.status,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "meaning": self.meaning or None,
            "twilio": self.response,
        }


@dataclass(frozen=True)
class StatusUpdate:
    """What a status callback changed."""

    sid: str
    status: str
    known: bool  # the SID belongs to one of our sends
    updated: bool  # the outbox row moved forward
    failure_logged: bool = False


class TwilioMixin(ServiceBase):
    # -- configuration ------------------------------------------------------------------------------
    def twilio_config(self) -> tw.TwilioConfig:
        values = settings_repo.read_all(self.store)
        return tw.TwilioConfig(
            sid=values["twilio_sid"],
            from_=values["twilio_from"],
            messaging_service_sid=values["twilio_messaging_service_sid"],
            sms_source=values["twilio_sms_source"],
            api_key_sid=values["twilio_api_key_sid"],
            callback_url=values["twilio_callback_url"],
            base_url=values["twilio_base_url"],
            auth_token_hint=secrets_repo.hint(self.store, AUTH_TOKEN),
            api_key_secret_hint=secrets_repo.hint(self.store, API_KEY_SECRET),
        )

    def twilio_voice_required(self) -> bool:
        """Whether voice calls go through Twilio: then a From number is mandatory."""
        factor = self.factor_settings()  # type: ignore[attr-defined]
        return "voice" in factor.message_types and factor.provider == "twilio"

    def twilio_missing(self) -> list[str]:
        """What the stored configuration still lacks for the enabled channels."""
        factor = self.factor_settings()  # type: ignore[attr-defined]
        return self.twilio_config().missing(
            sms_enabled="sms" in factor.message_types, voice_enabled=self.twilio_voice_required()
        )

    def save_twilio_config(self, changes: Mapping[str, Any], *, actor: str) -> tw.TwilioConfig:
        """Validate and store a change set of Twilio fields atomically.

        Keys: sid, from, messaging_service_sid, sms_source, api_key_sid, callback_url, base_url,
        auth_token, api_key_secret. A missing key keeps its value, None clears it, and a secret
        sent back as its mask (`••••••••1234`) keeps the stored secret. Nothing is written when
        anything is refused. One gd_tenant_update event, with masks instead of secrets.
        """
        unknown = sorted(set(changes) - set(FIELDS) - set(SECRET_FIELDS))
        if unknown:
            known = ", ".join([*FIELDS, *SECRET_FIELDS])
            raise ValidationError(
                f"Unknown Twilio field {', '.join(unknown)}. Known fields: {known}.",
                field=unknown[0],
            )
        clean: dict[str, Any] = {}
        for name, (key, check) in FIELDS.items():
            if name in changes:
                clean[key] = check(changes[name], name)
        new_secrets: dict[str, str | None] = {}
        for name, secret_name in SECRET_FIELDS.items():
            value = changes.get(name, ...)
            if value is ... or (isinstance(value, str) and is_masked(value)):
                continue  # absent or sent back masked: keep the stored secret
            new_secrets[secret_name] = None if value is None else tw.check_secret(value, name)
        if "twilio_api_key_sid" in clean and clean["twilio_api_key_sid"] is None:
            new_secrets.setdefault(API_KEY_SECRET, None)  # no key, no key secret
        with self.store.transaction():
            before = self.twilio_config()
            merged = _merge(before, clean, new_secrets)
            refused = merged.conflicts(voice_enabled=self.twilio_voice_required())
            if refused:
                name, reason = refused[0]
                raise ValidationError(reason, field=name)
            current = settings_repo.read_all(self.store)
            changed = {k: v for k, v in clean.items() if current.get(k) != v}
            secret_changes = self._write_secrets(new_secrets)
            if changed:
                settings_repo.write(self.store, changed, self.now())
            if changed or secret_changes:
                report = {
                    key: {"from": _shown(key, current.get(key)), "to": _shown(key, value)}
                    for key, value in changed.items()
                }
                report.update(secret_changes)
                names = ", ".join(sorted(report))
                self.log_event(
                    "gd_tenant_update",
                    description=f"Twilio settings updated: {names}",
                    details={"actor": actor, "changes": report},
                    user_name=actor,
                )
        return self.twilio_config()

    def _write_secrets(self, new_secrets: dict[str, str | None]) -> dict[str, dict[str, Any]]:
        report = {}
        for name, value in new_secrets.items():
            old_hint = secrets_repo.hint(self.store, name)
            if value is None:
                if old_hint is None:
                    continue
                secrets_repo.delete(self.store, name)
            else:
                if old_hint is not None and secrets_repo.get(self.store, self.box, name) == value:
                    continue
                secrets_repo.put(self.store, self.box, name, value, self.now())
            report[name] = {"from": old_hint, "to": mask_secret(value)}
        return report

    def twilio_base_url(self) -> str | None:
        """Where the SDK sends API calls: PHONEMFA_TWILIO_BASE_URL, the setting, or Twilio."""
        from_env = os.environ.get(tw.BASE_URL_ENV, "").strip()
        return from_env or settings_repo.read(self.store, "twilio_base_url")

    # -- the provider -------------------------------------------------------------------------------
    def twilio_provider(
        self, *, timeout: float | None = None, backoff: float | None = None
    ) -> TwilioProvider:
        """The Twilio provider built from the stored configuration (never raises: a configuration
        that cannot be used makes every send fail with `not_configured` and the reason)."""
        config = self.twilio_config()
        unusable = None
        try:
            token = secrets_repo.get(self.store, self.box, AUTH_TOKEN)
            key_secret = secrets_repo.get(self.store, self.box, API_KEY_SECRET)
        except PhoneMfaError as exc:  # the instance key changed: the secrets are unreadable
            token = key_secret = None
            unusable = exc.message
        account = TwilioAccount(
            account_sid=config.sid,
            auth_token=token,
            api_key_sid=config.api_key_sid,
            api_key_secret=key_secret,
            from_=config.from_,
            messaging_service_sid=config.messaging_service_sid,
            sms_source=config.sms_source,
            status_callback=config.callback_url,
            base_url=self.twilio_base_url(),
            unusable=unusable,
        )
        return TwilioProvider(
            account,
            timeout=twilio_delivery.DEFAULT_TIMEOUT if timeout is None else timeout,
            backoff=twilio_delivery.RETRY_BACKOFF if backoff is None else backoff,
        )

    def send_twilio_test(self, to: str, channel: str = "sms", *, actor: str) -> TwilioTestSend:
        """Send the verification message with a throwaway code, as a user would receive it.

        Writes an outbox row (action "test") and a gd_send_* event with details.test = true.
        """
        number = tw.parse_e164(to, "to")
        if channel not in ("sms", "voice"):
            raise ValidationError("channel must be sms or voice.", field="channel")
        message = self._test_message(number, channel)
        masked = mask_phone(number) or ""
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number))
        with self.store.transaction():
            message_id = messages_repo.insert_pending(
                self.store,
                now=self.now(),
                channel=channel,
                action=TEST_ACTION,
                recipient_masked=masked,
                provider="twilio",
                region=region,
            )
        message = OutgoingMessage(**{**message.__dict__, "message_id": message_id})
        result = self.twilio_provider().send(message)
        self._record_send(message_id, channel, masked, result, actor)
        return TwilioTestSend(
            ok=result.ok,
            channel=channel,
            to=masked,
            message_id=message_id,
            sid=result.provider_id,
            status=result.status,
            error_code=result.error_code,
            error_message=result.error_message,
            request=result.request,
            response=result.response,
        )

    def _test_message(self, number: str, channel: str) -> OutgoingMessage:
        values = settings_repo.read_all(self.store)
        code = "".join(secrets.choice("0123456789") for _ in range(values["otp_length"]))
        locale = (values.get("locales") or ["en"])[0]
        kwargs = dict(
            channel=channel, code=code, locale=locale, friendly_name=values["friendly_name"]
        )
        try:
            rendered = render(values["verification_message"], **kwargs)
        except Exception:  # a template the templates section would refuse: use the default
            rendered = render(DEFAULT_VERIFICATION, **kwargs)
        return OutgoingMessage(
            message_id="",
            channel=channel,  # type: ignore[arg-type]
            action="second-factor-authentication",
            to=number,
            text=rendered.text,
            code=code,
            locale=locale,
            voice_parts=rendered.voice_parts,
        )

    def _record_send(
        self, message_id: str, channel: str, masked: str, result: DeliveryResult, actor: str
    ) -> None:
        details: dict[str, Any] = {
            "test": True,
            "message_id": message_id,
            "provider": "twilio",
            "channel": channel,
            "phone_number": masked,
            "sid": result.provider_id,
            "status": result.status,
        }
        event = f"gd_send_{channel}"
        if not result.ok:
            event += "_failure"
            details["provider_error"] = {
                "errorCode": result.error_code,
                "message": result.error_message,
            }
            details["meaning"] = tw.explain(result.error_code)
        with self.store.transaction():
            messages_repo.complete(
                self.store,
                message_id,
                now=self.now(),
                ok=result.ok,
                status=result.status,
                provider_id=result.provider_id,
                error_code=result.error_code,
                error_message=result.error_message,
            )
            self.log_event(event, details=details, user_name=actor)

    # -- status callbacks ---------------------------------------------------------------------------
    def record_twilio_status(
        self, form: Mapping[str, list[str]], signature: str | None
    ) -> StatusUpdate:
        """Apply a status callback POSTed to /twilio/status, once its signature checks out
        against the configured public callback URL and the stored auth token."""
        url = settings_repo.read(self.store, "twilio_callback_url")
        try:
            token = secrets_repo.get(self.store, self.box, AUTH_TOKEN)
        except PhoneMfaError:
            token = None
        if not url or not token:
            raise ForbiddenError(
                "Status callbacks are refused: no callback URL or auth token is configured.",
                code="invalid_signature",
            )
        if not signature_is_valid(token, url, dict(form), signature):
            raise ForbiddenError(
                "Invalid X-Twilio-Signature: this request was not signed by Twilio for "
                "the configured callback URL.",
                code="invalid_signature",
            )

        def first(name: str) -> str:
            values = form.get(name) or [""]
            return values[0].strip()

        sid = first("MessageSid") or first("CallSid")
        status = first("MessageStatus") or first("CallStatus")
        if not sid or not status:
            raise ValidationError(
                "A status callback needs MessageSid and MessageStatus (or CallSid and CallStatus)."
            )
        error_code = first("ErrorCode") or None
        with self.store.transaction():
            row = messages_repo.by_provider_id(self.store, sid)
            if row is None:
                return StatusUpdate(sid, status, known=False, updated=False)
            if not tw.status_moves_forward(row.channel, row.status, status):
                return StatusUpdate(sid, status, known=True, updated=False)
            failed = tw.is_failure(row.channel, status)
            if failed and not error_code:
                error_code = status if row.channel == "voice" else "30008"
            meaning = tw.explain(error_code) if error_code else None
            messages_repo.update_status_by_provider_id(
                self.store,
                sid,
                now=self.now(),
                status=status,
                error_code=error_code,
                error_message=meaning,
                failed=failed,
            )
            if failed:
                self.log_event(
                    f"gd_send_{row.channel}_failure",
                    description=f"MFA {'voice call' if row.channel == 'voice' else 'SMS'} "
                    f"{status} after it was sent",
                    details={
                        "late": True,
                        "test": row.action == TEST_ACTION,
                        "message_id": row.id,
                        "provider": "twilio",
                        "channel": row.channel,
                        "phone_number": row.recipient_masked,
                        "sid": sid,
                        "status": status,
                        "provider_error": {"errorCode": error_code, "message": meaning},
                    },
                    user_id=row.user_id,
                    simulated=row.simulated,
                )
        return StatusUpdate(sid, status, known=True, updated=True, failure_logged=failed)


def _merge(
    before: tw.TwilioConfig, clean: dict[str, Any], new_secrets: dict[str, str | None]
) -> tw.TwilioConfig:
    def pick(key: str, current: Any) -> Any:
        return clean.get(key, current)

    def hint(name: str, current: str | None) -> str | None:
        return mask_secret(new_secrets[name]) if name in new_secrets else current

    return tw.TwilioConfig(
        sid=pick("twilio_sid", before.sid),
        from_=pick("twilio_from", before.from_),
        messaging_service_sid=pick("twilio_messaging_service_sid", before.messaging_service_sid),
        sms_source=pick("twilio_sms_source", before.sms_source),
        api_key_sid=pick("twilio_api_key_sid", before.api_key_sid),
        callback_url=pick("twilio_callback_url", before.callback_url),
        base_url=pick("twilio_base_url", before.base_url),
        auth_token_hint=hint(AUTH_TOKEN, before.auth_token_hint),
        api_key_secret_hint=hint(API_KEY_SECRET, before.api_key_secret_hint),
    )


def _shown(key: str, value: Any) -> Any:
    """Values as the log shows them: phone numbers masked."""
    return mask_phone(value) if key == "twilio_from" and isinstance(value, str) else value
