"""Traffic scenarios: JSON lines of timed requests that a replay feeds through the service.

The first line may name the scenario: `{"scenario": "SMS pumping attack", "description": "..."}`.
Every other line is one request, `at` seconds after the scenario's start (never going back):

    {"at": 0, "op": "enroll", "user": "traveler-01", "phone": "+14155550101", "channel": "sms",
     "ip": "203.0.113.11", "language": "en"}
    {"at": 31, "op": "verify", "user": "traveler-01", "code": "right", "ip": "203.0.113.11"}
    {"at": 3600, "op": "challenge", "user": "traveler-01", "ip": "203.0.113.11"}
    {"at": 3640, "op": "recover", "user": "traveler-01", "code": "right"}

`verify` checks the user's latest code of the replay: `right` (the code their phone received),
`wrong` (a code that is certainly not it, so figures repeat exactly; a real guess is wrong all but
once in a million) or literal digits. `recover` takes `right` (the user's current recovery code),
`wrong` or a literal code. Pure: parsing only, the replay lives in the service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPS = ("enroll", "challenge", "verify", "recover", "unenroll")
CHANNELS = ("sms", "voice")
FIELDS = {"at", "op", "user", "phone", "channel", "ip", "code", "language", "user_agent"}
MAX_REQUESTS = 100_000


class ScenarioError(ValueError):
    """A scenario file that cannot be replayed; the message names the line."""


@dataclass(frozen=True)
class Request:
    line: int  # in the file, for messages
    at: float  # seconds after the scenario's start
    op: str
    user: str
    phone: str | None = None
    channel: str | None = None
    ip: str | None = None
    code: str | None = None
    language: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    requests: tuple[Request, ...]

    @property
    def duration(self) -> float:
        return self.requests[-1].at if self.requests else 0.0


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"No scenario file {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"The scenario file {path} cannot be read: {exc}.") from None
    return parse_scenario(text, default_name=path.stem.replace("_", " "))


def parse_scenario(text: str, *, default_name: str = "scenario") -> Scenario:
    name, description = default_name, ""
    requests: list[Request] = []
    last_at = 0.0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError as exc:
            raise ScenarioError(f"Line {number}: not JSON ({exc.msg}).") from None
        if not isinstance(item, dict):
            raise ScenarioError(f"Line {number}: a request is a JSON object.")
        if "scenario" in item and not requests:
            name = _text(item, "scenario", number) or name
            description = _text(item, "description", number) or ""
            continue
        request = _request(item, number)
        if request.at < last_at:
            raise ScenarioError(
                f"Line {number}: at={request.at:g} goes back in time (previous {last_at:g})."
            )
        last_at = request.at
        requests.append(request)
        if len(requests) > MAX_REQUESTS:
            raise ScenarioError(f"A scenario holds at most {MAX_REQUESTS} requests.")
    if not requests:
        raise ScenarioError("The scenario has no requests.")
    return Scenario(name, description, tuple(requests))


def _text(item: dict[str, Any], key: str, number: int, limit: int = 500) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ScenarioError(f"Line {number}: {key} must be a text of at most {limit} characters.")
    return value


def _request(item: dict[str, Any], number: int) -> Request:
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        raise ScenarioError(
            f"Line {number}: unknown field {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})."
        )
    at = item.get("at")
    if isinstance(at, bool) or not isinstance(at, int | float) or at < 0 or at != at:
        raise ScenarioError(f"Line {number}: at must be seconds (a number, 0 or more).")
    op = item.get("op")
    if op not in OPS:
        raise ScenarioError(f"Line {number}: op must be one of {', '.join(OPS)}.")
    user = _text(item, "user", number, 200)
    if not user:
        raise ScenarioError(f"Line {number}: every request names its user.")
    channel = _text(item, "channel", number)
    if channel is not None and channel not in CHANNELS:
        raise ScenarioError(f"Line {number}: channel must be sms or voice.")
    request = Request(
        line=number,
        at=float(at),
        op=op,
        user=user,
        phone=_text(item, "phone", number, 64),
        channel=channel,
        ip=_text(item, "ip", number, 64),
        code=_text(item, "code", number, 64),
        language=_text(item, "language", number, 64),
        user_agent=_text(item, "user_agent", number, 512),
    )
    if op == "enroll" and not request.phone:
        raise ScenarioError(f"Line {number}: enroll needs a phone.")
    if op in ("verify", "recover") and not request.code:
        raise ScenarioError(f"Line {number}: {op} needs a code (right, wrong or digits).")
    return request
