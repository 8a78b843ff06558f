"""One-time codes (HOTP per enrollment) and recovery codes.

Nothing here is stored: the engine keeps the encrypted HOTP secret and each transaction's counter,
and regenerates the code to compare, in constant time. Recovery codes are kept as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp

RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
RECOVERY_LENGTH = 24


def new_hotp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, from `secrets`


def hotp_code(secret: str, counter: int, digits: int) -> str:
    return pyotp.HOTP(secret, digits=digits).at(counter)


def code_format_problem(code: object, digits: int) -> str | None:
    """Why a typed code cannot be a code (None if it can): wrong length or not only digits."""
    if not isinstance(code, str) or not code:
        return "The code is missing."
    if not code.isascii() or not code.isdigit():
        return f"The code must be {digits} digits, without letters or spaces."
    if len(code) != digits:
        return f"The code must be {digits} digits; {len(code)} were given."
    return None


def codes_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))


def normalize_recovery_code(text: object) -> str | None:
    """Users copy codes with spaces or dashes and in lower case; None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(cleaned) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_recovery_code(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def hashes_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
