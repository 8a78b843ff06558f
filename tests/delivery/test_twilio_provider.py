"""The Twilio provider through the real SDK against the loopback FakeTwilio."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from phonemfa.delivery.base import OutgoingMessage, VoicePart
from phonemfa.delivery.twilio import DEFAULT_TIMEOUT, TwilioAccount, TwilioProvider, build_twiml
from phonemfa.testing.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.twilio_support import (
    API_KEY,
    API_KEY_SECRET,
    FROM,
    SERVICE_SID,
    TO,
)

pytestmark = pytest.mark.usefixtures("twilio_isolated")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider_for(
    fake: FakeTwilio, *, sleeps: Sleeps | None = None, timeout: float = DEFAULT_TIMEOUT, **fields
) -> TwilioProvider:
    account = TwilioAccount(
        **{
            "account_sid": DEFAULT_ACCOUNT_SID,
            "auth_token": DEFAULT_AUTH_TOKEN,
            "from_": FROM,
            "base_url": fake.base_url,
            **fields,
        }
    )
    return TwilioProvider(
        account, timeout=timeout, backoff=0.01, sleep=sleeps if sleeps is not None else Sleeps()
    )


def sms(to: str = TO, text: str = "123456 is your verification code for Acme") -> OutgoingMessage:
    return OutgoingMessage(
        message_id="msg_1",
        channel="sms",
        action="second-factor-authentication",
        to=to,
        text=text,
        code="123456",
        locale="en",
    )


def voice(to: str = TO, locale: str = "fr", parts=None) -> OutgoingMessage:
    parts = parts or (
        VoicePart("say", "Bonjour, votre code est :"),
        VoicePart("pause", seconds=1),
        VoicePart("say", "1.2.3.4.5.6."),
    )
    return OutgoingMessage(
        message_id="msg_2",
        channel="voice",
        action="enrollment",
        to=to,
        text="Bonjour, votre code est : … 1.2.3.4.5.6.",
        code="123456",
        locale=locale,
        voice_parts=tuple(parts),
    )


# -- SMS ------------------------------------------------------------------------------------------
def test_sms_from_a_number(fake: FakeTwilio) -> None:
    result = provider_for(fake).send(sms())
    assert result.ok and result.provider == "twilio"
    assert result.provider_id == fake.messages[0]["sid"] and result.provider_id.startswith("SM")
    assert result.status == "queued"
    (request,) = fake.requests
    assert request.params == {"To": TO, "From": FROM, "Body": sms().text}
    assert request.username == DEFAULT_ACCOUNT_SID
    # what the simulator and the log see: Twilio's answer verbatim, and what was sent, no secret
    assert result.response["sid"] == result.provider_id and result.response["num_segments"] == "1"
    assert result.request["From"] == FROM and result.request["Body"] == sms().text
    assert result.request["To"] == "+1•••••••2345" and result.request["attempts"] == 1
    assert DEFAULT_AUTH_TOKEN not in json.dumps([result.request, result.response])


def test_sms_through_a_messaging_service_with_status_callback(fake: FakeTwilio) -> None:
    callback = "https://mfa.example.com/twilio/status"
    provider = provider_for(
        fake,
        sms_source="messaging_service",
        messaging_service_sid=SERVICE_SID,
        status_callback=callback,
    )
    result = provider.send(sms())
    assert result.ok and result.status == "accepted"
    params = fake.requests[0].params
    assert params["MessagingServiceSid"] == SERVICE_SID and "From" not in params
    assert params["StatusCallback"] == callback
    assert result.request["MessagingServiceSid"] == SERVICE_SID


def test_api_key_authenticates_instead_of_the_auth_token(fake: FakeTwilio) -> None:
    provider = provider_for(
        fake, auth_token=None, api_key_sid=API_KEY, api_key_secret=API_KEY_SECRET
    )
    result = provider.send(sms())
    assert result.ok
    assert fake.requests[0].username == API_KEY
    assert fake.requests[0].path.startswith(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/")


# -- voice ----------------------------------------------------------------------------------------
def test_voice_call_says_the_code_digit_by_digit_twice_in_the_locale(fake: FakeTwilio) -> None:
    result = provider_for(fake).send(voice())
    assert result.ok and result.provider_id.startswith("CA") and result.status == "queued"
    params = fake.requests[0].params
    assert fake.requests[0].path.endswith("/Calls.json")
    assert (params["To"], params["From"]) == (TO, FROM)
    root = ET.fromstring(params["Twiml"])
    assert root.tag == "Response"
    steps = [(el.tag, el.text, dict(el.attrib)) for el in root]
    say_intro = ("Say", "Bonjour, votre code est :", {"language": "fr-FR"})
    say_code = ("Say", "1. 2. 3. 4. 5. 6.", {"language": "fr-FR"})
    pause = ("Pause", None, {"length": "1"})
    assert steps == [say_intro, pause, say_code, pause, say_intro, pause, say_code]
    assert result.request["Twiml"] == params["Twiml"]


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en", "en-US"), ("en-GB", "en-GB"), ("es", "es-ES"), ("de", "de-DE"), ("fr_CA", "fr-CA")]
    + [("xx", "en-US")],
)
def test_voice_language_follows_the_locale(locale: str, language: str) -> None:
    root = ET.fromstring(build_twiml(voice(locale=locale)))
    assert {el.get("language") for el in root if el.tag == "Say"} == {language}


def test_voice_without_parts_speaks_the_text_and_spells_a_plain_code() -> None:
    message = OutgoingMessage(
        message_id="m",
        channel="voice",
        action="enrollment",
        to=TO,
        text="Your code is 4821, valid 5 minutes",
        code="4821",
        locale="en",
    )
    says = [el.text for el in ET.fromstring(build_twiml(message)) if el.tag == "Say"]
    assert says == ["Your code is 4. 8. 2. 1, valid 5 minutes"] * 2


def test_voice_needs_a_from_number_even_with_a_messaging_service(fake: FakeTwilio) -> None:
    provider = provider_for(
        fake, from_=None, sms_source="messaging_service", messaging_service_sid=SERVICE_SID
    )
    result = provider.send(voice())
    assert not result.ok and result.error_code == "no_from"
    assert fake.requests == []


# -- Twilio's refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550001", "21211"),
        ("+15005550002", "21612"),
        ("+15005550003", "21408"),
        ("+15005550004", "21610"),
        ("+15005550009", "21614"),
    ],
)
def test_sms_error_codes_come_back_with_twilios_words(fake: FakeTwilio, to: str, code: str) -> None:
    result = provider_for(fake).send(sms(to=to))
    assert not result.ok and result.status == "failed" and result.provider_id is None
    assert result.error_code == code
    assert result.response["code"] == int(code) and result.response["status"] == 400
    assert result.error_message and to not in result.error_message  # numbers are masked
    assert len(fake.requests) == 1  # a 4xx is never retried


@pytest.mark.parametrize(
    ("from_", "code"),
    [("+15005550001", "21212"), ("+15005550007", "21606"), ("+15005550008", "21611")],
)
def test_sms_from_error_codes(fake: FakeTwilio, from_: str, code: str) -> None:
    result = provider_for(fake, from_=from_).send(sms())
    assert (result.ok, result.error_code) == (False, code)


@pytest.mark.parametrize(
    ("to", "code"),
    [("+15005550001", "21217"), ("+15005550002", "21214"), ("+15005550003", "21215")]
    + [("+15005550004", "21216")],
)
def test_voice_error_codes(fake: FakeTwilio, to: str, code: str) -> None:
    result = provider_for(fake).send(voice(to=to))
    assert (result.ok, result.error_code) == (False, code)
    assert len(fake.requests) == 1


def test_voice_from_that_cannot_call(fake: FakeTwilio) -> None:
    result = provider_for(fake, from_="+15005550007").send(voice())
    assert (result.ok, result.error_code) == (False, "21210")


def test_wrong_token_is_20003_and_not_retried(fake: FakeTwilio) -> None:
    result = provider_for(fake, auth_token="wrong-token").send(sms())
    assert (result.ok, result.error_code, result.response["status"]) == (False, "20003", 401)
    assert len(fake.requests) == 1


# -- retries ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_429_and_5xx_are_retried_once_after_a_backoff(
    fake: FakeTwilio, status: int, code: int
) -> None:
    fake.fail_next(status, code)
    sleeps = Sleeps()
    result = provider_for(fake, sleeps=sleeps).send(sms())
    assert result.ok and len(fake.messages) == 1
    assert len(fake.requests) == 2 and result.request["attempts"] == 2
    assert sleeps == [0.01]


def test_a_second_429_gives_up(fake: FakeTwilio) -> None:
    fake.fail_next(429, 20429, times=2)
    result = provider_for(fake).send(sms())
    assert (result.ok, result.error_code) == (False, "20429")
    assert len(fake.requests) == 2 and fake.messages == []


def test_4xx_is_never_retried(fake: FakeTwilio) -> None:
    fake.fail_next(400, 21211)
    sleeps = Sleeps()
    result = provider_for(fake, sleeps=sleeps).send(sms())
    assert (result.ok, result.error_code) == (False, "21211")
    assert len(fake.requests) == 1 and sleeps == []


# -- timeouts and outages ---------------------------------------------------------------------------
def test_default_timeouts_are_five_seconds(fake: FakeTwilio) -> None:
    provider = provider_for(fake)
    _, http = provider.build_client()
    assert provider.timeout == DEFAULT_TIMEOUT == 5.0 and http.timeout == 5.0


def test_slow_twilio_times_out_and_is_not_retried(fake: FakeTwilio) -> None:
    fake.hang(3, process_first=True)  # Twilio accepted, the answer never came in time
    result = provider_for(fake, timeout=0.3).send(sms())
    assert (result.ok, result.error_code) == (False, "timeout")
    assert "0.3 seconds" in result.error_message
    assert len(fake.requests) == 1 and len(fake.messages) == 1  # sent once, never twice


def test_twilio_down_is_unreachable_after_one_retry(fake: FakeTwilio) -> None:
    fake.down = True
    sleeps = Sleeps()
    result = provider_for(fake, sleeps=sleeps).send(sms())
    assert (result.ok, result.error_code) == (False, "unreachable")
    assert "connection refused" in result.error_message
    assert result.request["attempts"] == 2 and sleeps == [0.01]
    assert result.response == {}


def test_twilio_back_up_for_the_retry(fake: FakeTwilio) -> None:
    fake.down = True
    provider = provider_for(fake)
    provider._sleep = lambda _s: setattr(fake, "down", False)  # it comes back during the backoff
    result = provider.send(sms())
    assert result.ok and len(fake.messages) == 1


# -- configuration that cannot send ----------------------------------------------------------------
@pytest.mark.parametrize(
    "fields",
    [
        {"account_sid": None},
        {"auth_token": None},
        {"from_": None},
        {"sms_source": "messaging_service", "messaging_service_sid": None},
        {"unusable": "A stored secret cannot be decrypted with this instance key."},
    ],
)
def test_incomplete_configuration_fails_without_a_request(fake: FakeTwilio, fields) -> None:
    result = provider_for(fake, **fields).send(sms())
    assert (result.ok, result.error_code) == (False, "not_configured")
    assert result.error_message and fake.requests == []


def test_repr_of_the_account_hides_secrets() -> None:
    account = TwilioAccount(DEFAULT_ACCOUNT_SID, auth_token="s3cr3t", api_key_secret="k3y")
    assert "s3cr3t" not in repr(account) and "k3y" not in repr(account)
