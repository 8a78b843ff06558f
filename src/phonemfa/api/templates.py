"""Management API: the message templates (`/api/v2/guardian/factors/phone/templates`).

Both fields are required on PUT, as in Auth0; a template that fails any check is a 400 whose
message is `Invalid enrollment_message template: line N: ...`, and nothing is saved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from phonemfa.api.auth import actor, require, service_of
from phonemfa.service.tokens import TokenClaims

router = APIRouter(prefix="/api/v2/guardian", tags=["guardian factors"])

Reader = Annotated[TokenClaims, Depends(require("read:guardian_factors"))]
Updater = Annotated[TokenClaims, Depends(require("update:guardian_factors"))]


class Templates(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    enrollment_message: str
    verification_message: str


def get_templates(request: Request, _: Reader) -> dict:
    return service_of(request).message_templates().as_dict()


def put_templates(body: Templates, request: Request, claims: Updater) -> dict:
    saved = service_of(request).save_templates(
        actor=actor(claims),
        enrollment_message=body.enrollment_message,
        verification_message=body.verification_message,
    )
    return saved.as_dict()


for _prefix, _deprecated in (("/factors/phone", False), ("/factors/sms", True)):
    router.add_api_route(
        f"{_prefix}/templates",
        get_templates,
        methods=["GET"],
        response_model=Templates,
        deprecated=_deprecated,
        summary="Get the enrollment and verification message templates",
    )
    router.add_api_route(
        f"{_prefix}/templates",
        put_templates,
        methods=["PUT"],
        response_model=Templates,
        deprecated=_deprecated,
        summary="Replace the enrollment and verification message templates",
    )
