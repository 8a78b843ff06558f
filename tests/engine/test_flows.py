"""Enrollment, challenge and verification through the service, on the Built-in provider."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.errors import PhoneMfaError
from phonemfa.store import messages_repo
from tests.engine.conftest import ALICE, BRUNO, enrolled, event_types, events_of, last_code


def test_enroll_confirm_challenge_verify(mfa, clock):
    sent = mfa.start_enrollment("auth0|alice", ALICE, ip="203.0.113.9", user_agent="curl/8")
    assert sent.action == "enrollment" and sent.channel == "sms" and sent.provider == "auth0"
    assert sent.recovery_code and len(sent.recovery_code) == 24
    assert [d.step for d in sent.trail] == [
        "factor",
        "user",
        "phone",
        "number_rules",
        "user_messages",
        "ip",
        "template",
        "provider",
        "result",
    ]
    assert all(d.ok for d in sent.trail)
    assert mfa.list_enrollments("auth0|alice")[0].status == "pending"
    text = mfa.inbox(ALICE)[-1].text
    assert text.endswith("Please enter this code to verify your enrollment.")
    verified = mfa.verify(sent.transaction_id, last_code(mfa, ALICE))
    assert verified.enrollment_completed and verified.action == "enrollment"
    enrollment = mfa.get_enrollment(sent.enrollment_id)
    assert enrollment.status == "confirmed" and enrollment.phone_number == "+1•••••••0123"

    clock.advance(60)
    login = mfa.challenge("auth0|alice")
    assert login.action == "second-factor-authentication" and login.recovery_code is None
    assert "is your verification code for My Company" in mfa.inbox(ALICE)[-1].text
    assert mfa.verify(login.transaction_id, last_code(mfa, ALICE)).enrollment_completed is False
    assert mfa.get_enrollment(sent.enrollment_id).last_auth == clock.now()
    assert event_types(mfa)[1:] == [
        "gd_start_enroll",
        "gd_send_sms",
        "gd_enrollment_complete",
        "gd_start_auth",
        "gd_send_sms",
        "gd_auth_succeed",
    ]
    send = events_of(mfa, "gd_send_sms")[0]
    assert send["ip"] == "203.0.113.9" and send["user_agent"] == "curl/8"
    assert send["details"]["authenticator"] == {
        "id": f"sms|{sent.enrollment_id}",
        "type": "sms",
        "phone_number": "+1•••••••0123",
    }
    assert [d["step"] for d in send["details"]["trail"]][-1] == "provider"
    outbox = messages_repo.get(mfa.store, sent.message_id)
    assert outbox.state == "sent" and outbox.recipient_masked == "+1•••••••0123"
    assert outbox.transaction_id == sent.transaction_id and outbox.region == "US"


def test_codes_are_single_use_and_superseded(mfa, clock):
    enrolled(mfa)
    first = mfa.challenge("auth0|alice")
    first_code = last_code(mfa, ALICE)
    second = mfa.challenge("auth0|alice")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(first.transaction_id, first_code)
    assert caught.value.code == "transaction_expired"
    assert "replaced by a newer code" in caught.value.message
    code = last_code(mfa, ALICE)
    mfa.verify(second.transaction_id, code)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(second.transaction_id, code)
    assert caught.value.details["key"] == "invalid-expired-code"
    assert caught.value.details["trail"][-1]["step"] == "transaction"


def test_expired_code(mfa, clock):
    enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    clock.advance(301)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(login.transaction_id, last_code(mfa, ALICE))
    assert caught.value.code == "transaction_expired"
    assert caught.value.details["reason"] == "expired"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "", " 123456", "١٢٣٤٥٦"])
def test_badly_formed_codes_are_refused_without_spending_attempts(mfa, code):
    enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(login.transaction_id, code)
    assert caught.value.code == "invalid_otp_format"
    assert caught.value.details["key"] == "invalid-otp-code-format"
    assert mfa.bucket_status("wrong_codes", "auth0|alice").tokens == 10
    mfa.verify(login.transaction_id, last_code(mfa, ALICE))  # still usable


def test_unknown_transaction_and_other_users_transaction(mfa):
    enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    for txn, user in (("Fe26.nope", None), (login.transaction_id, "auth0|mallory"), ("", None)):
        with pytest.raises(PhoneMfaError) as caught:
            mfa.verify(txn, "123456", user_id=user)
        assert caught.value.code == "transaction_not_found" and caught.value.status == 404
    assert events_of(mfa, "gd_auth_failed")


def test_deleted_enrollment_kills_its_codes(mfa):
    sent = enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    mfa.delete_enrollment(sent.enrollment_id, actor="test")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(login.transaction_id, last_code(mfa, ALICE))
    assert caught.value.code == "transaction_expired"
    with pytest.raises(PhoneMfaError) as caught:
        mfa.challenge("auth0|alice")
    assert caught.value.code == "not_enrolled"
    assert events_of(mfa, "gd_unenroll")[0]["details"]["recovery_code_removed"] is True
    # With no phone left, the next enrollment is a first enrollment again.
    assert mfa.start_enrollment("auth0|alice", ALICE).recovery_code


def test_already_enrolled_and_restart_of_pending(mfa):
    first = mfa.start_enrollment("auth0|bruno", BRUNO)
    second = mfa.start_enrollment("auth0|bruno", "+34612345678")
    assert [e.id for e in mfa.list_enrollments("auth0|bruno")] == [second.enrollment_id]
    with pytest.raises(PhoneMfaError):
        mfa.verify(first.transaction_id, last_code(mfa, BRUNO))
    mfa.verify(second.transaction_id, last_code(mfa, "+34612345678"))
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("auth0|bruno", BRUNO)
    assert caught.value.code == "already_enrolled"
    assert events_of(mfa, "gd_start_enroll_failed")[-1]["details"]["failure_details"] == {
        "errorCode": "already_enrolled",
        "message": "User is already enrolled.",
    }


def test_factor_off_and_channels_not_enabled(mfa):
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("u", ALICE, "voice")
    assert caught.value.code == "enrollment_method_disabled"
    mfa.update_settings({"message_types": ["sms", "voice"]}, actor="test")
    with pytest.raises(PhoneMfaError) as caught:  # Built-in cannot call
        mfa.start_enrollment("u", ALICE, "voice")
    assert "Built-in provider cannot send voice" in caught.value.message
    mfa.update_settings({"enabled": False}, actor="test")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("u", ALICE)
    assert caught.value.code == "feature_disabled" and caught.value.status == 403
    assert caught.value.details["trail"] == [
        {
            "step": "factor",
            "ok": False,
            "detail": "The Phone Message factor is disabled.",
            "key": "feature-disabled",
        }
    ]
    assert mfa.store.query("SELECT COUNT(*) AS n FROM enrollments")[0]["n"] == 0


def test_invalid_numbers_and_rules_leave_nothing(mfa):
    refusals = {
        "not a phone": "invalid_phone_number",
        "+1 415 555": "invalid_phone_number",
        "+1 900 555 1234": "phone_number_not_allowed",  # premium rate
        "+33 1 42 68 53 00": "phone_number_not_allowed",  # SMS to a fixed line
    }
    for phone, code in refusals.items():
        with pytest.raises(PhoneMfaError) as caught:
            mfa.start_enrollment("auth0|zoe", phone)
        assert caught.value.code == code
    mfa.update_settings({"sms_denied_regions": ["FR"]}, actor="test")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("auth0|zoe", BRUNO)
    refusal = caught.value.details["trail"][-1]
    assert refusal["step"] == "number_rules" and refusal["data"]["rule"] == "sms_denied_regions"
    for table in ("enrollments", "transactions", "messages", "virtual_inbox", "rate_buckets"):
        assert mfa.store.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] == 0, table
    assert len(events_of(mfa, "gd_start_enroll_failed")) == 5


def test_national_number_with_default_region(mfa):
    mfa.update_settings({"default_region": "FR"}, actor="test")
    sent = mfa.start_enrollment("auth0|bruno", "06 12 34 56 78")
    assert sent.region == "FR" and mfa.inbox(BRUNO)


def test_locale_from_request_or_user(mfa):
    from phonemfa.service.users import User

    template = (
        "{% if locale == 'fr' %}Votre code : {{code}}{% else %}Your code: {{code}}{% endif %}"
    )
    mfa.update_settings({"locales": ["en", "fr"], "enrollment_message": template}, actor="test")
    mfa.save_user(User("auth0|bruno", locale="fr"))
    assert mfa.start_enrollment("auth0|bruno", BRUNO).locale == "fr"
    assert mfa.inbox(BRUNO)[-1].text.startswith("Votre code : ")
    assert mfa.start_enrollment("auth0|bruno", BRUNO, language="en-GB,en;q=0.8").locale == "en"
    assert mfa.inbox(BRUNO)[-1].text.startswith("Your code: ")


def test_broken_template_refuses_cleanly(mfa):
    from phonemfa.core.template_rules import TemplateError
    from phonemfa.store import settings_repo

    with pytest.raises(TemplateError):  # every door refuses it at save...
        mfa.update_settings({"enrollment_message": "{{code}} {{ nope }}"}, actor="test")
    # ...but a row written by an older version (or by hand) must still fail a send cleanly.
    with mfa.store.transaction():
        settings_repo.write(mfa.store, {"enrollment_message": "{{code}} {{ nope }}"}, mfa.now())
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("u1", ALICE)
    assert caught.value.code == "template_error"
    assert caught.value.details["trail"][-1]["step"] == "template"
    assert mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"] == 0


def test_recovery_code_flow(mfa):
    sent = enrolled(mfa)
    first = sent.recovery_code
    with pytest.raises(PhoneMfaError) as caught:
        mfa.use_recovery_code("auth0|alice", "A" * 24)
    assert caught.value.code == "invalid_recovery_code"
    used = mfa.use_recovery_code("auth0|alice", first.lower())
    assert used.recovery_code != first and len(used.recovery_code) == 24
    with pytest.raises(PhoneMfaError):
        mfa.use_recovery_code("auth0|alice", first)  # single use
    mfa.use_recovery_code("auth0|alice", used.recovery_code)
    assert [e for e in event_types(mfa) if e.startswith("gd_recovery")] == [
        "gd_recovery_failed",
        "gd_recovery_succeed",
        "gd_recovery_failed",
        "gd_recovery_succeed",
    ]


def test_recovery_code_only_works_once_enrollment_is_confirmed(mfa):
    sent = mfa.start_enrollment("auth0|alice", ALICE)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.use_recovery_code("auth0|alice", sent.recovery_code)
    assert "no active recovery code" in caught.value.details["trail"][-1]["detail"]


def test_simulated_attempts_are_marked(mfa):
    sent = mfa.start_enrollment("sim|1", ALICE, simulated=True)
    assert sent.simulated
    assert all(
        e["simulated"]
        for e in mfa.store.query("SELECT simulated FROM events WHERE user_id = 'sim|1'")
    )
    assert messages_repo.get(mfa.store, sent.message_id).simulated
    assert mfa.inbox(ALICE)[-1].simulated
    mfa.verify(sent.transaction_id, last_code(mfa, ALICE))
    assert events_of(mfa, "gd_enrollment_complete")[0]["simulated"] == 1


def test_authenticators_view(mfa):
    sent = enrolled(mfa)
    listed = mfa.authenticators("auth0|alice")
    assert [a["id"] for a in listed[:2]] == [
        f"sms|{sent.enrollment_id}",
        f"voice|{sent.enrollment_id}",
    ]
    assert listed[2]["authenticator_type"] == "recovery-code"
    mfa.delete_authenticator("auth0|alice", listed[2]["id"], actor="t")
    assert len(mfa.authenticators("auth0|alice")) == 2
    with pytest.raises(PhoneMfaError):
        mfa.delete_authenticator("auth0|bob", listed[0]["id"], actor="t")
    mfa.delete_authenticator("auth0|alice", listed[1]["id"], actor="t")
    assert mfa.authenticators("auth0|alice") == []


PHONE_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\+?[0-9][0-9 ()\-.]{0,18}", fullmatch=True),
    st.sampled_from(
        ["+14155550123", "+33612345678", "+19005551234", "+33142685300", "+44 7700 900123"]
    ),
)
KNOWN_REFUSALS = {"invalid_phone_number", "phone_number_not_allowed"}


@given(phone=PHONE_TEXT)
def test_any_phone_text_enrolls_or_is_refused_cleanly(quiet_action, phone):
    """Whatever is typed as a phone number: a code is sent, or a known refusal with its trail."""
    mfa = quiet_action
    user = f"h|{abs(hash(phone))}"
    before = mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"]
    try:
        sent = mfa.start_enrollment(user, phone)
    except PhoneMfaError as exc:
        assert exc.code in KNOWN_REFUSALS, (phone, exc.code, exc.message)
        assert exc.details["trail"][-1]["step"] in ("phone", "number_rules")
        assert mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"] == before
        return
    assert sent.recipient.count("•") == 7
    assert mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"] == before + 1
