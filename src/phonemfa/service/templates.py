"""Message templates use cases: read, save (every check runs), reset, preview, render a send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from phonemfa.core import template_rules, templates
from phonemfa.core.template_rules import Preview
from phonemfa.core.templates import Rendered
from phonemfa.errors import ValidationError
from phonemfa.service.base import ServiceBase

TEMPLATE_SETTING_KEYS = ("enrollment_message", "verification_message")


@dataclass(frozen=True)
class MessageTemplates:
    """The Management API's templates object."""

    enrollment_message: str
    verification_message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "enrollment_message": self.enrollment_message,
            "verification_message": self.verification_message,
        }


def action_for(name: str) -> str:
    """`enrollment` | `verification` (or the wire name `second-factor-authentication`)."""
    if name in templates.TEMPLATE_KEYS:
        return name
    if name in templates.ACTION_NAMES:
        return templates.ACTION_NAMES[name]
    raise ValidationError("action must be enrollment or verification.", field="action")


def check_channel(channel: str) -> str:
    if channel not in templates.CHANNELS:
        raise ValidationError("channel must be sms or voice.", field="channel")
    return channel


def check_code(code: str) -> str:
    if not code.isascii() or not code.isdigit() or not 4 <= len(code) <= 10:
        raise ValidationError("code must be 4 to 10 digits.", field="code")
    return code


class TemplatesMixin(ServiceBase):
    # Provided by SettingsMixin in the PhoneMfa facade.
    settings_values: Callable[[], dict[str, Any]]
    update_settings: Callable[..., dict[str, Any]]

    def message_templates(self) -> MessageTemplates:
        values = self.settings_values()
        return MessageTemplates(values["enrollment_message"], values["verification_message"])

    def supported_locales(self) -> list[str]:
        return list(self.settings_values()["locales"])

    def save_templates(
        self,
        *,
        actor: str,
        enrollment_message: str | None = None,
        verification_message: str | None = None,
        locales: list[str] | None = None,
    ) -> MessageTemplates:
        """Check and store the given templates (and locales) together: all or nothing.

        Raises TemplateError (`Invalid <key> template: line N: ...`) for a template that would
        fail for any channel or supported locale; writes `gd_tenant_update` when something changed.
        """
        changes: dict[str, Any] = {}
        if enrollment_message is not None:
            changes["enrollment_message"] = enrollment_message
        if verification_message is not None:
            changes["verification_message"] = verification_message
        if locales is not None:
            changes["locales"] = locales
        if not changes:
            raise ValidationError("Nothing to save: give a template or the locales.")
        self.update_settings(changes, actor=actor)
        return self.message_templates()

    def reset_templates(self, *, actor: str) -> MessageTemplates:
        return self.save_templates(
            actor=actor,
            enrollment_message=templates.DEFAULT_ENROLLMENT,
            verification_message=templates.DEFAULT_VERIFICATION,
        )

    def message_locale(
        self, request_language: str | None = None, user_locale: str | None = None
    ) -> str:
        """The locale of a real send: the request's language, else the user's stored locale,
        limited to the supported list, falling back to its first entry."""
        return templates.resolve_locale(
            request_language, self.supported_locales(), user_locale=user_locale
        )

    def preview_message(
        self,
        action: str,
        channel: str,
        *,
        locale: str | None = None,
        code: str | None = None,
        source: str | None = None,
        request_lang: str | None = None,
    ) -> Preview:
        """What a user would receive, from the saved template or an unsaved `source`.

        `locale` is resolved like a real send (an unsupported one falls back: compare
        `preview.locale`). Raises TemplateError when the template cannot produce a message.
        """
        key = templates.TEMPLATE_KEYS[action_for(action)]
        values = self.settings_values()
        result = template_rules.preview(
            key,
            values[key] if source is None else source,
            channel=check_channel(channel),
            locale=templates.resolve_locale(locale, values["locales"]),
            friendly_name=values["friendly_name"],
            code=check_code(code) if code else template_rules.sample_code(values["otp_length"]),
            request_lang=request_lang,
        )
        if result.error is not None:
            raise result.error
        return result

    def render_message(
        self,
        action: str,
        channel: str,
        code: str,
        *,
        request_language: str | None = None,
        user_locale: str | None = None,
    ) -> Rendered:
        """Render the saved template for a real send (the locale chosen as `message_locale`)."""
        values = self.settings_values()
        key = templates.TEMPLATE_KEYS[action_for(action)]
        return templates.render(
            values[key],
            channel=check_channel(channel),
            code=code,
            locale=templates.resolve_locale(
                request_language, values["locales"], user_locale=user_locale
            ),
            friendly_name=values["friendly_name"],
            request_lang=request_language,
        )
