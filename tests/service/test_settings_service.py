import json
import multiprocessing
import os
import stat

import pytest

from phonemfa.errors import ValidationError
from phonemfa.service import PhoneMfa
from phonemfa.store import events_repo


def test_defaults_on_a_new_database(service):
    factor = service.factor_settings()
    assert (factor.enabled, factor.message_types, factor.provider) == (False, ("sms",), "auth0")
    assert (factor.otp_length, factor.otp_expiration_time) == (6, 300)


def test_change_persists_and_writes_one_event_naming_the_actor(service, db_path, clock):
    changed = service.update_settings(
        {"message_types": ["voice", "sms"], "enabled": True}, actor="cli"
    )
    assert changed == {"message_types": ["sms", "voice"], "enabled": True}
    reopened = PhoneMfa.open(db_path, clock=clock, demo=False)
    assert reopened.factor_settings().message_types == ("sms", "voice")
    events = events_repo.search(service.store, types=["gd_tenant_update"])
    assert len(events) == 1
    assert events[0].details["actor"] == "cli"
    assert events[0].details["changes"]["enabled"] == {"from": False, "to": True}
    reopened.close()


def test_a_refused_value_changes_nothing(service):
    with pytest.raises(ValidationError):
        service.update_settings({"enabled": True, "otp_length": 99}, actor="cli")
    assert service.factor_settings().enabled is False
    assert events_repo.last_id(service.store) == 0


def test_unchanged_values_write_no_event(service):
    assert service.update_settings({"otp_length": 6}, actor="cli") == {}
    assert events_repo.last_id(service.store) == 0


def test_terraform_order_is_accepted(service):
    # Terraform: enable, set provider, then message types (voice with Built-in is accepted).
    service.update_settings({"enabled": True}, actor="api")
    service.update_settings({"provider": "auth0"}, actor="api")
    service.update_settings({"message_types": ["sms", "voice"]}, actor="api")
    factor = service.factor_settings()
    assert factor.message_types == ("sms", "voice")
    assert factor.offered_channels == ("sms",)


def test_key_file_is_private_and_reused(db_path, clock):
    first = PhoneMfa.open(db_path, clock=clock, demo=False)
    key_file = db_path.with_name("phonemfa.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    token = first.box.encrypt("hello")
    second = PhoneMfa.open(db_path, clock=clock, demo=False)
    assert second.box.decrypt(token) == "hello"
    first.close()
    second.close()


def test_secret_key_from_environment(db_path, clock, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("PHONEMFA_SECRET_KEY", Fernet.generate_key().decode())
    svc = PhoneMfa.open(db_path, clock=clock, demo=False)
    assert not db_path.with_name("phonemfa.key").exists()
    svc.close()


def test_demo_data_seeds_a_real_tenant(demo_service):
    factor = demo_service.factor_settings()
    assert factor.enabled and factor.friendly_name == "Acme Travel"
    users = demo_service.list_users()
    assert len(users) >= 5
    assert {u.phone_number[:3] for u in users} >= {"+14", "+33", "+34"}


def test_demo_seeds_only_a_new_database(db_path, clock):
    PhoneMfa.open(db_path, clock=clock, demo=False).close()
    svc = PhoneMfa.open(db_path, clock=clock, demo=True)
    assert svc.list_users() == []
    svc.close()


def _writer(db_path: str, key: str, values: list, barrier) -> None:
    svc = PhoneMfa.open(db_path, demo=False)
    barrier.wait()
    for value in values:
        svc.update_settings({key: value}, actor=f"proc-{key}")
    svc.close()


def test_two_processes_writing_at_once_lose_nothing(db_path):
    PhoneMfa.open(db_path, demo=False).close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    lengths = [4 + i % 7 for i in range(1, 41)]
    lifetimes = [60 + i for i in range(1, 41)]
    procs = [
        ctx.Process(target=_writer, args=(str(db_path), "otp_length", lengths, barrier)),
        ctx.Process(target=_writer, args=(str(db_path), "otp_expiration_time", lifetimes, barrier)),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    svc = PhoneMfa.open(db_path, demo=False)
    assert svc.factor_settings().otp_length == lengths[-1]
    assert svc.factor_settings().otp_expiration_time == lifetimes[-1]
    events = events_repo.search(svc.store, types=["gd_tenant_update"], limit=1000)
    # Every effective change left exactly one event: nothing was lost to a race.
    changes_len = sum(1 for a, b in zip([6, *lengths], lengths, strict=False) if a != b)
    assert len(events) == changes_len + len(lifetimes)
    assert all(json.dumps(e.details) for e in events)
    svc.close()


def test_workers_in_threads_share_the_file(service):
    import threading

    errors = []

    def bump(i: int) -> None:
        try:
            service.update_settings({"friendly_name": f"Tenant {i}"}, actor="t")
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(events_repo.search(service.store, types=["gd_tenant_update"], limit=100)) == 16
