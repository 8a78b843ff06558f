"""The fake Twilio server, driven by the real twilio SDK over loopback HTTP."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from phonemfa.testing.twilio_server import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    FakeTwilio,
    num_segments,
    signed_callback,
)

FROM = "+15005550006"  # the test credentials' passing From
TO = "+14155552345"
ACCOUNT_B = "AC" + "b" * 32
API_KEY = "SK" + "c" * 32
SERVICE = "MG" + "d" * 32


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy may capture loopback, and no TWILIO_EDGE/REGION may rewrite the SDK's host."""
    for name in ("TWILIO_EDGE", "TWILIO_REGION", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[FakeTwilio]:
    accounts = {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN, ACCOUNT_B: "token-b", API_KEY: "secret"}
    with FakeTwilio(accounts) as fake:
        yield fake


@pytest.fixture
def client(server: FakeTwilio) -> Client:
    return server.client()


class Receiver:
    """A tiny webhook receiver on 127.0.0.1 that queues what it gets."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[str, dict[str, str], dict[str, str]]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                params = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                received.put((self.path, dict(self.headers), params))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/twilio/status?tenant=t1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def get(self) -> tuple[str, dict[str, str], dict[str, str]]:
        return self.received.get(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


def raw_post(server: FakeTwilio, resource: str, data: dict[str, str], auth=None):
    session = requests.Session()
    session.trust_env = False
    url = f"{server.base_url}/2010-04-01/Accounts/{server.account_sid}/{resource}.json"
    auth = auth or (server.account_sid, server.auth_token)
    return session.post(url, data=data, auth=auth, timeout=5)


def error_code(call) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


# -- messages -------------------------------------------------------------------------------------
def test_sms_from_number(server: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to=TO, from_=FROM, body="Your code is 123456")
    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.from_, message.to, message.num_segments) == (
        "queued",
        FROM,
        TO,
        "1",
    )
    assert message.price is None and message.error_code is None
    assert message.account_sid == DEFAULT_ACCOUNT_SID
    stored = server.messages[0]
    assert parsedate_to_datetime(stored["date_created"]).utcoffset().total_seconds() == 0
    assert (
        stored["uri"] == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message.sid}.json"
    )
    (recorded,) = server.requests
    assert recorded.method == "POST"
    assert recorded.path == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
    assert recorded.params == {"To": TO, "From": FROM, "Body": "Your code is 123456"}
    assert recorded.username == DEFAULT_ACCOUNT_SID
    assert recorded.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_sms_with_messaging_service_is_accepted(server: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to=TO, messaging_service_sid=SERVICE, body="x" * 161)
    assert (message.status, message.from_, message.messaging_service_sid) == (
        "accepted",
        None,
        SERVICE,
    )
    assert message.num_segments == "2"
    assert server.requests[0].params["MessagingServiceSid"] == SERVICE


def test_fetch_a_message_after_a_status_change(server: FakeTwilio, client: Client) -> None:
    sid = client.messages.create(to=TO, from_=FROM, body="hi").sid
    assert server.advance_status(sid, "undelivered", 30003) is None  # no StatusCallback given
    fetched = client.messages(sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)
    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": FROM, "Body": "hi"}, 21604),
        ({"To": TO, "Body": "hi"}, 21603),
        ({"To": TO, "From": FROM}, 21602),
        ({"To": TO, "From": FROM, "Body": "x" * 1601}, 21617),
        ({"To": TO, "MessagingServiceSid": "MG123", "Body": "hi"}, 21705),
        ({"To": "4155552345", "From": FROM, "Body": "hi"}, 21211),
        ({"To": TO, "From": "+1 (415) 555", "Body": "hi"}, 21212),
    ],
)
def test_sms_validation(server: FakeTwilio, data: dict[str, str], code: int) -> None:
    response = raw_post(server, "Messages", data)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (code, 400)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert not server.messages


def test_longest_sms_and_alphanumeric_sender_pass(client: Client) -> None:
    assert client.messages.create(to=TO, from_="PhoneMFA", body="ж" * 1600).num_segments == "24"


@pytest.mark.parametrize(
    ("from_", "to", "code"),
    [
        ("+15005550001", TO, 21212),
        ("+15005550007", TO, 21606),
        ("+15005550008", TO, 21611),
        (FROM, "+15005550001", 21211),
        (FROM, "+15005550002", 21612),
        (FROM, "+15005550003", 21408),
        (FROM, "+15005550004", 21610),
        (FROM, "+15005550009", 21614),
    ],
)
def test_sms_magic_numbers(client: Client, from_: str, to: str, code: int) -> None:
    error = error_code(lambda: client.messages.create(to=to, from_=from_, body="hi"))
    assert (error.status, error.code) == (400, code)


# -- calls ----------------------------------------------------------------------------------------
def test_voice_call_with_twiml(server: FakeTwilio, client: Client) -> None:
    vr = VoiceResponse()
    vr.say("Your code is 1. 2. 3. 4. 5. 6.", language="en-US", loop=2)
    vr.pause(length=1)
    call = client.calls.create(to=TO, from_=FROM, twiml=str(vr))
    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid)
    assert (call.status, call._from, call.to) == ("queued", FROM, TO)
    (recorded,) = server.requests
    assert recorded.path == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Calls.json"
    assert recorded.params["Twiml"] == str(vr)
    assert server.calls[0]["sid"] == call.sid


@pytest.mark.parametrize(
    ("from_", "to", "code"),
    [
        ("+15005550001", TO, 21212),
        ("+15005550002", TO, 21210),
        ("+15005550007", TO, 21210),
        (FROM, "+15005550001", 21217),
        (FROM, "+15005550002", 21214),
        (FROM, "+15005550003", 21215),
        (FROM, "+15005550004", 21216),
    ],
)
def test_call_magic_numbers(client: Client, from_: str, to: str, code: int) -> None:
    error = error_code(lambda: client.calls.create(to=to, from_=from_, twiml="<Response/>"))
    assert (error.status, error.code) == (400, code)


def test_calls_from_ordinary_numbers_pass(client: Client) -> None:
    call = client.calls.create(to=TO, from_="+442071838750", url="https://example.com/twiml")
    assert call.status == "queued"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": FROM, "Twiml": "<Response/>"}, 21201),
        ({"To": TO, "Twiml": "<Response/>"}, 21213),
        ({"To": TO, "From": FROM}, 21205),
        ({"To": TO, "From": FROM, "Twiml": "x" * 4001}, 32018),
    ],
)
def test_call_validation(server: FakeTwilio, data: dict[str, str], code: int) -> None:
    response = raw_post(server, "Calls", data)
    assert (response.status_code, response.json()["code"]) == (400, code)


# -- authentication -------------------------------------------------------------------------------
def test_wrong_token_is_401_20003(server: FakeTwilio) -> None:
    client = server.client(auth_token="wrong")
    error = error_code(lambda: client.messages.create(to=TO, from_=FROM, body="hi"))
    assert (error.status, error.code) == (401, 20003)
    assert not server.messages


def test_missing_auth_is_401_with_twilio_body(server: FakeTwilio) -> None:
    session = requests.Session()
    session.trust_env = False
    url = f"{server.base_url}/2010-04-01/Accounts/{server.account_sid}/Messages.json"
    response = session.post(url, data={"To": TO, "From": FROM, "Body": "hi"}, timeout=5)
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert server.requests[0].username is None


def test_another_accounts_path_is_404(server: FakeTwilio) -> None:
    client = Client(
        DEFAULT_ACCOUNT_SID,
        DEFAULT_AUTH_TOKEN,
        account_sid=ACCOUNT_B,
        http_client=server.client().http_client,
        environment={"TWILIO_EDGE": ""},
    )
    client.api.base_url = server.base_url
    error = error_code(lambda: client.messages.create(to=TO, from_=FROM, body="hi"))
    assert (error.status, error.code) == (404, 20404)


def test_api_key_auth_and_callbacks_signed_with_account_token(
    server: FakeTwilio, receiver: Receiver
) -> None:
    client = Client(
        API_KEY,
        "secret",
        account_sid=ACCOUNT_B,
        http_client=server.client().http_client,
        environment={"TWILIO_EDGE": ""},
    )
    client.api.base_url = server.base_url
    message = client.messages.create(to=TO, from_=FROM, body="hi", status_callback=receiver.url)
    assert message.account_sid == ACCOUNT_B
    assert server.requests[0].username == API_KEY
    server.advance_status(message.sid, "sent")
    _, headers, params = receiver.get()
    assert params["AccountSid"] == ACCOUNT_B
    assert RequestValidator("token-b").validate(receiver.url, params, headers["X-Twilio-Signature"])


# -- faults ---------------------------------------------------------------------------------------
def test_fail_next_429_then_recovers(server: FakeTwilio, client: Client) -> None:
    server.fail_next(429)
    error = error_code(lambda: client.messages.create(to=TO, from_=FROM, body="hi"))
    assert (error.status, error.code) == (429, 20429)
    assert client.messages.create(to=TO, from_=FROM, body="hi").status == "queued"
    assert len(server.requests) == 2 and len(server.messages) == 1


def test_fail_next_several_5xx(server: FakeTwilio, client: Client) -> None:
    server.fail_next(503, times=2)
    for _ in range(2):
        error = error_code(lambda: client.calls.create(to=TO, from_=FROM, twiml="<Response/>"))
        assert (error.status, error.code) == (503, 20503)
    assert client.calls.create(to=TO, from_=FROM, twiml="<Response/>").status == "queued"


def test_hang_trips_the_client_timeout(server: FakeTwilio) -> None:
    server.hang(30)
    client = Client(
        DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, http_client=TwilioHttpClient(timeout=1)
    )
    client.api.base_url = server.base_url
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=TO, from_=FROM, body="hi")
    assert time.monotonic() - started < 3
    assert not server.messages  # the request never took effect
    server.hang(0)
    assert client.messages.create(to=TO, from_=FROM, body="hi").status == "queued"


def test_hang_after_processing_creates_the_message(server: FakeTwilio) -> None:
    server.hang(30, times=1, process_first=True)
    with pytest.raises(requests.exceptions.Timeout):
        server.client(timeout=0.3).messages.create(to=TO, from_=FROM, body="hi")
    assert len(server.messages) == 1


def test_stop_does_not_wait_for_hung_requests() -> None:
    fake = FakeTwilio().start()
    fake.hang(60)
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            fake.client(timeout=30).messages.create(to=TO, from_=FROM, body="hi")
        except BaseException as error:  # the point is that it ends
            outcome.append(error)

    thread = threading.Thread(target=send)
    thread.start()
    while not fake.requests:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    thread.join(5)
    assert time.monotonic() - started < 2
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)


def test_down_refuses_connections_then_comes_back(server: FakeTwilio, client: Client) -> None:
    server.down = True
    assert server.down
    with pytest.raises(requests.exceptions.ConnectionError):
        client.messages.create(to=TO, from_=FROM, body="hi")
    server.down = False
    assert client.messages.create(to=TO, from_=FROM, body="hi").status == "queued"


def test_client_ignores_proxies_and_edge(server: FakeTwilio, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    assert server.client().messages.create(to=TO, from_=FROM, body="hi").status == "queued"
    # Why client() passes a non-empty mapping: the SDK treats environment={} as "use os.environ".
    assert Client(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, environment={}).edge == "sydney"


def test_reset_forgets_everything(server: FakeTwilio, client: Client) -> None:
    client.messages.create(to=TO, from_=FROM, body="hi")
    server.fail_next(500)
    server.reset()
    assert (server.requests, server.messages, server.calls, server.callbacks) == ([], [], [], [])
    assert client.messages.create(to=TO, from_=FROM, body="hi").status == "queued"


# -- status callbacks -----------------------------------------------------------------------------
def test_status_callback_is_signed(server: FakeTwilio, client: Client, receiver: Receiver) -> None:
    message = client.messages.create(to=TO, from_=FROM, body="hi", status_callback=receiver.url)
    record = server.advance_status(message.sid, "delivered")
    assert record is not None and record.status_code == 204
    path, headers, params = receiver.get()
    assert path == "/twilio/status?tenant=t1"
    assert params["MessageSid"] == message.sid
    assert (params["MessageStatus"], params["From"], params["To"]) == ("delivered", FROM, TO)
    assert params["AccountSid"] == DEFAULT_ACCOUNT_SID
    assert "ErrorCode" not in params
    validator = RequestValidator(DEFAULT_AUTH_TOKEN)
    assert validator.validate(receiver.url, params, headers["X-Twilio-Signature"])
    assert not RequestValidator("other").validate(receiver.url, params, record.signature)

    server.advance_status(message.sid, "undelivered", error_code=30003)
    _, headers, params = receiver.get()
    assert (params["MessageStatus"], params["ErrorCode"]) == ("undelivered", "30003")
    assert validator.validate(receiver.url, params, headers["X-Twilio-Signature"])


def test_auto_callbacks_for_messages(server: FakeTwilio, client: Client, receiver) -> None:
    server.auto_callbacks = True
    server.carrier_errors["+14155550100"] = 30006
    client.messages.create(to=TO, from_=FROM, body="hi", status_callback=receiver.url)
    assert [receiver.get()[2]["MessageStatus"] for _ in range(2)] == ["sent", "delivered"]
    client.messages.create(
        to="+14155550100", messaging_service_sid=SERVICE, body="hi", status_callback=receiver.url
    )
    got = [receiver.get()[2] for _ in range(3)]
    assert [p["MessageStatus"] for p in got] == ["queued", "sent", "undelivered"]
    assert got[-1]["ErrorCode"] == "30006" and got[-1]["MessagingServiceSid"] == SERVICE


def test_auto_callbacks_for_calls_follow_status_callback_event(
    server: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    server.auto_callbacks = True
    twiml = "<Response/>"
    sid = client.calls.create(to=TO, from_=FROM, twiml=twiml, status_callback=receiver.url).sid
    _, headers, params = receiver.get()
    assert (params["CallSid"], params["CallStatus"]) == (sid, "completed")
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(
        receiver.url, params, headers["X-Twilio-Signature"]
    )
    client.calls.create(
        to=TO,
        from_=FROM,
        twiml=twiml,
        status_callback=receiver.url,
        status_callback_event=["ringing", "answered", "completed"],
    )
    assert [receiver.get()[2]["CallStatus"] for _ in range(3)] == [
        "ringing",
        "in-progress",
        "completed",
    ]
    assert receiver.received.empty()
    assert server.calls[-1]["status"] == "completed"


def test_unreachable_callback_is_recorded(server: FakeTwilio, client: Client) -> None:
    url = server.base_url.rsplit(":", 1)[0] + ":9/status"  # nothing listens on port 9
    message = client.messages.create(to=TO, from_=FROM, body="hi", status_callback=url)
    record = server.advance_status(message.sid, "sent")
    assert record is not None and record.status_code is None and record.error
    with pytest.raises(ValueError):
        server.advance_status(message.sid, "ringing")


def test_signature_known_vector() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    callback = signed_callback(url, params, "12345")
    assert callback.signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert callback.headers["X-Twilio-Signature"] == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert RequestValidator("12345").validate(url, params, callback.signature)


def test_signed_callback_helper_sends(receiver: Receiver) -> None:
    callback = signed_callback(receiver.url, {"MessageSid": "SM1", "MessageStatus": "sent"}, "tok")
    assert callback.send() == 204
    _, headers, params = receiver.get()
    assert params == {"MessageSid": "SM1", "MessageStatus": "sent"}
    assert RequestValidator("tok").validate(receiver.url, params, headers["X-Twilio-Signature"])


def test_num_segments() -> None:
    assert [num_segments("a" * n) for n in (1, 160, 161, 306, 307)] == [1, 1, 2, 2, 3]
    assert num_segments("[" * 80) == 1 and num_segments("[" * 81) == 2  # 2 septets each
    assert [num_segments("é" * 1), num_segments("ж" * 70), num_segments("ж" * 71)] == [1, 1, 2]
