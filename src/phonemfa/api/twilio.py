"""Twilio over HTTP: the provider's credentials in Auth0's Management API shape, and the status
callbacks Twilio POSTs after a send (checked against X-Twilio-Signature)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from phonemfa.api.auth import actor, require, service_of
from phonemfa.errors import PhoneMfaError
from phonemfa.service.tokens import TokenClaims

router = APIRouter()

Reader = Annotated[TokenClaims, Depends(require("read:guardian_factors"))]
Updater = Annotated[TokenClaims, Depends(require("update:guardian_factors"))]
MAX_CALLBACK_BYTES = 64 * 1024


class TwilioProviderBody(BaseModel):
    """Every field optional and nullable: absent keeps, null clears, a mask keeps the token."""

    model_config = ConfigDict(extra="forbid", strict=True)

    from_: str | None = Field(default=None, alias="from")
    messaging_service_sid: str | None = None
    auth_token: str | None = None
    sid: str | None = None


class TwilioProviderOut(BaseModel):
    from_: str | None = Field(default=None, alias="from")
    messaging_service_sid: str | None = None
    auth_token: str | None = Field(default=None, description="Masked: •••••••• + last 4")
    sid: str | None = None


def _shown(request: Request) -> dict[str, Any]:
    config = service_of(request).twilio_config()
    return {
        "from": config.from_,
        "messaging_service_sid": config.messaging_service_sid,
        "auth_token": config.auth_token_hint,
        "sid": config.sid,
    }


def get_twilio(request: Request, _: Reader) -> dict[str, Any]:
    return _shown(request)


def put_twilio(body: TwilioProviderBody, request: Request, claims: Updater) -> dict[str, Any]:
    sent = body.model_dump(by_alias=True, exclude_unset=True)
    if "messaging_service_sid" in sent:
        # Auth0's API has no "SMS source": giving a Messaging Service means SMS go through it.
        sent["sms_source"] = "messaging_service" if sent["messaging_service_sid"] else "from"
    service_of(request).save_twilio_config(sent, actor=actor(claims))
    return _shown(request)


for _prefix, _deprecated in (("/factors/phone", False), ("/factors/sms", True)):
    for _method, _endpoint in (("GET", get_twilio), ("PUT", put_twilio)):
        router.add_api_route(
            f"/api/v2/guardian{_prefix}/providers/twilio",
            _endpoint,
            methods=[_method],
            response_model=TwilioProviderOut,
            deprecated=_deprecated,
            tags=["guardian factors"],
        )


@router.post("/twilio/status", status_code=204, tags=["twilio"])
async def twilio_status(request: Request) -> Response:
    """Twilio's status callbacks (StatusCallback): 403 unless X-Twilio-Signature checks out."""
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise PhoneMfaError("The callback body is too large.", code="payload_too_large", status=413)
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    signature = request.headers.get("x-twilio-signature")
    service = service_of(request)
    await run_in_threadpool(service.record_twilio_status, form, signature)
    return Response(status_code=204)
