"""Masks for what must never be shown in full: phone numbers in logs, secrets on screen."""

from __future__ import annotations

MASK_DOT = "\u2022"  # •


def mask_phone(number: str | None) -> str | None:
    """`+14155550123` -> `+1•••••••0123`: the first digit and the last 4, a fixed-width mask
    between (so the mask does not leak the number's length)."""
    if not number:
        return number
    digits = number.lstrip("+")
    if len(digits) <= 6:
        return MASK_DOT * 7
    head = "+" + digits[0] if number.startswith("+") else digits[0]
    return head + MASK_DOT * 7 + digits[-4:]


def mask_secret(value: str | None) -> str | None:
    """`••••••••` + the last 4 characters; short secrets are masked whole."""
    if not value:
        return None
    if len(value) < 12:
        return MASK_DOT * 8
    return MASK_DOT * 8 + value[-4:]


def is_masked(value: str | None) -> bool:
    """True when a client sent back a mask we produced (meaning: keep the stored secret)."""
    return bool(value) and value.startswith(MASK_DOT * 8)  # type: ignore[union-attr]
