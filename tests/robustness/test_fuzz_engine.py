"""Hypothesis through the engine: whatever settings are accepted, whatever a user types as a code.

What the unit tests already cover (each setting's validation, template checks, phone parsing) is
not repeated here; these properties join them to the engine: an accepted settings change set
never leaves the engine unable to answer (a sent code verifies, a refusal is a known one), and
any text typed as a code is accepted only when it is the code.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonemfa.core import codes
from phonemfa.core.phones import TYPE_NAMES
from phonemfa.core.templates import voice_code
from phonemfa.errors import PhoneMfaError, ValidationError
from phonemfa.service import PhoneMfa
from tests.robustness.support import Phones, custom_tenant
from tests.unit.test_template_rules import LIQUID_BITS

# Refusals the engine may give for a send, whatever the settings.
KNOWN_SEND_REFUSALS = {
    "enrollment_method_disabled",
    "invalid_phone_number",
    "phone_number_not_allowed",
    "too_many_sms",
    "too_many_sms_per_tenant",
    "provider_not_configured",
    "error_sending_sms",
    "error_sending_voice",
    "template_error",
}


REGIONS = st.sampled_from(["US", "FR", "GB", "DE", "fr"])
TEMPLATE = st.one_of(
    st.sampled_from(
        [
            "{{code}} is your code for {{tenant.friendly_name}}",
            '{% if message_type == "voice" %}Your code: {{pause}}{{code}}.{% else %}{{code}}'
            "{% endif %}",
            '{% if locale contains "fr" %}Code : {{code}}{% else %}Code: {{code}}{% endif %}',
        ]
    ),
    st.text(max_size=60).map(lambda t: "{{code}} " + t),
    st.lists(LIQUID_BITS, max_size=25).map(lambda bits: "{{code}}" + "".join(bits)),
)
SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "otp_length": st.integers(4, 10),
        "otp_expiration_time": st.integers(60, 3600),
        "message_types": st.sampled_from([["sms"], ["voice"], ["sms", "voice"]]),
        "friendly_name": st.text(min_size=1, max_size=30),
        "enrollment_message": TEMPLATE,
        "verification_message": TEMPLATE,
        "locales": st.lists(
            st.sampled_from(["en", "fr", "de-DE", "pt-BR"]), min_size=1, max_size=3, unique=True
        ),
        "default_region": st.sampled_from(["US", "FR", "GB", ""]),
        "sms_allowed_regions": st.lists(REGIONS, max_size=2, unique=True),
        "sms_denied_regions": st.lists(REGIONS, max_size=2, unique=True),
        "voice_denied_regions": st.lists(REGIONS, max_size=2, unique=True),
        "blocked_number_types": st.lists(st.sampled_from(TYPE_NAMES), max_size=3, unique=True),
        "limit_user_messages_burst": st.integers(1, 12),
        "limit_wrong_codes_burst": st.integers(1, 12),
        "limit_ip_enroll_per_minute": st.integers(1, 60),
    },
)
PHONES = st.sampled_from(
    ["+14155550123", "+33612345678", "+447700900123", "+4915112345678", "4155550124", "0612345679"]
)


def expected_code(service: PhoneMfa, transaction_id: str) -> str:
    """The code of a transaction, from the stored secret and counter (as the engine checks it)."""
    row = service.store.query_one(
        "SELECT e.secret, t.counter, t.digits FROM transactions t"
        " JOIN enrollments e ON e.id = t.enrollment_id WHERE t.id = ?",
        (transaction_id,),
    )
    return codes.hotp_code(service.box.decrypt(row["secret"]), row["counter"], row["digits"])


@settings(max_examples=60)
@given(
    changes=SETTINGS,
    provider=st.sampled_from(["auth0", "twilio", "phone-message-hook"]),
    phone=PHONES,
    language=st.sampled_from([None, "fr-FR", "de", "zz"]),
)
def test_accepted_settings_never_leave_the_engine_unable_to_answer(
    tmp_path_factory, changes, provider, phone, language
):
    changes = {**changes, "provider": provider}
    db = tmp_path_factory.mktemp("settings") / f"{uuid.uuid4().hex}.db"
    service = PhoneMfa.open(db, demo=False)
    try:
        service.update_settings({"enabled": True}, actor="t")
        before = service.settings_values()
        try:
            service.update_settings(changes, actor="t")
        except ValidationError as exc:
            assert exc.message
            assert service.settings_values() == before  # a refused set changes nothing
            return
        user = "auth0|fuzz"
        for step in ("enroll", "login"):
            try:
                if step == "enroll":
                    sent = service.start_enrollment(user, phone, language=language)
                else:
                    sent = service.challenge(user, language=language)
            except PhoneMfaError as exc:
                assert exc.code in KNOWN_SEND_REFUSALS, (exc.code, exc.message, changes)
                assert exc.details["trail"][-1]["ok"] is False  # the trail names the refusal
                return
            code = expected_code(service, sent.transaction_id)
            if sent.provider == "auth0":  # what the phone got holds the code, as typed or said
                text = service.inbox(phone)[-1].text
                assert (code if sent.channel == "sms" else voice_code(code)) in text, text
            verified = service.verify(sent.transaction_id, code, user_id=user)
            assert verified.enrollment_completed is (step == "enroll")
    finally:
        service.close()


CODE_TEXT = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"[0-9]{4,8}", fullmatch=True),
    st.sampled_from([" 123456", "123456 ", "١٢٣٤٥٦", "１２３４５６", "12345\n", "", "-12345"]),
)


@pytest.fixture(scope="module")
def typist(tmp_path_factory):
    """One tenant for every example (the Custom provider has no 100-message cap)."""
    phones = Phones(tmp_path_factory.mktemp("phones"))
    service = custom_tenant(
        phones.root.parent / "codes.db", phones, limit_user_messages_burst=10_000
    )
    enrolled = service.start_enrollment("auth0|typist", "+33650000001")
    service.verify(enrolled.transaction_id, expected_code(service, enrolled.transaction_id))
    yield service
    service.close()


@settings(max_examples=80)
@given(typed=CODE_TEXT, right=st.booleans())
def test_any_text_typed_as_a_code_is_checked_or_refused_cleanly(typist, typed, right):
    service = typist
    service.reset_user_limits("auth0|typist", actor="t")
    sent = service.challenge("auth0|typist")
    code = expected_code(service, sent.transaction_id)
    typed = code if right else typed
    try:
        service.verify(sent.transaction_id, typed, user_id="auth0|typist")
    except PhoneMfaError as exc:
        wrong_left = service.bucket_status("wrong_codes", "auth0|typist").tokens
        if codes.code_format_problem(typed, len(code)):
            assert exc.code == "invalid_otp_format" and wrong_left == 10  # nothing spent
        else:
            assert typed != code
            assert exc.code == "invalid_otp" and wrong_left == 9
    else:
        assert typed == code  # accepted only when it is the code
