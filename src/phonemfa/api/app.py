"""The FastAPI application: one service, several routers, one error shape per API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from phonemfa import __version__
from phonemfa.api import enrollments, errors, guardian, log_streams, logs, mfa
from phonemfa.api import templates as templates_api
from phonemfa.api import twilio as twilio_api
from phonemfa.service import PhoneMfa


def create_app(service: PhoneMfa, *, background: bool = False) -> FastAPI:
    """`background=True` (the `phonemfa api` server) runs the log stream and alert loop."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from phonemfa.logstream import BackgroundLoop

        loop = BackgroundLoop(service).start() if background else None
        try:
            yield
        finally:
            if loop is not None:
                await asyncio.to_thread(loop.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="phonemfa",
        version=__version__,
        description="Management API (Auth0-compatible /api/v2) and MFA API of phonemfa.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    errors.install(app)
    app.add_middleware(JsonBodyMiddleware)
    app.include_router(guardian.router)
    app.include_router(templates_api.router)
    app.include_router(enrollments.router)
    app.include_router(mfa.router)
    app.include_router(twilio_api.router)
    app.include_router(logs.router)
    app.include_router(log_streams.router)
    return app


class JsonBodyMiddleware:
    """Management API bodies are JSON whatever the client labels them (curl -d says form data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/api/")
            and scope["method"] in ("PUT", "POST", "PATCH")
        ):
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = dict(scope, headers=[*headers, (b"content-type", b"application/json")])
        await self.app(scope, receive, send)


def serve(
    service: PhoneMfa, host: str = "127.0.0.1", port: int = 8765, log_level: str = "info"
) -> None:
    import uvicorn

    uvicorn.run(
        create_app(service, background=True),
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
    )
