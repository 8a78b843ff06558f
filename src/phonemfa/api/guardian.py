"""Management API: the Phone Message factor (`/api/v2/guardian/factors/...`), Auth0's shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from phonemfa.api.auth import actor, require, service_of
from phonemfa.errors import ForbiddenError, NotFoundError, ValidationError
from phonemfa.service.tokens import TokenClaims

router = APIRouter(prefix="/api/v2/guardian", tags=["guardian factors"])

READ = require("read:guardian_factors")
UPDATE = require("update:guardian_factors")
Reader = Annotated[TokenClaims, Depends(READ)]
Updater = Annotated[TokenClaims, Depends(UPDATE)]

# The factor names Auth0 lists; only the Phone Message factor ("sms") is implemented here.
OTHER_FACTORS = (
    "push-notification",
    "otp",
    "email",
    "duo",
    "webauthn-roaming",
    "webauthn-platform",
    "recovery-code",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FactorEnabled(Strict):
    enabled: bool


class FactorListItem(BaseModel):
    name: str
    enabled: bool
    trial_expired: bool = False


class MessageTypes(Strict):
    message_types: list[str]


class SelectedProvider(Strict):
    provider: Literal["auth0", "twilio", "phone-message-hook"] | str


class PhoneSettings(Strict):
    otp_length: int | None = None
    otp_expiration_time: int | None = None


@router.get("/factors", response_model=list[FactorListItem])
def list_factors(request: Request, _: Reader) -> list[dict]:
    service = service_of(request)
    sms = {
        "name": "sms",
        "enabled": service.factor_settings().enabled,
        "trial_expired": service.builtin_trial_expired(),
    }
    return [sms, *({"name": name, "enabled": False} for name in OTHER_FACTORS)]


@router.put("/factors/{name}", response_model=FactorEnabled)
def set_factor(name: str, body: FactorEnabled, request: Request, claims: Updater) -> dict:
    if name in ("sms", "phone"):
        service_of(request).update_settings({"enabled": body.enabled}, actor=actor(claims))
        return {"enabled": body.enabled}
    if name in OTHER_FACTORS:
        if body.enabled:
            raise ForbiddenError(
                f"The {name} factor is not available in phonemfa: only the Phone Message factor "
                "(sms) can be enabled.",
                code="feature_not_enabled",
            )
        return {"enabled": False}
    raise NotFoundError(f"The {name} factor does not exist.", code="inexistent_factor")


@router.get("/factors/phone/message-types", response_model=MessageTypes)
def get_message_types(request: Request, _: Reader) -> dict:
    return {"message_types": list(service_of(request).factor_settings().message_types)}


@router.put("/factors/phone/message-types", response_model=MessageTypes)
def put_message_types(body: MessageTypes, request: Request, claims: Updater) -> dict:
    service = service_of(request)
    service.update_settings({"message_types": body.message_types}, actor=actor(claims))
    return {"message_types": list(service.factor_settings().message_types)}


def _get_provider(request: Request, _: Reader) -> dict:
    return {"provider": service_of(request).factor_settings().provider}


def _put_provider(body: SelectedProvider, request: Request, claims: Updater) -> dict:
    service = service_of(request)
    service.update_settings({"provider": body.provider}, actor=actor(claims))
    return {"provider": service.factor_settings().provider}


for _prefix, _deprecated in (("/factors/phone", False), ("/factors/sms", True)):
    router.add_api_route(
        f"{_prefix}/selected-provider",
        _get_provider,
        methods=["GET"],
        response_model=SelectedProvider,
        deprecated=_deprecated,
    )
    router.add_api_route(
        f"{_prefix}/selected-provider",
        _put_provider,
        methods=["PUT"],
        response_model=SelectedProvider,
        deprecated=_deprecated,
    )


@router.get("/factors/phone/settings", response_model=PhoneSettings)
def get_phone_settings(request: Request, _: Reader) -> dict:
    factor = service_of(request).factor_settings()
    return {"otp_length": factor.otp_length, "otp_expiration_time": factor.otp_expiration_time}


@router.put("/factors/phone/settings", response_model=PhoneSettings)
def put_phone_settings(body: PhoneSettings, request: Request, claims: Updater) -> dict:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ValidationError(
            "Payload validation error: 'Expected at least one of otp_length, otp_expiration_time'."
        )
    service = service_of(request)
    service.update_settings(changes, actor=actor(claims))
    return get_phone_settings(request, claims)
