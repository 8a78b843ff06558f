"""Twilio provider: SMS through Messages, voice through Calls with TwiML, via the twilio SDK only.

Each send builds its own SDK client (so threads never share a requests session) with 5 s connect
and read timeouts. A 429 (20429) or a 5xx is retried once after a short backoff; a 4xx never, and
neither is a read timeout, since Twilio may have accepted the message before the answer was lost:
nothing is ever sent twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from phonemfa.core.masking import mask_phone
from phonemfa.core.templates import voice_code
from phonemfa.core.twilio import redact_numbers, say_language, spoken_code
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage, VoicePart

DEFAULT_TIMEOUT = 5.0  # seconds, for connecting and for each read
RETRY_BACKOFF = 0.5  # seconds before the single retry
TWILIO_API = "https://api.twilio.com"
T = TypeVar("T")


@dataclass(frozen=True)
class TwilioAccount:
    """Everything the provider needs, secrets in clear (in memory only, never logged)."""

    account_sid: str | None
    auth_token: str | None = None
    api_key_sid: str | None = None
    api_key_secret: str | None = None
    from_: str | None = None
    messaging_service_sid: str | None = None
    sms_source: str = "from"
    status_callback: str | None = None
    base_url: str | None = None  # None: Twilio's own host
    unusable: str | None = None  # why the stored configuration cannot be used (plain words)

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"TwilioAccount(account_sid={self.account_sid!r}, base_url={self.base_url!r})"


class _RecordingHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, keeping Twilio's last answer verbatim for the simulator and log."""

    last_body: str | None = None

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self.last_body = None
        response = super().request(*args, **kwargs)
        self.last_body = response.text
        return response


