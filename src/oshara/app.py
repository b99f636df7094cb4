"""FastAPI application factory: routers, middleware and the one error handler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from oshara import __version__
from oshara.config import Settings, get_settings
from oshara.db.engine import create_engine, create_sessionmaker
from oshara.db.errors import install_database_errors, unavailable_or_none
from oshara.errors import OsharaError, ValidationFailed
from oshara.http import field_errors
from oshara.middleware import BodyLimitMiddleware, CorsMiddleware

log = logging.getLogger("oshara")

PUBLIC_URL_REQUIRED = (
    "OSHARA_PUBLIC_URL must be set in production (e.g. https://voice.example.com): it is the "
    "origin of the pages this server serves (/try, the dashboard) and the base of the "
    "session URLs it hands out; without it they would come from the request's Host header, "
    "which any client can set"
)


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return {"detail": "Request body is not valid JSON"}
    return ValidationFailed(field_errors(errors)).body()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OsharaError)
    async def _oshara(_: Request, exc: OsharaError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    install_database_errors(app)  # 503 + Retry-After for a database outage

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        if (unavailable := unavailable_or_none(request, exc)) is not None:
            return unavailable
        log.error(
            "unhandled error on %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc_info=exc,
        )
        return JSONResponse({"detail": "Internal server error"}, status_code=500)


def _documents_own_400(responses: dict[str, Any]) -> bool:
    """An endpoint that declares a specific 400 body (not the generic ``ErrorBody``) keeps it."""
    schema = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
    return schema is not None and schema != {"$ref": "#/components/schemas/ErrorBody"}


def install_openapi(app: FastAPI) -> None:
    """Document what the server really sends: validation errors are 400 ``{detail, errors}``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["ValidationErrorBody"] = {
            "type": "object",
            "required": ["detail"],
            "properties": {
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
        ref = {"$ref": "#/components/schemas/ValidationErrorBody"}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if "422" in responses:
                    del responses["422"]
                    if not _documents_own_400(responses):
                        responses["400"] = {
                            "description": "Invalid request: each error names its field",
                            "content": {"application/json": {"schema": ref}},
                        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The database must already be migrated (``oshara migrate``)."""
    settings = settings or get_settings()
    if settings.env == "production" and not settings.public_url:
        raise ValueError(PUBLIC_URL_REQUIRED)
    settings.ensure_secret()
    if settings.env == "test":
        from oshara.auth.passwords import use_cheapest_hashing

        use_cheapest_hashing()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.voice = None
        from oshara.ratelimit import RateLimiter

        app.state.rate_limiter = RateLimiter(settings)  # fresh per app: tests never share
        if settings.agent_enabled:
            from oshara.sessions.agent_runtime import AgentRuntime

            app.state.voice = AgentRuntime.create(settings, sessionmaker=app.state.sessionmaker)
        from oshara.reload import install_sighup_reload

        uninstall_reload = install_sighup_reload(settings)  # OSHARA_EGRESS_ALLOW without restart
        try:
            yield
        finally:
            uninstall_reload()
            if app.state.voice is not None:
                await app.state.voice.shutdown()
            from oshara.knowledge import ingest

            await ingest.shutdown()
            await app.state.rate_limiter.close()
            await engine.dispose()

    app = FastAPI(
        title="Oshara API",
        version=__version__,
        description="Voice AI agents for websites. Self-hosted, offline by default.",
        openapi_url="/api/schema/",
        docs_url=None,  # /api/docs/ is webassets.api_docs: Swagger UI without a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)

    from oshara.auth.endpoints import keys_router
    from oshara.auth.endpoints import router as auth_router
    from oshara.characters.endpoints import router as characters_router
    from oshara.forms.endpoints import router as forms_router
    from oshara.health import router as health_router
    from oshara.knowledge.endpoints import router as knowledge_router
    from oshara.knowledge.limits import KnowledgeLimits, body_limit_overrides
    from oshara.orgs.endpoints import router as organization_router
    from oshara.providers.endpoints import router as models_router
    from oshara.sessions.endpoints import public_router as sessions_public_router
    from oshara.sessions.endpoints import router as sessions_router
    from oshara.sessions.events import router as session_events_router
    from oshara.sessions.runtime import router as live_router
    from oshara.stats.endpoints import router as stats_router
    from oshara.webassets import router as webassets_router

    for router in (
        health_router,
        auth_router,
        keys_router,
        organization_router,
        characters_router,
        knowledge_router,
        sessions_public_router,
        sessions_router,
        session_events_router,
        live_router,
        forms_router,
        models_router,
        stats_router,
        webassets_router,
    ):
        app.include_router(router)

    install_openapi(app)
    app.add_middleware(CorsMiddleware, api_origins=settings.cors_origins)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        overrides=body_limit_overrides(KnowledgeLimits.from_settings(settings)),
    )
    return app
