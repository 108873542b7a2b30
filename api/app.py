"""The FastAPI application: routers, middleware, JSON errors, metrics."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn

import fastapi_offline
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, OperationalError

from api.accounts import TokenEpochs
from api.headers import (
    SecurityHeadersMiddleware,
    check_cors_origins,
    docs_csp,
    security_headers,
)
from api.observability import REQUEST_ID_HEADER, ObservabilityMiddleware, configure_access_log
from api.routes import auth, cars, crawls, health, market, metrics, reference, searches, users
from api.security import AccessTokens, dummy_hash, with_secret_key
from core import logs
from core.db import async_session_factory, make_async_engine
from core.read import Totals
from core.settings import Settings, get_settings

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
# Swagger UI's and ReDoc's bundles, served from /docs/static: the docs never reach a CDN.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"

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
    # Starlette answers this one outside every middleware, SecurityHeadersMiddleware too.
    hsts = request.app.state.settings.is_production and request.url.scheme == "https"
    headers = security_headers(html=False, hsts=hsts)
    if request_id := logs.bound().get("request_id"):
        headers[REQUEST_ID_HEADER] = request_id
    return JSONResponse(
        {"detail": "Internal Server Error"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        headers=headers,
    )


def _docs_page(page: HTMLResponse) -> Callable[[], Awaitable[HTMLResponse]]:
    """An endpoint answering a docs page with the CSP its inline script needs."""
    headers = {"Content-Security-Policy": docs_csp(bytes(page.body).decode())}

    async def endpoint() -> HTMLResponse:
        return HTMLResponse(page.body, headers=headers)

    return endpoint


def _add_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc (ReDoc) on local assets (FastAPI's self-hosting recipe)."""
    assert app.openapi_url is not None
    app.mount("/docs/static", StaticFiles(directory=DOCS_ASSETS), name="docs-static")
    swagger = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - Swagger UI",
        swagger_js_url="/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/docs/static/swagger-ui.css",
        swagger_favicon_url="/docs/static/favicon.png",
        # Authorize uses the password flow, which never redirects back.
        oauth2_redirect_url=None,
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    redoc = get_redoc_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url="/docs/static/redoc.standalone.js",
        redoc_favicon_url="/docs/static/favicon.png",
        with_google_fonts=False,
    )
    app.add_api_route("/docs", _docs_page(swagger), include_in_schema=False)
    app.add_api_route("/redoc", _docs_page(redoc), include_in_schema=False)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for `settings` (default: the environment's)."""
    settings = settings or get_settings()
    settings = with_secret_key(settings)
    dummy_hash()  # made now, so the first unknown-user login is no slower than the others
    engine = make_async_engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(
        title="carsensor platform API",
        version="0.1.0",
        description="Used-car listings from carsensor.net. Sign in with POST /api/login.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Metrics are Prometheus's (/metrics) and logs our JSON lines: FastAPI's OpenTelemetry
        # hooks would only look for providers that are never set, on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = async_session_factory(engine)
    app.state.totals = Totals(settings.totals_check_seconds)
    app.state.tokens = AccessTokens(settings)
    app.state.token_epochs = TokenEpochs(settings.account_cache_seconds)

    check_cors_origins(settings.cors_origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(ObservabilityMiddleware)
    # Added last, so it wraps the others: CORS preflights get the headers too.
    app.add_middleware(SecurityHeadersMiddleware, production=settings.is_production)
    configure_access_log()
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _crash)

    app.include_router(auth.router)
    app.include_router(cars.router)
    app.include_router(crawls.router)
    app.include_router(health.router)
    app.include_router(market.router)
    app.include_router(metrics.router)
    app.include_router(reference.router)
    app.include_router(searches.router)
    app.include_router(users.router)
    _add_docs(app)

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
