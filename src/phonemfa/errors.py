"""Domain errors with stable codes; the front doors translate them to their own shapes."""

from __future__ import annotations

from typing import Any


class PhoneMfaError(Exception):
    """Base of every error the service raises on purpose.

    `code` is stable and machine-readable (Auth0's errorCode / Guardian error names);
    `status` is the HTTP status an API answers with; `message` is plain words for a person.
    """

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class ValidationError(PhoneMfaError):
    code = "invalid_body"
    status = 400


class NotFoundError(PhoneMfaError):
    code = "not_found"
    status = 404


class ForbiddenError(PhoneMfaError):
    code = "forbidden"
    status = 403


class ConflictError(PhoneMfaError):
    code = "conflict"
    status = 409


class RateLimitedError(PhoneMfaError):
    code = "too_many_requests"
    status = 429


class StorageError(PhoneMfaError):
    """The database could not be written (disk full, read-only file, locked for too long)."""

    code = "storage_error"
    status = 503
