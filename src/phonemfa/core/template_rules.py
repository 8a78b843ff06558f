"""What a message template must pass before it is saved, and the preview built on the same steps.

A template is refused when it is saved, never discovered while a user waits for a code: it must
parse, use only the variables and filters that exist (checked on every branch, taken or not), render
for every channel and supported locale, put the code in the message, and stay within the sizes
Twilio accepts. Errors name the template and the line: `Invalid enrollment_message template: ...`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from liquid import BoundTemplate
from liquid.exceptions import (
    LiquidError,
    LiquidSyntaxError,
    ResourceLimitError,
    TemplateNotFoundError,
    UndefinedError,
)

from phonemfa.core import templates
from phonemfa.core.segments import SmsCost, sms_cost
from phonemfa.core.templates import Rendered
from phonemfa.errors import ValidationError

MAX_SOURCE_CHARS = 10_000
SMS_MAX_CHARS = 1600  # Twilio refuses longer bodies
VOICE_MAX_CHARS = 4000  # Twilio's limit on a TwiML document
ACTION_OF_KEY = {key: action for action, key in templates.TEMPLATE_KEYS.items()}

# The variables a template sees, as paths; string values also answer `.size`.
VARIABLES = (
    "message_type",
    "code",
    "locale",
    "requestInfo.lang",
    "tenant.friendly_name",
    "tenant.friendlyName",
    "pause",
)
_OBJECTS = {"requestInfo": ("lang",), "tenant": ("friendly_name", "friendlyName")}
_STRINGS = {"message_type", "code", "locale", "pause"}


class TemplateError(ValidationError):
    """A template that cannot be saved; `line` is 1-based when the problem has a place."""

    def __init__(self, key: str, detail: str, *, line: int | None = None) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(
            f"Invalid {key} template: {where}{detail.rstrip('.')}.",
            field=key,
            details={"template": key, "line": line, "detail": detail},
        )
        self.key = key
        self.line = line


def sample_code(length: int = 6) -> str:
    """The code previews and checks render with: `123456` for six digits."""
    return "".join(str((i + 1) % 10) for i in range(length))


def line_of(source: str, index: int) -> int:
    return source.count("\n", 0, max(0, min(index, len(source)))) + 1


def _suggest(name: str) -> str:
    """A likely fix for an unknown name, else the names that exist where it was looked up."""
    close = difflib.get_close_matches(name, VARIABLES, n=2, cutoff=0.75)
    if close:
        return f" (did you mean {' or '.join(close)}?)"
    root = name.split(".")[0]
    if root in _OBJECTS and "." in name:
        return f" ({root} has {' and '.join(_OBJECTS[root])})"
    if root in _STRINGS:
        return f" ({root} is a text; only {root}.size exists)"
    return f" (the variables are {', '.join(VARIABLES)})"


def _liquid_detail(exc: LiquidError, source: str) -> tuple[int | None, str]:
    """Liquid's short message and the line it points at (the last line for an unclosed block)."""
    message = (getattr(exc, "message", None) or str(exc).splitlines()[0]).strip()
    token = getattr(exc, "token", None)
    index = getattr(token, "start_index", -1) if token is not None else -1
    line: int | None = None
    if isinstance(index, int) and index >= 0:
        line = line_of(getattr(token, "source", None) or source, index)
    elif isinstance(exc, LiquidSyntaxError):
        line = source.count("\n") + 1
        message = f"{message} (the template ends before the block is closed)"
    if isinstance(exc, UndefinedError):
        match = re.match(r"'?([\w.]+)'? is undefined", message)
        if match:
            message += _suggest(match.group(1))
    elif isinstance(exc, TemplateNotFoundError):
        message = f"cannot include {message!r}: templates cannot load other templates"
    elif isinstance(exc, ResourceLimitError):
        message += " (loops and text are bounded in message templates)"
    return line, message


def parse(key: str, source: Any) -> BoundTemplate:
    """The template compiled, or a TemplateError saying what and where."""
    if not isinstance(source, str) or not source.strip():
        raise TemplateError(key, "it must be a non-empty text")
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateError(
            key, f"it is {len(source)} characters long; the limit is {MAX_SOURCE_CHARS}"
        )
    if "\x00" in source:
        raise TemplateError(key, "it contains a NUL character")
    try:
        compiled = templates.compile_template(source)
    except LiquidError as exc:
        line, detail = _liquid_detail(exc, source)
        raise TemplateError(key, detail, line=line) from exc
    except RecursionError as exc:
        raise TemplateError(key, "it is nested too deeply") from exc
    _check_names(key, source, compiled)
    return compiled


