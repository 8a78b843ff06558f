"""Management API: the tenant log (`/api/v2/logs`), Auth0's paging and search parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from phonemfa.api.auth import require, service_of
from phonemfa.core.events import Event
from phonemfa.core.logquery import InvalidQuery
from phonemfa.service.tokens import TokenClaims

router = APIRouter(prefix="/api/v2", tags=["logs"])
Reader = Annotated[TokenClaims, Depends(require("read:logs"))]


def _project(event: Event, fields: str | None, include: bool) -> dict[str, Any]:
    body = event.to_json()
    if not fields:
        return body
    names = {name.strip() for name in fields.split(",") if name.strip()}
    return {k: v for k, v in body.items() if (k in names) == include}


@router.get("/logs")
def list_logs(
    request: Request,
    _: Reader,
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
    include_totals: bool = False,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    search: Annotated[str | None, Query(max_length=1000)] = None,
    sort: str | None = None,
    fields: Annotated[str | None, Query(max_length=1000)] = None,
    include_fields: bool = True,
    from_: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    take: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Any:
    """Newest first by default. With `from` (a log_id) or `take`, checkpoint paging: the events
    after `from`, oldest first, and `q`, `page` and `sort` are ignored (as in Auth0)."""
    service = service_of(request)
    if from_ is not None or take is not None:
        events = service.logs_from(from_, take or 50)
        return [_project(e, fields, include_fields) for e in events]
    if sort not in (None, "", "date:-1", "date:1"):
        raise InvalidQuery("Invalid query string: sort must be date:1 or date:-1.")
    result = service.search_logs(
        q=q if q is not None else search,
        page=page,
        per_page=per_page,
        include_totals=include_totals,
        ascending=sort == "date:1",
    )
    logs = [_project(e, fields, include_fields) for e in result.logs]
    if not include_totals:
        return logs
    return {
        "start": result.start,
        "limit": result.limit,
        "length": len(logs),
        "total": result.total,
        "logs": logs,
    }


@router.get("/logs/{log_id}")
def get_log(log_id: str, request: Request, _: Reader) -> dict[str, Any]:
    return service_of(request).get_log(log_id).to_json()
