"""A loopback HTTP server speaking the slice of Twilio's REST API that phonemfa uses.

The real ``twilio`` SDK talks to it (``FakeTwilio.client()`` builds one), so tests also cover the
SDK's URL building, form encoding and error parsing. Under ``/2010-04-01/Accounts/{AccountSid}/`` it
serves ``POST Messages.json`` and ``POST Calls.json`` (Twilio's validation, error codes and the test
credentials' magic numbers, here valid for every account) and ``GET Messages|Calls/{Sid}.json``.

Errors have Twilio's legacy body ``{"code", "message", "more_info", "status"}``: never RFC 9457's
``type``/``title``, which makes the SDK raise ``TwilioServiceException``, not TwilioRestException.
Faults (``fail_next``, ``hang``, ``down``) and signed status callbacks (``advance_status``,
``auto_callbacks``) reach the paths a real account rarely shows. Stdlib and twilio only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import re
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"

_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)(?:/(?P<sid>[^/]+))?\.json$"
)
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SMS_SENDER = re.compile(r"^(\+[1-9]\d{6,14}|\d{5,6}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$")
_MAGIC = re.compile(r"^\+1500555000\d$")  # the test credentials' +15005550000 … 09

# (HTTP status, message template) per Twilio error code; status 400 unless listed.
_ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20004: (405, "Method not allowed"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21201: (400, "No 'To' number is specified"),
    21205: (400, "Url parameter is required. Provide Url, Twiml or ApplicationSid."),
    21210: (400, "The source phone number provided, {from_}, is not yet verified for your "
                 "account."),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21212: (400, "The 'From' number {from_} is not a valid phone number, shortcode, or "
                 "alphanumeric sender ID."),
    21213: (400, "No 'From' number is specified"),
    21214: (400, "'To' phone number {to} cannot be reached"),
    21215: (400, "Account not authorized to call {to}. Perhaps you need to enable some "
                 "international permissions."),
    21216: (400, "Account not allowed to call {to}"),
    21217: (400, "Phone number {to} does not appear to be valid"),
    21408: (400, "Permission to send an SMS has not been enabled for the region indicated by the "
                 "'To' number: {to}."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."),
    21604: (400, "A 'To' phone number is required."),
    21606: (400, "The 'From' phone number provided is not a valid message-capable Twilio phone "
                 "number for this destination/account."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21611: (400, "This 'From' number has exceeded the maximum number of queued messages."),
    21612: (400, "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
                 "number: {from_} via SMS."),
    21614: (400, "'To' number {to} is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
    21705: (400, "The Messaging Service is invalid."),
    32018: (400, "Twiml size exceeded maximum allowed value of 4000 characters"),
}  # fmt: skip
# The test credentials' magic numbers (calls From: see _create_call).
# fmt: off
_SMS_FROM_MAGIC = {"+15005550001": 21212, "+15005550007": 21606, "+15005550008": 21611}
_SMS_TO_MAGIC = {"+15005550001": 21211, "+15005550002": 21612, "+15005550003": 21408,
                 "+15005550004": 21610, "+15005550009": 21614}
_CALL_TO_MAGIC = {"+15005550001": 21217, "+15005550002": 21214, "+15005550003": 21215,
                  "+15005550004": 21216}
# fmt: on

# Carrier failures arrive by status callback only; Twilio's short descriptions of the usual ones.
CARRIER_ERRORS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}
MESSAGE_STATUSES = frozenset(
    ["accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed"]
    + ["read", "canceled"]
)
CALL_STATUSES = frozenset(
    ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer"]
    + ["canceled"]
)
# For calls Twilio posts only `completed`, plus the StatusCallbackEvent values asked for.
_CALL_EVENT_OF_STATUS = {"ringing": "ringing", "in-progress": "answered", "completed": "completed"}

# GSM 03.38: one septet per basic character, two per extension-table character.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def num_segments(body: str) -> int:
    """SMS segments for ``body``: GSM-7 160 (153 per part), else UCS-2 70 (67 per part)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body):
        units, single, part = sum(2 if c in _GSM_EXTENDED else 1 for c in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's error body, the shape the SDK turns into ``TwilioRestException``."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


@dataclass(frozen=True)
class SignedCallback:
    """A webhook as Twilio sends it: form ``params`` POSTed to ``url`` with X-Twilio-Signature."""

    url: str
    params: dict[str, str]
    signature: str

    @property
    def body(self) -> bytes:
        return urlencode(self.params).encode()

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": self.signature,
        }

    def send(self, timeout: float = 5.0) -> int:
        """POST it, never through a proxy; return the HTTP status (connection errors raise)."""
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"not an HTTP URL: {self.url!r}")
        request = urllib.request.Request(self.url, self.body, self.headers, method="POST")  # noqa: S310
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def signed_callback(url: str, params: dict[str, str], auth_token: str) -> SignedCallback:
    """Sign ``params`` for ``url`` as Twilio does: HMAC-SHA1(token, URL + sorted key/values)."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    return SignedCallback(url, dict(params), signature)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: dict[str, list[str]]  # every value of every form field
    username: str | None  # Basic-auth username (Account SID or API key SID), right or wrong
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        """Form fields with their first value."""
        return {key: values[0] for key, values in self.form.items()}


@dataclass(frozen=True)
class CallbackRecord:
    url: str
    params: dict[str, str]
    signature: str
    status_code: int | None  # the receiver's answer; None when it could not be reached
    error: str | None = None


@dataclass
class _Resource:
    kind: str  # "message" or "call"
    json: dict[str, Any]
    callback_url: str | None
    signing_token: str  # the account's auth token: Twilio signs webhooks with it
    call_events: frozenset[str] = field(default_factory=frozenset)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class _ApiError(Exception):
    """An error answer; the message comes from ``_ERRORS`` unless given."""

    def __init__(
        self, code: int, status: int | None = None, message: str | None = None, **fmt: str
    ) -> None:
        default_status, template = _ERRORS.get(code, (400, "Error"))
        self.code, self.status = code, status or default_status
        self.message = message or template.format_map(_Blank(fmt))
        super().__init__(self.message)


def _now() -> str:
    return format_datetime(datetime.now(UTC))  # RFC 2822 with "+0000", as Twilio writes dates


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _basic_auth(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    username, colon, secret = decoded.partition(":")
    return username, (secret if colon else None)


class _Handler(BaseHTTPRequestHandler):
    server: _Listener

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # server_close() must not wait for handlers stuck in a hang

    def __init__(self, port: int, fake: FakeTwilio) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on a slow answer are expected here


class FakeTwilio:
    """Twilio's Messages and Calls resources on 127.0.0.1 (see the module docstring).

    ``accounts`` maps Account SIDs (``AC…``) to auth tokens and API key SIDs (``SK…``) to secrets;
    a key opens any configured account's path. Default: one account, ``DEFAULT_ACCOUNT_SID``.
    """

    def __init__(self, accounts: dict[str, str] | None = None, *, auto_callbacks: bool = False):
        self.accounts = dict(accounts) if accounts else {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN}
        first = next((sid for sid in self.accounts if sid.startswith("AC")), DEFAULT_ACCOUNT_SID)
        self.account_sid, self.auth_token = first, self.accounts.get(first, "")
        self.auto_callbacks = auto_callbacks  # walk new resources to a final status by callbacks
        self.auto_callback_delay = 0.02  # seconds between automatic status changes
        self.carrier_errors: dict[str, int] = {}  # To -> 300xx: its SMS end up "undelivered"
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set by stop(): hung handlers and callback walks quit
        self._listener: _Listener | None = None
        self._running, self._port = False, 0
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        if self._running:
            raise RuntimeError("FakeTwilio is already running")
        self._wake.clear()
        self._listen(0)
        self._running = True
        return self

    def stop(self) -> None:
        """Close the socket and abort hung requests and callback walks at once; idempotent."""
        self._running = False
        self._wake.set()
        self._close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self._port:
            raise RuntimeError("FakeTwilio was never started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def down(self) -> bool:
        """While True the listening socket is closed: connections are refused."""
        return self._running and self._listener is None

    @down.setter
    def down(self, value: bool) -> None:
        if not self._running:
            raise RuntimeError("FakeTwilio is not running")
        if value and self._listener is not None:
            self._close()
        elif not value and self._listener is None:
            self._listen(self._port)  # the same port, so base_url stays valid

    def _listen(self, port: int) -> None:
        self._listener = listener = _Listener(port, self)
        self._port = listener.server_address[1]
        name = f"fake-twilio:{self._port}"
        thread = threading.Thread(target=listener.serve_forever, args=(0.05,), name=name)
        thread.daemon = True
        thread.start()

    def _close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown()
            listener.server_close()

    def client(
        self, account_sid: str | None = None, auth_token: str | None = None, *, timeout: float = 5
    ) -> Client:
        """A real SDK client aimed at this server, immune to TWILIO_EDGE/REGION and HTTP_PROXY."""
        http_client = TwilioHttpClient(timeout=timeout)
        http_client.session.trust_env = False  # no proxy may capture loopback traffic
        # The SDK does `environment or os.environ`: an empty dict would still read os.environ.
        environment = {"TWILIO_EDGE": "", "TWILIO_REGION": ""}
        username = account_sid or self.account_sid
        password = auth_token if auth_token is not None else self.accounts.get(username, "")
        client = Client(username, password, http_client=http_client, environment=environment)
        client.api.base_url = self.base_url
        return client

    # -- recorded state ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget requests, resources, callbacks and pending faults; accounts stay."""
        with self._lock:
            self._requests: list[RecordedRequest] = []
            self._resources: dict[str, _Resource] = {}
            self._callbacks: list[CallbackRecord] = []
            self._faults: list[_ApiError] = []
            self._hang: tuple[float, int | None, bool] | None = None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Created messages as their current JSON, oldest first."""
        return self._jsons("message")

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self._jsons("call")

    @property
    def callbacks(self) -> list[CallbackRecord]:
        """Status callbacks delivered or attempted, oldest first."""
        with self._lock:
            return list(self._callbacks)

    def _jsons(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r.json) for r in self._resources.values() if r.kind == kind]

    # -- faults -----------------------------------------------------------------------------------
    def fail_next(
        self, status: int, code: int | None = None, times: int = 1, message: str | None = None
    ) -> None:
        """Answer the next ``times`` requests with this error, before auth (like a rate limiter).

        ``code`` defaults to 20003 for 401, else 20000 + status (20429, 20500, 20503).
        """
        code = code if code is not None else (20003 if status == 401 else 20000 + status)
        with self._lock:
            self._faults.extend(_ApiError(code, status, message) for _ in range(times))

    def hang(
        self, seconds: float, *, times: int | None = None, process_first: bool = False
    ) -> None:
        """Delay answers by ``seconds``, for ``times`` requests or until ``hang(0)``.

        ``process_first`` applies the request (creates the message) before the delay: the case of
        a client timing out although Twilio accepted the send. ``stop()`` cuts hangs short.
        """
        with self._lock:
            self._hang = (seconds, times, process_first) if seconds > 0 else None

    def _take_faults(self) -> tuple[_ApiError | None, float, bool]:
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
            if self._hang is None:
                return fault, 0.0, False
            seconds, times, process_first = self._hang
            if times is not None:
                self._hang = (seconds, times - 1, process_first) if times > 1 else None
            return fault, seconds, process_first

    # -- HTTP -------------------------------------------------------------------------------------
    def _serve(self, handler: _Handler) -> None:
        path = urlsplit(handler.path).path
        length = int(handler.headers.get("Content-Length") or 0)
        form = parse_qs(handler.rfile.read(length).decode("utf-8", "replace"), True)
        username, secret = _basic_auth(handler.headers.get("Authorization"))
        record = RecordedRequest(handler.command, path, form, username, dict(handler.headers))
        with self._lock:
            self._requests.append(record)
        fault, delay, process_first = self._take_faults()
        # A hang cut short by stop() drops the connection unanswered, like a dying server.
        if delay and not process_first and self._wake.wait(delay):
            return
        after: Callable[[], None] | None = None
        try:
            if fault:
                raise fault
            status, payload, after = self._route(handler.command, path, form, username, secret)
        except _ApiError as error:
            status, payload = error.status, error_body(error.status, error.code, error.message)
        except Exception as error:  # a bug here must look like Twilio's 500, not a reset socket
            status, payload = 500, error_body(500, 20500, f"Internal Server Error: {error!r}")
        if delay and process_first and self._wake.wait(delay):
            return
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Twilio-Request-Id", _sid("RQ"))
            if status == 401:
                handler.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            return  # the client gave up (timed out) before the answer
        if after is not None:
            after()

    def _route(
        self,
        method: str,
        path: str,
        form: dict[str, list[str]],
        username: str | None,
        secret: str | None,
    ) -> tuple[int, dict[str, Any], Callable[[], None] | None]:
        token = self.accounts.get(username or "")
        if token is None or secret is None or not hmac.compare_digest(token, secret):
            raise _ApiError(20003)
        match = _PATH.match(path)
        account = match["account"] if match else ""
        # An account's token opens only its own path; an API key opens any configured account.
        allowed = [sid for sid in self.accounts if sid.startswith("AC")] or [account]
        if username and username.startswith("AC"):
            allowed = [username]
        if not match or not _ACCOUNT_SID.match(account) or account not in allowed:
            raise _ApiError(20404, path=path)
        kind = "message" if match["kind"] == "Messages" else "call"
        if match["sid"] is not None:
            if method != "GET":
                raise _ApiError(20004)
            with self._lock:
                found = self._resources.get(match["sid"])
                if not found or found.kind != kind or found.json["account_sid"] != account:
                    raise _ApiError(20404, path=path)
                return 200, dict(found.json), None
        if method != "POST":
            raise _ApiError(20004)
        params = {key: values[0] for key, values in form.items()}
        create = self._create_message if kind == "message" else self._create_call
        resource = create(account, params, form)
        resource.signing_token = self.accounts.get(account, token)
        with self._lock:
            self._resources[resource.json["sid"]] = resource
        after = None
        if self.auto_callbacks and resource.callback_url:
            sid = resource.json["sid"]
            walk = threading.Thread(target=self._auto_advance, args=(sid,), daemon=True)
            after = walk.start  # runs once the 201 is on the wire
        return 201, dict(resource.json), after

    # -- resources --------------------------------------------------------------------------------
    def _create_message(self, account: str, p: dict[str, str], form: Any) -> _Resource:
        to, from_, body = p.get("To", ""), p.get("From", ""), p.get("Body", "")
        service = p.get("MessagingServiceSid", "")
        if not to:
            raise _ApiError(21604)
        if not from_ and not service:
            raise _ApiError(21603)
        if not body:
            raise _ApiError(21602)
        if len(body) > 1600:
            raise _ApiError(21617)
        if service and not _SERVICE_SID.match(service):
            raise _ApiError(21705)
        if from_ and not _SMS_SENDER.match(from_):
            raise _ApiError(21212, from_=from_)
        if from_ in _SMS_FROM_MAGIC:
            raise _ApiError(_SMS_FROM_MAGIC[from_], from_=from_)
        if to in _SMS_TO_MAGIC or not _E164.match(to):
            raise _ApiError(_SMS_TO_MAGIC.get(to, 21211), to=to, from_=from_)
        sid = _sid("SM")
        uri = f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json"
        # fmt: off
        message = {
            "sid": sid, "account_sid": account, "api_version": API_VERSION, "uri": uri,
            "status": "accepted" if service else "queued", "direction": "outbound-api",
            "from": from_ or None, "to": to, "messaging_service_sid": service or None,
            "body": body, "num_segments": str(num_segments(body)), "num_media": "0",
            "error_code": None, "error_message": None, "price": None, "price_unit": "USD",
            "date_created": _now(), "date_updated": _now(), "date_sent": None,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }
        # fmt: on
        return _Resource("message", message, p.get("StatusCallback"), "")

    def _create_call(self, account: str, p: dict[str, str], form: Any) -> _Resource:
        to, from_, twiml = p.get("To", ""), p.get("From", ""), p.get("Twiml", "")
        if not to:
            raise _ApiError(21201)
        if not from_:
            raise _ApiError(21213)
        if not (twiml or p.get("Url") or p.get("ApplicationSid")):
            raise _ApiError(21205)
        if len(twiml) > 4000:
            raise _ApiError(32018)
        if from_ == "+15005550001" or not _E164.match(from_):
            raise _ApiError(21212, from_=from_)
        if _MAGIC.match(from_) and from_ != "+15005550006":
            raise _ApiError(21210, from_=from_)
        if to in _CALL_TO_MAGIC or not (_E164.match(to) or to.startswith(("client:", "sip:"))):
            raise _ApiError(_CALL_TO_MAGIC.get(to, 21217), to=to)
        sid = _sid("CA")
        uri = f"/{API_VERSION}/Accounts/{account}/Calls/{sid}.json"
        # fmt: off
        call = {
            "sid": sid, "account_sid": account, "api_version": API_VERSION, "uri": uri,
            "status": "queued", "direction": "outbound-api", "from": from_, "to": to,
            "from_formatted": from_, "to_formatted": to, "answered_by": None, "annotation": None,
            "caller_name": None, "duration": None, "start_time": None, "end_time": None,
            "forwarded_from": None, "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": None, "trunk_sid": None, "queue_time": "0", "price": None,
            "price_unit": "USD", "date_created": _now(), "date_updated": _now(),
            "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
        }
        # fmt: on
        events = frozenset(" ".join(form.get("StatusCallbackEvent", [])).split())
        return _Resource("call", call, p.get("StatusCallback"), "", events)

    # -- status changes and callbacks -------------------------------------------------------------
    def advance_status(
        self, sid: str, status: str, error_code: int | None = None
    ) -> CallbackRecord | None:
        """Move a message or call to ``status``; if it has a StatusCallback, POST it signed, now.

        Failed/undelivered messages carry ``error_code`` (default 30008, "Unknown error"). Every
        call status is posted here, whatever StatusCallbackEvent asked for. Returns the delivery
        record, None without a StatusCallback. Unknown ``sid``: KeyError; bad status: ValueError.
        """
        return self._advance(sid, status, error_code, post=True)

    def _advance(
        self, sid: str, status: str, error_code: int | None, post: bool
    ) -> CallbackRecord | None:
        with self._lock:
            resource = self._resources[sid]
            if status not in (MESSAGE_STATUSES if resource.kind == "message" else CALL_STATUSES):
                raise ValueError(f"unknown {resource.kind} status {status!r}")
            resource.json.update(status=status, date_updated=_now())
            if resource.kind == "message":
                if status in ("failed", "undelivered"):
                    error_code = error_code or 30008
                message = CARRIER_ERRORS.get(error_code or 0)
                resource.json.update(error_code=error_code, error_message=message)
            url, snapshot = resource.callback_url, dict(resource.json)
        if url is None or not post:
            return None
        r = snapshot
        if resource.kind == "message":
            params = {"MessageSid": r["sid"], "SmsSid": r["sid"]}
            params.update(MessageStatus=status, SmsStatus=status)
            if r["messaging_service_sid"]:
                params["MessagingServiceSid"] = r["messaging_service_sid"]
        else:
            params = {"CallSid": r["sid"], "CallStatus": status, "Direction": r["direction"]}
        params.update(AccountSid=r["account_sid"], To=r["to"], ApiVersion=API_VERSION)
        if r["from"]:
            params["From"] = r["from"]
        if error_code:
            params["ErrorCode"] = str(error_code)
        callback = signed_callback(url, params, resource.signing_token)
        try:
            record = CallbackRecord(url, params, callback.signature, callback.send())
        except (OSError, ValueError) as error:  # unreachable receiver: Twilio logs and moves on
            record = CallbackRecord(url, params, callback.signature, None, str(error))
        with self._lock:
            self._callbacks.append(record)
        return record

    def _auto_advance(self, sid: str) -> None:
        """Walk a new resource through a plausible life, posting callbacks as Twilio would."""
        with self._lock:
            resource = self._resources[sid]
            first, to = resource.json["status"], resource.json["to"]
        if resource.kind == "message":
            code = self.carrier_errors.get(to)
            path = ["queued"] if first == "accepted" else []
            path += ["sent", "undelivered" if code else "delivered"]
        else:
            code, path = None, ["ringing", "in-progress", "completed"]
        events = resource.call_events | {"completed"}
        for status in path:
            if self._wake.wait(self.auto_callback_delay):
                return  # the server stopped
            with self._lock:
                if self._resources.get(sid) is not resource:
                    return  # reset() meanwhile
            post = resource.kind == "message" or _CALL_EVENT_OF_STATUS[status] in events
            self._advance(sid, status, code if status == "undelivered" else None, post)
