"""A phone number as a person types it, checked live: national (with a country) or E.164.

The simulator shows, keystroke by keystroke, what the engine will make of the number: the country,
the line type, the international format, and whether the number rules would let a code through.
Pure: phonenumbers and the settings values only.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers

from phonemfa.core.phones import REGIONS, PhoneNumber, PhoneParseError, parse_phone
from phonemfa.core.rules import check_destination


@dataclass(frozen=True)
class Country:
    region: str  # ISO 3166 alpha-2
    name: str
    calling_code: int

    @property
    def label(self) -> str:
        return f"{self.name} (+{self.calling_code})"


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """Every region phonenumbers knows, by name."""
    names = _english_names()
    found = [
        Country(region, names.get(region) or region, phonenumbers.country_code_for_region(region))
        for region in REGIONS
    ]
    return tuple(sorted(found, key=lambda c: c.name))


def _english_names() -> dict[str, str]:
    """Region -> English name, from phonenumbers' locale table read on its own.

    `phonenumbers.geocoder` has the same names, but importing it (or anything under
    `phonenumbers.geodata`) loads the place names of every number prefix: ~100 MB of RSS in every
    console process (benchmarks/bench_console measured 111 -> 211 MB). Region codes stand in for
    names if the table cannot be read.
    """
    path = Path(phonenumbers.__file__).with_name("geodata") / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)  # not in sys.modules: the table only
    try:
        spec.loader.exec_module(module)
        table: dict[str, dict[str, str]] = module.LOCALE_DATA
    except Exception:  # noqa: BLE001 - a different phonenumbers layout: fall back to codes
        return {}
    names = {}
    for region, by_language in table.items():
        name = by_language.get("en", "")
        if name.startswith("*"):  # "*xx": the name is the one given for language xx
            name = by_language.get(name[1:], "")
        names[region] = name
    return names


@dataclass(frozen=True)
class PhoneInputCheck:
    ok: bool
    text: str  # what to hand to the engine: E.164 when the number could be read, else as typed
    number: PhoneNumber | None = None
    formatted: str = ""  # international format, e.g. +1 415-555-0123
    problem: str = ""  # why the number is refused (parsing or a number rule)
    rule: str = ""  # the number rule that would refuse it, if any


def check_phone_input(
    text: str, region: str | None, channel: str, values: dict[str, Any]
) -> PhoneInputCheck:
    """Read `text` as the engine would once it is sent as E.164, and try the number rules."""
    typed = text.strip()
    number = _readable(typed, region)
    e164 = (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if number is not None
        else typed
    )
    try:
        parsed = parse_phone(e164, region)
    except PhoneParseError as exc:
        return PhoneInputCheck(False, e164, problem=str(exc))
    assert number is not None  # parse_phone accepted it, so phonenumbers read it
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    verdict = check_destination(parsed, channel, values)
    if not verdict.ok:
        return PhoneInputCheck(False, e164, parsed, formatted, verdict.detail, verdict.rule)
    return PhoneInputCheck(True, e164, parsed, formatted)


def _readable(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    if not text or len(text) > 64:
        return None
    try:
        return phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