def _check_names(key: str, source: str, compiled: BoundTemplate) -> None:
    """Unknown variables and filters, on every branch: a typo inside `{% if locale == "de" %}`
    is caught even when no supported locale takes that branch."""
    try:
        analysis = compiled.analyze()
    except Exception:  # noqa: BLE001 - analysis is a bonus; rendering below still checks
        return
    for root, uses in analysis.globals.items():
        for variable in uses:
            problem = _unknown_path(root, variable.segments)
            if problem:
                raise TemplateError(key, problem, line=line_of(source, variable.span.index))
    known_filters = templates.environment().filters
    for name, spans in analysis.filters.items():
        if name not in known_filters:
            raise TemplateError(
                key, f"unknown filter '{name}'", line=line_of(source, spans[0].index)
            )


def _unknown_path(root: str, segments: list[Any]) -> str | None:
    if root in _OBJECTS:
        if len(segments) > 1 and isinstance(segments[1], str) and segments[1] not in _OBJECTS[root]:
            path = f"{root}.{segments[1]}"
            return f"{path} is undefined{_suggest(path)}"
        return None
    if root in _STRINGS:
        if len(segments) > 1 and isinstance(segments[1], str) and segments[1] != "size":
            path = f"{root}.{segments[1]}"
            return f"{path} is undefined{_suggest(path)}"
        return None
    return f"'{root}' is undefined{_suggest(root)}"


def render_checked(
    key: str,
    source: str,
    *,
    channel: str,
    locale: str,
    friendly_name: str,
    code: str,
    request_lang: str | None = None,
) -> Rendered:
    """Render, turning every failure into a TemplateError that says for which channel/locale."""
    try:
        return templates.render(
            source,
            channel=channel,
            code=code,
            locale=locale,
            friendly_name=friendly_name,
            request_lang=request_lang,
        )
    except LiquidError as exc:
        line, detail = _liquid_detail(exc, source)
    except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        line, detail = None, f"it cannot be rendered ({type(exc).__name__}: {exc})"
    raise TemplateError(key, f"{detail} (rendering {channel.upper()}, locale {locale})", line=line)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def check_message(key: str, rendered: Rendered, *, code: str, locale: str) -> None:
    """The code must reach the user, and the message must fit what the carrier takes."""
    where = f"for locale {locale}"
    if rendered.channel == "sms":
        if code not in rendered.text:
            raise TemplateError(key, f"the SMS {where} does not contain the code ({{{{code}}}})")
        if len(rendered.text) > SMS_MAX_CHARS:
            raise TemplateError(
                key,
                f"the SMS {where} is {len(rendered.text)} characters; the limit is {SMS_MAX_CHARS}",
            )
    else:
        # Spoken digits may be spaced or punctuated any way (1.2.3, "1, 2, 3"): all must be said.
        if code not in _digits(rendered.text):
            raise TemplateError(
                key, f"the voice message {where} does not say the code ({{{{code}}}})"
            )
        if len(rendered.text) > VOICE_MAX_CHARS:
            raise TemplateError(
                key,
                f"the voice message {where} is {len(rendered.text)} characters; "
                f"the limit is {VOICE_MAX_CHARS}",
            )


def check_template(
    key: str,
    source: Any,
    *,
    locales: Iterable[str],
    friendly_name: str,
    otp_length: int = 6,
) -> str:
    """Every check for one template; returns the source or raises TemplateError (the first
    problem found)."""
    parse(key, source)
    code = sample_code(otp_length)
    for locale in locales:
        for channel in templates.CHANNELS:
            rendered = render_checked(
                key, source, channel=channel, locale=locale, friendly_name=friendly_name, code=code
            )
            check_message(key, rendered, code=code, locale=locale)
    return source


def check_template_settings(values: Mapping[str, Any]) -> None:
    """Both templates against the settings they are rendered with (locales, tenant name, code
    length): run whenever any of those changes, so no door can save a combination that fails."""
    for key in ACTION_OF_KEY:
        check_template(
            key,
            values[key],
            locales=values["locales"],
            friendly_name=values["friendly_name"],
            otp_length=values["otp_length"],
        )


@dataclass(frozen=True)
class Preview:
    """What one user would receive: the message (or why it cannot be sent) and what it costs."""

    key: str
    channel: str
    locale: str
    code: str
    rendered: Rendered | None = None
    cost: SmsCost | None = None  # SMS only
    error: TemplateError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def preview(
    key: str,
    source: str,
    *,
    channel: str,
    locale: str,
    friendly_name: str,
    code: str,
    request_lang: str | None = None,
) -> Preview:
    """Render like a real send would, never raising: problems come back in `error`."""
    try:
        parse(key, source)
        rendered = render_checked(
            key,
            source,
            channel=channel,
            locale=locale,
            friendly_name=friendly_name,
            code=code,
            request_lang=request_lang,
        )
    except TemplateError as exc:
        return Preview(key, channel, locale, code, error=exc)
    cost = sms_cost(rendered.text) if channel == "sms" else None
    try:
        check_message(key, rendered, code=code, locale=locale)
    except TemplateError as exc:
        return Preview(key, channel, locale, code, rendered, cost, exc)
    return Preview(key, channel, locale, code, rendered, cost)
