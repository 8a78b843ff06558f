"""A deterministic busy tenant for the live log's tests and snapshots."""

from phonemfa.testing.traffic import (
    record_ip_block,
    record_phone_limit,
    record_refusal,
    record_send,
)

USERS = ["auth0|alice", "auth0|bruno", "auth0|carmen", "auth0|dieter", "auth0|emma"]
PHONES = ["+14155550123", "+33612345678", "+34612345678", "+4915123456789", "+447700900123"]
REGIONS = ["US", "FR", "ES", "DE", "GB"]


def busy_tenant(service, clock, *, sends=40):
    """About 40 minutes of traffic: SMS and voice, a few carrier failures, one user at their
    limit, a refused premium number, an IP blocked for a sign-up flood."""
    for n in range(sends):
        i = n % len(USERS)
        failed = n % 9 == 4
        record_send(
            service,
            user_id=USERS[i],
            phone=PHONES[i],
            region=REGIONS[i],
            channel="voice" if n % 5 == 2 else "sms",
            ok=not failed,
            error_code="30007" if failed else None,
            error_message="Message filtered by the carrier." if failed else None,
            segments=2 if i == 1 else 1,
        )
        clock.advance(61)
    for _ in range(8):
        record_send(service, user_id="auth0|emma", phone=PHONES[4], region="GB")
    record_phone_limit(service, user_id="auth0|bruno", reset_in=42 * 60)
    record_refusal(
        service, user_id="auth0|mallory", phone="+8823123456", region="XK", rule="premium numbers"
    )
    record_ip_block(service, ip="192.0.2.66")
    clock.advance(5)
