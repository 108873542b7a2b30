"""The FastAPI application: routers, middleware, JSON errors, metrics."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cache import TTLCache
from api.db import make_async_engine
from api.observability import ObservabilityMiddleware, configure_access_log
from api.routes import auth, cars, crawls, health
from api.security import AccessTokens, check_secret_key, dummy_hash
from core.db import make_engine, session_factory
from core.settings import Settings, get_settings

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"

logger = logging.getLogger("api")


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # Only where and why: echoing the input back could echo a password.
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    # Unreachable, or a pooled connection that a restart cut (the pool replaces it): 503.
    assert isinstance(error, DBAPIError)
    if not (isinstance(error, OperationalError) or error.connection_invalidated):
        return await _crash(request, error)
    logger.warning("database unavailable: %s", type(error).__name__)
    return JSONResponse(
        {"detail": "Database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE
    )


async def _crash(request: Request, error: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(
        {"detail": "Internal Server Error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for `settings` (default: the environment's)."""
    settings = settings or get_settings()
    check_secret_key(settings)
    dummy_hash()  # made now, so the first unknown-user login is no slower than the others
    engine = make_async_engine(settings)
    # For the scheduler's blocking code (POST /api/crawls), run in worker threads.
    sync_engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()
        sync_engine.dispose()

    app = FastAPI(
        title="carsensor platform API",
        version="0.1.0",
        description="Used-car listings from carsensor.net. Sign in with POST /api/login.",
        lifespan=lifespan,
        # Metrics are Prometheus's (/metrics) and logs our JSON lines: FastAPI's OpenTelemetry
        # hooks would only look for providers that are never set, on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    app.state.sync_sessions = session_factory(sync_engine)
    app.state.cache = TTLCache[Any](settings.count_cache_seconds)
    app.state.tokens = AccessTokens(settings)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(ObservabilityMiddleware)
    configure_access_log()
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _crash)

    app.include_router(auth.router)
    app.include_router(cars.router)
    app.include_router(crawls.router)
    app.include_router(health.router)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # Registered last: an unknown /api path is a JSON 404, never the SPA's catch-all page.
    @app.api_route(
        "/api/{path:path}",
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
        response_model=None,
    )
    async def api_not_found(path: str) -> NoReturn:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")

    if (WEB_DIST / "index.html").is_file():
        # The built SPA (web/: npm ci && npm run build). Checked after every route, so the API
        # and the JSON 404 of unknown /api paths answer first; client routes get index.html.
        app.frontend("/", directory=WEB_DIST, fallback="index.html")
    return app
