"""The MFA API an application's backend calls: /mfa/token, /mfa/associate, /mfa/challenge,
/oauth/token (mfa-oob and mfa-recovery-code grants), /mfa/authenticators. Auth0's bodies and ids;
errors in the OAuth shape (api/errors.py does that for /mfa and /oauth).

Bodies are accepted as JSON or as form data, as Auth0 does. The endpoints read the body
themselves (no python-multipart) and run the service in the thread pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from phonemfa.api.auth import require, service_of
from phonemfa.errors import PhoneMfaError
from phonemfa.service.mfa_tokens import MfaTokenClaims
from phonemfa.service.tokens import TokenClaims

router = APIRouter(tags=["MFA API"])
MAX_BODY = 64 * 1024
GRANT_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
GRANT_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
T = TypeVar("T")

# Service error codes said the OAuth way: (error, HTTP status).
OAUTH_ERRORS: dict[str, tuple[str, int]] = {
    "invalid_otp": ("invalid_grant", 403),
    "invalid_otp_format": ("invalid_grant", 403),
    "transaction_not_found": ("invalid_grant", 403),
    "transaction_expired": ("invalid_grant", 403),
    "invalid_recovery_code": ("invalid_grant", 403),
    "too_many_failures": ("too_many_attempts", 429),
    "too_many_attempts": ("too_many_attempts", 429),
    "too_many_sms": ("invalid_request", 429),
    "already_enrolled": ("access_denied", 403),
    "invalid_body": ("invalid_request", 400),
    "user_not_found": ("invalid_grant", 403),
}


def oauth_error(exc: PhoneMfaError) -> PhoneMfaError:
    error, status = OAUTH_ERRORS.get(exc.code, (exc.code, exc.status))
    if exc.code == "transaction_expired" and exc.details.get("reason") == "expired":
        error = "expired_token"
    message = exc.message.removeprefix("Payload validation error: ")
    return PhoneMfaError(message, code=error, status=status, details=exc.details)


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except PhoneMfaError as exc:
        raise oauth_error(exc) from None


async def read_params(request: Request) -> dict[str, Any]:
    """A JSON object or form fields (a repeated field becomes a list)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PhoneMfaError("Request body too large.", code="invalid_request", status=413)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or (
        body.strip().startswith(b"{") and not kind.endswith("form-urlencoded")
    ):
        try:
            value = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise PhoneMfaError("Invalid JSON body.", code="invalid_request") from None
        if not isinstance(value, dict):
            raise PhoneMfaError("The body must be a JSON object.", code="invalid_request")
        return value
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise PhoneMfaError(
            "The body cannot be read as form data.", code="invalid_request"
        ) from None
    return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


