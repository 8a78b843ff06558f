"""Management API: enrollments (`/users/{id}/enrollments`, `/guardian/enrollments/{id}`) and IP
blocks (`/anomaly/blocks/ips/{ip}`), Auth0's paths and shapes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from phonemfa.api.auth import actor, require, service_of
from phonemfa.clock import iso
from phonemfa.errors import NotFoundError, PhoneMfaError, ValidationError
from phonemfa.service.tokens import TokenClaims

router = APIRouter(prefix="/api/v2", tags=["enrollments and blocks"])


ReadUsers = Annotated[TokenClaims, Depends(require("read:users"))]
ReadEnrollments = Annotated[TokenClaims, Depends(require("read:guardian_enrollments"))]
DeleteEnrollments = Annotated[TokenClaims, Depends(require("delete:guardian_enrollments"))]
ReadBlocks = Annotated[TokenClaims, Depends(require("read:anomaly_blocks"))]
DeleteBlocks = Annotated[TokenClaims, Depends(require("delete:anomaly_blocks"))]


@router.get("/users/{user_id}/enrollments")
def user_enrollments(user_id: str, request: Request, _: ReadUsers) -> list[dict[str, Any]]:
    try:
        listed = service_of(request).list_enrollments(user_id)
    except ValidationError as exc:
        raise PhoneMfaError(exc.message, code="invalid_uri", status=400) from None
    return [e.to_api() for e in listed]


@router.get("/guardian/enrollments/{enrollment_id}")
def get_enrollment(enrollment_id: str, request: Request, _: ReadEnrollments) -> dict[str, Any]:
    return service_of(request).get_enrollment(enrollment_id).to_api()


@router.delete("/guardian/enrollments/{enrollment_id}", status_code=204)
def delete_enrollment(enrollment_id: str, request: Request, claims: DeleteEnrollments) -> Response:
    service_of(request).delete_enrollment(enrollment_id, actor=actor(claims))
    return Response(status_code=204)


def _blocked(request: Request, ip: str) -> Any:
    try:
        found = service_of(request).blocked_ip(ip)
    except ValidationError as exc:
        raise PhoneMfaError(exc.message, code="invalid_uri", status=400) from None
    if found is None:
        raise NotFoundError("IP address specified is not currently blocked.", code="not_blocked")
    return found


@router.get("/anomaly/blocks/ips/{ip}")
def check_ip(ip: str, request: Request, _: ReadBlocks) -> dict[str, Any]:
    found = _blocked(request, ip)
    return {
        "ip": found.ip,
        "blocked": True,
        "reason": found.reason,
        "detail": found.detail,
        "blocked_at": iso(found.blocked_at),
    }


@router.delete("/anomaly/blocks/ips/{ip}", status_code=204)
def unblock_ip(ip: str, request: Request, claims: DeleteBlocks) -> Response:
    found = _blocked(request, ip)
    service_of(request).unblock_ip(found.ip, actor=actor(claims))
    return Response(status_code=204)
