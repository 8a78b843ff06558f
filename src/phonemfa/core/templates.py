"""Message templates (Liquid): rendering for SMS and voice.

One template per action serves both channels; authors branch on `message_type`. For voice the code
is spoken digit by digit (`1.2.3.4.5.6`) and `{{pause}}` becomes a pause; for SMS it renders to
nothing. Undefined variables are errors, so a typo is caught when a template is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from liquid import BoundTemplate, Environment, StrictUndefined

from phonemfa.delivery.base import VoicePart

DEFAULT_ENROLLMENT = (
    "{{code}} is your verification code for {{tenant.friendly_name}}. "
    "Please enter this code to verify your enrollment."
)
DEFAULT_VERIFICATION = "{{code}} is your verification code for {{tenant.friendly_name}}"
TEMPLATE_KEYS = {
    "enrollment": "enrollment_message",
    "second-factor-authentication": "verification_message",
}
ACTIONS = tuple(TEMPLATE_KEYS)
# The short names operators type (CLI, console) for the two actions.
ACTION_NAMES = {"enrollment": "enrollment", "verification": "second-factor-authentication"}
CHANNELS = ("sms", "voice")

# A marker no author would type: split voice text on it to place pauses.
_PAUSE = "\u2063PAUSE\u2063"


class MessageEnvironment(Environment):
    """Liquid with bounds: a template is operator input (also over the API), so a loop or an
    ever-growing string cannot hold a worker or fill memory while a user waits for a code."""

    loop_iteration_limit = 10_000
    output_stream_limit = 100_000  # characters; far above any SMS or voice script
    local_namespace_limit = 100_000  # bytes of {% assign %}/{% capture %} values
    block_nesting_limit = 40


_env = MessageEnvironment(undefined=StrictUndefined)


def environment() -> Environment:
    return _env


@lru_cache(maxsize=64)
def compile_template(source: str) -> BoundTemplate:
    """Parse once per distinct source: sends reuse the parsed template."""
    return _env.from_string(source)


@dataclass(frozen=True)
class Rendered:
    channel: str
    text: str  # SMS body, or the voice script with pauses as "…"
    voice_parts: tuple[VoicePart, ...] = ()


def voice_code(code: str) -> str:
    return ".".join(code)


def resolve_locale(
    requested: str | None,
    supported: list[str] | tuple[str, ...],
    *,
    user_locale: str | None = None,
) -> str:
    """The flow's language: the requested one (`x-request-language`, or an Accept-Language list)
    if supported (full tag, then base language), else the user's stored locale if supported, else
    the first supported locale."""
    fallback = supported[0] if supported else "en"
    for wanted in (requested, user_locale):
        found = _match_locale(wanted, supported)
        if found:
            return found
    return fallback


def _match_locale(requested: str | None, supported: list[str] | tuple[str, ...]) -> str | None:
    if not requested:
        return None
    for candidate in (part.split(";")[0].strip() for part in requested.split(",")):
        lowered = candidate.lower().replace("_", "-")
        if not lowered:
            continue
        for locale in supported:
            if locale.lower() == lowered:
                return locale
        base = lowered.split("-")[0]
        for locale in supported:
            if locale.lower().split("-")[0] == base:
                return locale
    return None


def context_for(
    *, channel: str, code: str, locale: str, friendly_name: str, request_lang: str | None = None
) -> dict[str, Any]:
    return {
        "message_type": channel,
        "code": voice_code(code) if channel == "voice" else code,
        "locale": locale,
        "requestInfo": {"lang": request_lang or locale},
        "tenant": {"friendly_name": friendly_name, "friendlyName": friendly_name},
        "pause": _PAUSE if channel == "voice" else "",
    }


def render(
    source: str,
    *,
    channel: str,
    code: str,
    locale: str,
    friendly_name: str,
    request_lang: str | None = None,
) -> Rendered:
    """Render a template; raises liquid's errors for templates that cannot render."""
    raw = compile_template(source).render(
        **context_for(
            channel=channel,
            code=code,
            locale=locale,
            friendly_name=friendly_name,
            request_lang=request_lang,
        )
    )
    text = " ".join(raw.split())  # templates are laid out over lines; messages are not
    if channel != "voice":
        return Rendered(channel, text)
    parts: list[VoicePart] = []
    for index, chunk in enumerate(text.split(_PAUSE)):
        if index:
            parts.append(VoicePart("pause", seconds=1))
        if chunk.strip():
            parts.append(VoicePart("say", chunk.strip()))
    return Rendered(channel, text.replace(_PAUSE, "…").strip(), tuple(parts))
