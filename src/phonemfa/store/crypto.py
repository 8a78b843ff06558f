"""The instance key: encrypts secrets at rest (Fernet) and signs API tokens (derived HMAC key)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from phonemfa.errors import PhoneMfaError

KEY_ENV = "PHONEMFA_SECRET_KEY"


def load_or_create_key(key_path: Path) -> bytes:
    """The Fernet key from PHONEMFA_SECRET_KEY, else the key file (created 0600 on first run)."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        key = from_env.strip().encode()
        _check(key, KEY_ENV)
        return key
    try:
        key = key_path.read_bytes().strip()
    except FileNotFoundError:
        key = Fernet.generate_key()
        key_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return load_or_create_key(key_path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key + b"\n")
        return key
    _check(key, str(key_path))
    return key


def _check(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError) as exc:
        raise PhoneMfaError(
            f"The secret key in {where} is not a valid Fernet key (32 url-safe base64 bytes).",
            code="invalid_secret_key",
        ) from exc


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        raw = base64.urlsafe_b64decode(key)
        self.signing_key = self.derive(raw, b"phonemfa api token signing")
        self.hash_key = self.derive(raw, b"phonemfa recovery code hashing")

    @staticmethod
    def derive(raw: bytes, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)

    def encrypt(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise PhoneMfaError(
                "A stored secret cannot be decrypted with this instance key "
                "(was PHONEMFA_SECRET_KEY or the key file changed?).",
                code="secret_key_mismatch",
                status=500,
            ) from exc