class _NotSent(Exception):
    """A send refused before any request (missing configuration)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, TwilioRestException):
        return exc.status == 429 or exc.code == 20429 or exc.status >= 500
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        # Only a connection that never opened is safe to retry; an aborted one may have been sent.
        reason = getattr(exc.args[0], "reason", None)
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


class _Form(dict):
    """Form fields with every value, the shape RequestValidator reads through `getall`."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def signature_is_valid(
    auth_token: str, url: str, form: dict[str, list[str]], signature: str | None
) -> bool:
    """Whether X-Twilio-Signature proves Twilio (holding our auth token) posted `form` to `url`."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, _Form(form), signature))


def build_twiml(message: OutgoingMessage) -> str:
    """`<Say>` in the locale's language, the code digit by digit, the template's pauses, twice."""
    language = say_language(message.locale)
    parts = message.voice_parts or (VoicePart("say", message.text),)
    response = VoiceResponse()
    for round_ in range(2):
        if round_:
            response.pause(length=1)
        for part in parts:
            if part.kind == "pause":
                response.pause(length=max(1, int(part.seconds)))
            elif part.text.strip():
                response.say(_speakable(part.text, message.code), language=language)
    return str(response)


def _speakable(text: str, code: str) -> str:
    if not code:
        return text
    dotted = voice_code(code)
    if dotted in text:
        return text.replace(dotted, spoken_code(code))
    return re.sub(rf"(?<!\d){re.escape(code)}(?!\d)", spoken_code(code), text)


class TwilioProvider:
    name = "twilio"

    def __init__(
        self,
        account: TwilioAccount,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: float = RETRY_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.timeout = timeout
        self.backoff = backoff
        self._sleep = sleep

    # -- the SDK client ---------------------------------------------------------------------------
    def build_client(self) -> tuple[Client, _RecordingHttpClient]:
        account = self.account
        http = _RecordingHttpClient(timeout=self.timeout)
        if account.base_url and _is_loopback(account.base_url):
            http.session.trust_env = False  # a proxy must never capture loopback traffic
        # TWILIO_EDGE/REGION rewrite the host: ignored when the base URL is overridden. The SDK
        # reads os.environ for a falsy mapping, so this one is never empty.
        edge = "" if account.base_url else os.environ.get("TWILIO_EDGE", "")
        region = "" if account.base_url else os.environ.get("TWILIO_REGION", "")
        environment = {"TWILIO_EDGE": edge, "TWILIO_REGION": region}
        if account.api_key_sid:
            username, password = account.api_key_sid, account.api_key_secret
        else:
            username, password = account.account_sid, account.auth_token
        client = Client(
            username,
            password,
            account_sid=account.account_sid,
            http_client=http,
            environment=environment,
        )
        if account.base_url:
            client.api.base_url = account.base_url.rstrip("/")
        return client, http

    @property
    def api_base(self) -> str:
        return (self.account.base_url or TWILIO_API).rstrip("/")

    # -- sending ----------------------------------------------------------------------------------
    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Deliver through Twilio; every failure comes back as ok=False with Twilio's code."""
        request: dict[str, Any] = {}
        http: _RecordingHttpClient | None = None
        attempts = 0
        try:
            params, resource = self._params(message)
            request = {
                "method": "POST",
                "url": f"{self.api_base}/2010-04-01/Accounts/{self.account.account_sid}/"
                f"{resource}.json",
                **{k: (mask_phone(v) if k == "To" else v) for k, v in params.items()},
            }
            client, http = self.build_client()

            def create() -> Any:
                nonlocal attempts
                attempts += 1
                if resource == "Calls":
                    return client.calls.create(**_sdk_kwargs(params))
                return client.messages.create(**_sdk_kwargs(params))

            instance = self._with_one_retry(create)
        except _NotSent as exc:
            return self._failure(request, exc.code, exc.message)
        except TwilioRestException as exc:
            request["attempts"] = attempts
            code = str(exc.code) if exc.code else f"http_{exc.status}"
            body = _json_or_empty(http.last_body if http else None)
            message_text = str(body.get("message") or exc.msg or f"HTTP {exc.status}")
            message_text = redact_numbers(message_text)  # the log never holds a full number
            return self._failure(request, code, message_text, body or {"status": exc.status})
        except requests.exceptions.ConnectTimeout:
            request["attempts"] = attempts
            return self._failure(request, "unreachable", self._unreachable("connection timed out"))
        except requests.exceptions.Timeout:
            request["attempts"] = attempts
            return self._failure(
                request, "timeout", f"No answer from Twilio within {self.timeout:g} seconds."
            )
        except requests.exceptions.RequestException as exc:
            request["attempts"] = attempts
            return self._failure(request, "unreachable", self._unreachable(_why(exc)))
        except (TwilioException, ValueError, KeyError, TypeError) as exc:
            request["attempts"] = attempts
            return self._failure(request, "provider_error", _short(exc))
        except Exception as exc:  # the contract: a send fails, it never crashes its caller
            request["attempts"] = attempts
            return self._failure(request, "provider_error", f"{type(exc).__name__}: {_short(exc)}")
        request["attempts"] = attempts
        body = _json_or_empty(http.last_body) or {"sid": instance.sid, "status": instance.status}
        return DeliveryResult(
            ok=True,
            provider=self.name,
            provider_id=instance.sid,
            status=str(body.get("status") or instance.status or "queued"),
            request=request,
            response=body,
        )

    def _params(self, message: OutgoingMessage) -> tuple[dict[str, str], str]:
        account = self.account
        if account.unusable:
            raise _NotSent("not_configured", account.unusable)
        if not account.account_sid:
            raise _NotSent("not_configured", "Twilio is not configured: no Account SID.")
        if not (account.auth_token or (account.api_key_sid and account.api_key_secret)):
            raise _NotSent("not_configured", "Twilio is not configured: no auth token or API key.")
        params: dict[str, str] = {"To": message.to}
        if message.channel == "voice":
            if not account.from_:
                raise _NotSent("no_from", "Voice calls need a From number; none is configured.")
            params["From"] = account.from_
            params["Twiml"] = build_twiml(message)
            resource = "Calls"
        else:
            if account.sms_source == "messaging_service":
                if not account.messaging_service_sid:
                    raise _NotSent(
                        "not_configured", "SMS use a Messaging Service, but none is configured."
                    )
                params["MessagingServiceSid"] = account.messaging_service_sid
            elif account.from_:
                params["From"] = account.from_
            else:
                raise _NotSent("not_configured", "SMS need a From number; none is configured.")
            params["Body"] = message.text
            resource = "Messages"
        if account.status_callback:
            params["StatusCallback"] = account.status_callback
        return params, resource

    def _with_one_retry(self, create: Callable[[], T]) -> T:
        try:
            return create()
        except (TwilioRestException, requests.exceptions.RequestException) as exc:
            if not _retryable(exc):
                raise
        self._sleep(self.backoff)
        return create()

    def _failure(
        self,
        request: dict[str, Any],
        code: str,
        message: str,
        response: dict[str, Any] | None = None,
    ) -> DeliveryResult:
        """`response` is Twilio's error body; empty when Twilio never answered."""
        return DeliveryResult(
            ok=False,
            provider=self.name,
            status="failed",
            error_code=code,
            error_message=message,
            request=request,
            response=response or {},
        )

    def _unreachable(self, why: str) -> str:
        host = urlsplit(self.api_base).netloc
        return f"Cannot reach Twilio at {host}: {why}."


_SDK_NAMES = {
    "To": "to",
    "From": "from_",
    "Body": "body",
    "MessagingServiceSid": "messaging_service_sid",
    "StatusCallback": "status_callback",
    "Twiml": "twiml",
}


def _sdk_kwargs(params: dict[str, str]) -> dict[str, str]:
    return {_SDK_NAMES[key]: value for key, value in params.items()}


def _json_or_empty(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    with contextlib.suppress(ValueError):
        value = json.loads(text)
        if isinstance(value, dict):
            return value
    return {}


def _why(exc: BaseException) -> str:
    """The root cause of a requests error in a few words (its str() is a paragraph)."""
    text = repr(exc).lower()
    for needle, words in (
        ("refused", "connection refused"),
        ("nameresolution", "the host name does not resolve"),
        ("name or service", "the host name does not resolve"),
        ("ssl", "TLS handshake failed"),
        ("remotedisconnected", "the server closed the connection without answering"),
        ("aborted", "the connection was aborted"),
        ("reset", "the connection was reset"),
    ):
        if needle in text:
            return words
    return type(exc).__name__


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
