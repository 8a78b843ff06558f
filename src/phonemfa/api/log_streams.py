"""Management API: log streams (`/api/v2/log-streams`), Auth0's shapes, type `http`.

The Authorization value is write-only: responses carry its mask, and sending the mask back on a
PATCH keeps the stored value. File sinks are created from the CLI or the console only (an API
client must not choose files on the server), but are listed here.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from phonemfa.api.auth import require, service_of
from phonemfa.api.errors import describe_validation
from phonemfa.errors import ValidationError
from phonemfa.service.streams import UNSET
from phonemfa.service.tokens import TokenClaims

router = APIRouter(prefix="/api/v2/log-streams", tags=["log streams"])
Reader = Annotated[TokenClaims, Depends(require("read:log_streams"))]
Creator = Annotated[TokenClaims, Depends(require("create:log_streams"))]
Updater = Annotated[TokenClaims, Depends(require("update:log_streams"))]
Deleter = Annotated[TokenClaims, Depends(require("delete:log_streams"))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class HttpSink(Strict):
    httpEndpoint: str  # noqa: N815 - Auth0's field names
    httpAuthorization: str | None = None  # noqa: N815
    httpContentType: str | None = None  # noqa: N815
    httpContentFormat: str | None = None  # noqa: N815


class HttpSinkPatch(Strict):
    httpEndpoint: str | None = None  # noqa: N815
    httpAuthorization: str | None = None  # noqa: N815
    httpContentType: str | None = None  # noqa: N815
    httpContentFormat: str | None = None  # noqa: N815


class Filter(Strict):
    type: str = "category"
    name: str


class CreateStream(Strict):
    name: str | None = None
    type: str
    sink: dict[str, Any]
    filters: list[Filter] | None = None
    startFrom: str | None = None  # noqa: N815
    isPriority: Literal[False] | None = None  # noqa: N815 - priority streams: not offered


class PatchStream(Strict):
    name: str | None = None
    status: str | None = None
    sink: HttpSinkPatch | None = None
    filters: list[Filter] | None = None
    isPriority: Literal[False] | None = None  # noqa: N815


@router.get("")
def list_streams(request: Request, _: Reader) -> list[dict[str, Any]]:
    return [s.to_api() for s in service_of(request).list_streams()]


@router.get("/{stream_id}")
def get_stream(stream_id: str, request: Request, _: Reader) -> dict[str, Any]:
    return service_of(request).get_stream(stream_id).to_api()


@router.post("")
def create_stream(body: CreateStream, request: Request, _: Creator) -> dict[str, Any]:
    if body.type != "http":
        raise ValidationError(
            f"Log streams of type {body.type!r} cannot be created over the API: use http "
            "(file sinks are created with `phonemfa streams add --file`)."
        )
    try:
        sink = HttpSink.model_validate(body.sink)
    except PydanticValidationError as exc:
        errors = [{**e, "loc": ("sink", *e.get("loc", ()))} for e in exc.errors()]
        raise ValidationError(describe_validation(errors)) from None
    stream = service_of(request).create_stream(
        name=body.name if body.name is not None else f"Custom Webhook {secrets.token_hex(3)}",
        type="http",
        endpoint=sink.httpEndpoint,
        authorization=sink.httpAuthorization,
        content_type=sink.httpContentType,
        content_format=sink.httpContentFormat,
        filters=_filters(body.filters),
        start_from=body.startFrom,
    )
    return stream.to_api()


@router.patch("/{stream_id}")
def patch_stream(stream_id: str, body: PatchStream, request: Request, _: Updater) -> dict[str, Any]:
    given = body.model_fields_set
    sink = body.sink
    sink_given = sink.model_fields_set if sink else set()

    def field(name: str) -> Any:
        return getattr(sink, name) if sink and name in sink_given else UNSET

    if "httpEndpoint" in sink_given and sink and sink.httpEndpoint is None:
        raise ValidationError("httpEndpoint cannot be null.")
    stream = service_of(request).update_stream(
        stream_id,
        name=body.name if "name" in given and body.name is not None else UNSET,
        status=body.status if "status" in given else UNSET,
        filters=_filters(body.filters) if "filters" in given else UNSET,
        endpoint=field("httpEndpoint"),
        authorization=field("httpAuthorization"),
        content_type=field("httpContentType"),
        content_format=field("httpContentFormat"),
    )
    return stream.to_api()


@router.delete("/{stream_id}", status_code=204)
def delete_stream(stream_id: str, request: Request, _: Deleter) -> Response:
    service_of(request).remove_stream(stream_id)
    return Response(status_code=204)


def _filters(filters: list[Filter] | None) -> list[dict[str, str]] | None:
    return None if filters is None else [f.model_dump() for f in filters]