def text(params: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise PhoneMfaError(f"Missing required parameter: {name}", code="invalid_request")
        return None
    if not isinstance(value, str) or len(value) > 4096:
        raise PhoneMfaError(f"{name} must be a string.", code="invalid_request")
    return value


def words(params: dict[str, Any], name: str) -> list[str]:
    """An array parameter: a JSON list, repeated form fields, or one space-separated string."""
    value = params.get(name)
    if value is None:
        raise PhoneMfaError(f"Missing required parameter: {name}", code="invalid_request")
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise PhoneMfaError(f"{name} must be a non-empty array of strings.", code="invalid_request")
    return value


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PhoneMfaError(
            "Missing authentication: send Authorization: Bearer <mfa_token>.",
            code="unauthorized",
            status=401,
        )
    return token.strip()


def mfa_claims(request: Request, token: str | None = None) -> MfaTokenClaims:
    try:
        return service_of(request).verify_mfa_token(token or bearer(request))
    except PhoneMfaError as exc:
        raise oauth_error(exc) from None


def user_of_bearer(request: Request) -> str:
    """/mfa/authenticators takes the mfa_token or the access token the MFA API issued."""
    token = bearer(request)
    service = service_of(request)
    try:
        return service.verify_mfa_token(token).user_id
    except PhoneMfaError:
        try:
            return str(service.verify_access_token(token)["sub"])
        except PhoneMfaError as exc:
            raise oauth_error(exc) from None


def language(request: Request) -> str | None:
    value = request.headers.get("x-request-language")
    return value[:100] if value else None


@router.post("/mfa/token")
async def create_mfa_token(
    request: Request, _: Annotated[TokenClaims, Depends(require("create:mfa_tokens"))]
) -> dict[str, Any]:
    """For the application's backend (Management token with create:mfa_tokens): an mfa_token
    for a user who passed the first factor, valid 10 minutes. Body: user_id, ip, user_agent."""
    params = await read_params(request)
    unknown = sorted(set(params) - {"user_id", "ip", "user_agent"})
    if unknown:
        raise PhoneMfaError(
            f"Additional properties not allowed: {', '.join(unknown)}", code="invalid_request"
        )
    token = await call(
        service_of(request).issue_mfa_token,
        text(params, "user_id"),
        ip=text(params, "ip", required=False),
        user_agent=text(params, "user_agent", required=False),
    )
    return {"mfa_token": token, "expires_in": 600, "token_type": "mfa_token"}


@router.post("/mfa/associate")
async def associate(request: Request) -> dict[str, Any]:
    claims = mfa_claims(request)
    params = await read_params(request)
    types = words(params, "authenticator_types")
    if "oob" not in types:
        raise PhoneMfaError(
            "Only the oob authenticator type (SMS or voice) is available.",
            code="unsupported_challenge_type",
        )
    channels = words(params, "oob_channels")
    channel = next((c for c in channels if c in ("sms", "voice")), None)
    if channel is None:
        raise PhoneMfaError(
            "oob_channels must contain sms or voice.", code="unsupported_challenge_type"
        )
    phone = text(params, "phone_number")
    sent = await call(
        service_of(request).start_enrollment,
        claims.user_id,
        phone,
        channel,
        language=language(request),
        ip=claims.ip,
        user_agent=claims.user_agent,
    )
    body: dict[str, Any] = {
        "authenticator_type": "oob",
        "binding_method": "prompt",
        "oob_channel": sent.channel,
        "oob_code": sent.transaction_id,
    }
    if sent.recovery_code:
        body["recovery_codes"] = [sent.recovery_code]
    return body


@router.post("/mfa/challenge")
async def challenge(request: Request) -> dict[str, Any]:
    params = await read_params(request)
    claims = mfa_claims(request, text(params, "mfa_token"))
    types = (text(params, "challenge_type", required=False) or "oob").split()
    if "oob" not in types:
        raise PhoneMfaError(
            "Only the oob challenge type (SMS or voice) is available.",
            code="unsupported_challenge_type",
        )
    authenticator = text(params, "authenticator_id", required=False)
    channel = enrollment_id = None
    if authenticator:
        channel, _, enrollment_id = authenticator.partition("|")
        if channel not in ("sms", "voice") or not enrollment_id:
            raise PhoneMfaError(
                "authenticator_id must be sms|dev_… or voice|dev_….", code="invalid_request"
            )
    sent = await call(
        service_of(request).challenge,
        claims.user_id,
        channel,
        enrollment_id=enrollment_id,
        language=language(request),
        ip=claims.ip,
        user_agent=claims.user_agent,
    )
    return {"challenge_type": "oob", "oob_code": sent.transaction_id, "binding_method": "prompt"}


@router.post("/oauth/token")
async def token(request: Request) -> dict[str, Any]:
    params = await read_params(request)
    grant = text(params, "grant_type")
    service = service_of(request)
    if grant not in (GRANT_OOB, GRANT_RECOVERY):
        raise PhoneMfaError(
            f"Unsupported grant type: {grant}", code="unsupported_grant_type", status=400
        )
    claims = mfa_claims(request, text(params, "mfa_token"))
    if grant == GRANT_OOB:
        verified = await call(
            service.verify,
            text(params, "oob_code"),
            text(params, "binding_code"),
            user_id=claims.user_id,
            ip=claims.ip,
            user_agent=claims.user_agent,
        )
        access, ttl = service.issue_access_token(claims.user_id, ["mfa", verified.channel])
        return {"access_token": access, "token_type": "Bearer", "expires_in": ttl}
    used = await call(
        service.use_recovery_code,
        claims.user_id,
        text(params, "recovery_code"),
        ip=claims.ip,
        user_agent=claims.user_agent,
    )
    access, ttl = service.issue_access_token(claims.user_id, ["mfa", "recovery-code"])
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "recovery_code": used.recovery_code,
    }


@router.get("/mfa/authenticators")
def list_authenticators(request: Request) -> list[dict[str, Any]]:
    return service_of(request).authenticators(user_of_bearer(request))


@router.delete("/mfa/authenticators/{authenticator_id}", status_code=204)
def delete_authenticator(authenticator_id: str, request: Request) -> Response:
    user_id = user_of_bearer(request)
    try:
        service_of(request).delete_authenticator(user_id, authenticator_id, actor=f"mfa:{user_id}")
    except PhoneMfaError as exc:
        raise oauth_error(exc) from None
    return Response(status_code=204)
