"""Regenerate sample_data/scenarios/*.jsonl: the traffic scenarios `phonemfa replay` plays.

python scripts/make_scenarios.py

Deterministic (a fixed seed): the same files every time, so the replay tests' figures hold.
Every number is checked with phonenumbers (valid, and of the type the story needs).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberType

OUT = Path(__file__).resolve().parents[1] / "sample_data" / "scenarios"
MINUTE, HOUR = 60, 3600


def numbers(region: str, kind: int, count: int, rng: random.Random) -> list[str]:
    """`count` distinct valid numbers of `kind` in `region`, varied from the example number."""
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None, (region, kind)
    national = str(example.national_number)
    found: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 200):
        tail = "".join(rng.choice("0123456789") for _ in range(3))
        candidate = phonenumbers.parse(f"+{example.country_code}{national[:-3]}{tail}")
        e164 = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
        if (
            e164 not in seen
            and phonenumbers.is_valid_number(candidate)
            and phonenumbers.number_type(candidate) == kind
        ):
            seen.add(e164)
            found.append(e164)
            if len(found) == count:
                return found
    raise SystemExit(f"not enough {kind} numbers in {region}")


def write(name: str, header: dict, requests: list[dict]) -> None:
    requests.sort(key=lambda r: r["at"])
    lines = [json.dumps(header, ensure_ascii=False)]
    for request in requests:
        request["at"] = round(request["at"], 1)
        lines.append(json.dumps(request, ensure_ascii=False))
    (OUT / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"sample_data/scenarios/{name}.jsonl: {len(requests)} requests")


def normal_day(rng: random.Random) -> None:
    """24 travelers enroll in the morning and log in once to three times during the day."""
    mobile = PhoneNumberType.MOBILE
    pools = {
        "US": (numbers("US", PhoneNumberType.FIXED_LINE_OR_MOBILE, 8, rng), "en"),
        "FR": (numbers("FR", mobile, 5, rng), "fr"),
        "ES": (numbers("ES", mobile, 4, rng), "es"),
        "GB": (numbers("GB", mobile, 4, rng), "en"),
        "DE": (numbers("DE", mobile, 3, rng), "de"),
    }
    travelers = [(phone, language) for pool, language in pools.values() for phone in pool]
    rng.shuffle(travelers)
    office = "203.0.113.50"  # a company's NAT: several travelers behind one address
    requests: list[dict] = []
    for index, (phone, language) in enumerate(travelers, start=1):
        user = f"traveler-{index:02d}"
        ip = office if index % 4 == 0 else f"198.51.100.{10 + index}"
        at = 7 * HOUR + rng.uniform(0, 3 * HOUR)
        if index == 5:  # types the number without its last digits first
            requests.append(
                {"at": at, "op": "enroll", "user": user, "phone": phone[:-4], "ip": ip,
                 "language": language}
            )  # fmt: skip
            at += rng.uniform(15, 40)
        requests.append(
            {"at": at, "op": "enroll", "user": user, "phone": phone, "ip": ip, "language": language}
        )
        at += rng.uniform(20, 60)
        if index in (3, 11):  # a typo in the code, then the right one
            requests.append({"at": at, "op": "verify", "user": user, "code": "wrong", "ip": ip})
            at += rng.uniform(8, 20)
        requests.append({"at": at, "op": "verify", "user": user, "code": "right", "ip": ip})
        login = max(at + HOUR, 9 * HOUR + rng.uniform(0, 4 * HOUR))
        for round_ in range(1 + index % 3):
            requests.append(
                {"at": login, "op": "challenge", "user": user, "ip": ip, "language": language}
            )
            wait = rng.uniform(15, 45)
            if index == 7 and round_ == 0:  # reads the code too late, asks for a new one
                requests.append(
                    {"at": login + 7 * MINUTE, "op": "verify", "user": user, "code": "right",
                     "ip": ip}
                )  # fmt: skip
                login += 7 * MINUTE + 10
                requests.append(
                    {"at": login, "op": "challenge", "user": user, "ip": ip, "language": language}
                )
            if index == 19 and round_ == 0:  # left the phone at home: the recovery code
                requests.append(
                    {"at": login + wait, "op": "recover", "user": user, "code": "right", "ip": ip}
                )
            else:
                requests.append(
                    {"at": login + wait, "op": "verify", "user": user, "code": "right", "ip": ip}
                )
            login += rng.uniform(2 * HOUR, 4 * HOUR)
    write(
        "normal_day",
        {
            "scenario": "Normal day",
            "description": "24 travelers in five countries enroll a phone in the morning and "
            "log in one to three times during the day; a mistyped number, two mistyped codes, "
            "a code read too late and a recovery code.",
        },
        requests,
    )


def sms_pumping(rng: random.Random) -> None:
    """Bots sign up new accounts with numbers on premium-rate and far-away mobile prefixes."""
    premium: list[str] = []
    for region in ("GB", "FR", "DE", "IT", "AT", "CH"):
        premium += numbers(region, PhoneNumberType.PREMIUM_RATE, 12, rng)
    premium += numbers("BE", PhoneNumberType.SHARED_COST, 8, rng)
    foreign: list[str] = []
    for region in ("SL", "GN", "LR", "SO", "TD", "GW", "ML", "KM", "MR", "CU", "TJ", "ZW"):
        foreign += numbers(region, PhoneNumberType.MOBILE, 30, rng)
    rng.shuffle(premium)
    rng.shuffle(foreign)
    requests: list[dict] = []
    counter = 0

    def signup(at: float, ip: str) -> None:
        nonlocal counter
        counter += 1
        phone = premium.pop() if counter % 3 == 0 and premium else foreign.pop()
        requests.append(
            {"at": at, "op": "enroll", "user": f"bot-{counter:04d}", "phone": phone, "ip": ip,
             "user_agent": "python-requests/2.31"}
        )  # fmt: skip

    # Two bursts from one address each: the 50-starts-per-minute limit blocks both.
    for start, ip in ((0.0, "198.51.100.7"), (90.0, "198.51.100.8")):
        for i in range(120):
            signup(start + i * 0.15, ip)
    # Then low and slow from a third address, under the per-IP limit: only number rules help.
    for i in range(120):
        signup(3 * MINUTE + i * 3.0 + rng.uniform(0, 1.5), "203.0.113.200")
    # One account asks again and again for codes to the same far-away number.
    phone = foreign.pop()
    for i in range(14):
        requests.append(
            {"at": 4 * MINUTE + i * 12.0, "op": "enroll", "user": "bot-resend", "phone": phone,
             "ip": "203.0.113.200", "user_agent": "python-requests/2.31"}
        )  # fmt: skip
    write(
        "sms_pumping",
        {
            "scenario": "SMS pumping attack",
            "description": "Bots create accounts and enroll numbers on premium-rate and "
            "far-away mobile prefixes: two fast bursts from single addresses, then a slow "
            "stream from a third, and one account that keeps asking for codes.",
        },
        requests,
    )


def code_guessing(rng: random.Random) -> None:
    """Someone who has Ana's password tries to guess her login codes."""
    victim, home = "ana", "203.0.113.45"
    phone = numbers("ES", PhoneNumberType.MOBILE, 1, rng)[0]
    requests: list[dict] = [
        {"at": 0.0, "op": "enroll", "user": victim, "phone": phone, "ip": home, "language": "es"},
        {"at": 35.0, "op": "verify", "user": victim, "code": "right", "ip": home},
        {"at": 10 * MINUTE, "op": "challenge", "user": victim, "ip": home, "language": "es"},
        {"at": 10 * MINUTE + 25, "op": "verify", "user": victim, "code": "right", "ip": home},
    ]
    attackers = ["192.0.2.66", "192.0.2.67", "198.51.100.99"]
    at = HOUR
    for round_ in range(12):  # a new code each round, then a burst of guesses
        ip = attackers[round_ % 3]
        requests.append({"at": at, "op": "challenge", "user": victim, "ip": ip})
        for _ in range(8):
            at += rng.uniform(1.0, 3.0)
            requests.append({"at": at, "op": "verify", "user": victim, "code": "wrong", "ip": ip})
        at += 2 * MINUTE
    # Ana, later, logs in from home: her code still works once the wrong-code bucket refilled.
    requests.append({"at": 3 * HOUR, "op": "challenge", "user": victim, "ip": home})
    requests.append(
        {"at": 3 * HOUR + 30, "op": "verify", "user": victim, "code": "right", "ip": home}
    )
    write(
        "code_guessing",
        {
            "scenario": "Code-guessing attack",
            "description": "Someone with Ana's password asks for login codes from three "
            "addresses and guesses them; the wrong-code and message limits stop them, and Ana "
            "still logs in later.",
        },
        requests,
    )


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    normal_day(random.Random(20260101))
    sms_pumping(random.Random(20260102))
    code_guessing(random.Random(20260103))
    return 0


if __name__ == "__main__":
    sys.exit(main())
