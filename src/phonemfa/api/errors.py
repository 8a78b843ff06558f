"""Every error leaves in its documented shape: Management API (`statusCode`, `error`, `message`,
`errorCode`) under /api/v2 and elsewhere, OAuth (`error`, `error_description`) under /mfa and /oauth.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from phonemfa.errors import PhoneMfaError

log = logging.getLogger("phonemfa.api")
OAUTH_PREFIXES = ("/mfa/", "/oauth/")

_TYPE_NAMES = {
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "str": "string",
    "list": "array",
    "dict": "object",
    "NoneType": "null",
}


def _json_type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def describe_validation(errors: list[dict[str, Any]]) -> str:
    """Pydantic's error list, said the way Auth0 says it."""
    if not errors:
        return "Payload validation error: 'Invalid request body'."
    err = errors[0]
    kind = err.get("type", "")
    loc = [str(part) for part in err.get("loc", ()) if part != "body"]
    prop = ".".join(loc)
    if kind == "json_invalid":
        return "Payload validation error: 'Invalid JSON body'."
    if kind == "extra_forbidden":
        return f"Payload validation error: 'Additional properties not allowed: {prop}'."
    if kind == "missing":
        if not prop:
            return "Payload validation error: 'Missing request body'."
        return f"Payload validation error: 'Missing required property: {prop}'."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        where = f" on property {prop}" if prop else ""
        found = _json_type(err.get("input"))
        return f"Payload validation error: 'Expected type object but found type {found}'{where}."
    expected = {
        "bool_type": "boolean",
        "bool_parsing": "boolean",
        "int_type": "integer",
        "int_parsing": "integer",
        "string_type": "string",
        "list_type": "array",
        "float_type": "number",
        "int_from_float": "integer",
    }.get(kind)
    if expected:
        found = _json_type(err.get("input"))
        return (
            f"Payload validation error: 'Expected type {expected} but found type {found}' "
            f"on property {prop}."
        )
    return f"Payload validation error: '{err.get('msg', 'invalid value')}' on property {prop}."


def error_response(
    request: Request,
    status: int,
    message: str,
    code: str | None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if request.url.path.startswith(OAUTH_PREFIXES):
        body: dict[str, Any] = {"error": code or "invalid_request", "error_description": message}
    else:
        body = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
        if code:
            body["errorCode"] = code
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(PhoneMfaError)
    async def domain_error(request: Request, exc: PhoneMfaError) -> JSONResponse:
        message = exc.message
        if exc.code == "invalid_body" and not message.startswith(
            ("Payload validation", "Invalid ")
        ):
            message = f"Payload validation error: {message}"
        headers = (
            {"Retry-After": str(exc.details["retry_after"])}
            if "retry_after" in exc.details
            else None
        )
        return error_response(request, exc.status, message, exc.code, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("loc", ("",))[0] in ("query", "path") for e in errors):
            err = errors[0]
            where = ".".join(str(p) for p in err.get("loc", ())[1:])
            return error_response(
                request,
                400,
                f"Query validation error: '{err.get('msg')}' on property {where}.",
                "invalid_query_string",
            )
        return error_response(request, 400, describe_validation(errors), "invalid_body")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = "Not Found: no such endpoint."
        return error_response(request, exc.status_code, message, code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            request, 500, "Internal error; the operator log has details.", "internal_error"
        )
