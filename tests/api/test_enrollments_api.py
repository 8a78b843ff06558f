"""Management API: enrollments and IP blocks."""

import pytest

from phonemfa.errors import PhoneMfaError
from tests.engine.conftest import ALICE, enrolled


def test_user_enrollments_get_and_delete(api, service, make_token):
    service.update_settings({"enabled": True}, actor="t")
    sent = enrolled(service)
    reader = {"Authorization": f"Bearer {make_token('read:users', 'read:guardian_enrollments')}"}
    listed = api.get("/api/v2/users/auth0%7Calice/enrollments", headers=reader)
    assert listed.status_code == 200
    (item,) = listed.json()
    assert item["id"] == sent.enrollment_id and item["status"] == "confirmed"
    assert item["phone_number"] == "+1•••••••0123" and ALICE not in listed.text
    assert item["enrolled_at"] == "2026-01-01T00:00:00.000Z"
    one = api.get(f"/api/v2/guardian/enrollments/{sent.enrollment_id}", headers=reader)
    assert one.json() == item
    assert api.get("/api/v2/users/nobody/enrollments", headers=reader).json() == []
    missing = api.get("/api/v2/guardian/enrollments/dev_nope", headers=reader)
    assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_enrollment"
    forbidden = api.delete(f"/api/v2/guardian/enrollments/{sent.enrollment_id}", headers=reader)
    assert forbidden.status_code == 403
    deleter = {"Authorization": f"Bearer {make_token('delete:guardian_enrollments')}"}
    gone = api.delete(f"/api/v2/guardian/enrollments/{sent.enrollment_id}", headers=deleter)
    assert gone.status_code == 204
    assert api.get("/api/v2/users/auth0%7Calice/enrollments", headers=reader).json() == []
    again = api.delete(f"/api/v2/guardian/enrollments/{sent.enrollment_id}", headers=deleter)
    assert again.status_code == 404


def test_anomaly_blocks(api, service, make_token):
    service.update_settings({"enabled": True, "limit_ip_enroll_per_minute": 1}, actor="t")
    service.start_enrollment("u1", ALICE, ip="203.0.113.50")
    with pytest.raises(PhoneMfaError) as caught:
        service.start_enrollment("u2", ALICE, ip="203.0.113.50")
    assert caught.value.code == "too_many_attempts"
    read = {"Authorization": f"Bearer {make_token('read:anomaly_blocks')}"}
    delete = {"Authorization": f"Bearer {make_token('delete:anomaly_blocks')}"}
    blocked = api.get("/api/v2/anomaly/blocks/ips/203.0.113.50", headers=read)
    assert blocked.status_code == 200 and blocked.json()["reason"] == "limit_mu"
    assert api.delete("/api/v2/anomaly/blocks/ips/203.0.113.50", headers=read).status_code == 403
    assert api.delete("/api/v2/anomaly/blocks/ips/203.0.113.50", headers=delete).status_code == 204
    not_blocked = api.get("/api/v2/anomaly/blocks/ips/203.0.113.50", headers=read)
    assert not_blocked.status_code == 404
    assert not_blocked.json()["message"] == "IP address specified is not currently blocked."
    bad = api.get("/api/v2/anomaly/blocks/ips/not-an-ip", headers=read)
    assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_uri"
    service.start_enrollment("u3", ALICE, ip="203.0.113.50")  # allowed again


def test_factor_list_reports_the_spent_trial(api, service, make_token):
    from phonemfa.store import inbox_repo

    reader = {"Authorization": f"Bearer {make_token('read:guardian_factors')}"}
    assert api.get("/api/v2/guardian/factors", headers=reader).json()[0]["trial_expired"] is False
    with service.store.transaction():
        for _ in range(100):
            inbox_repo.take_from_allowance(service.store, inbox_repo.BUILTIN_COUNTER, 100)
    assert api.get("/api/v2/guardian/factors", headers=reader).json()[0]["trial_expired"] is True
