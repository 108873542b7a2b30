"""Health, metrics, the request log, JSON errors, CORS, OpenAPI, create_admin."""

import importlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api import create_admin
from api.app import create_app
from api.observability import access_log
from api.security import AccessTokens, create_access_token, decode_access_token
from core import read
from core.logs import JsonFormatter
from core.models import User, utcnow
from core.settings import Settings, get_settings
from tests.api.conftest import ADMIN_PASSWORD, TEST_SECRET
from tests.factories import listing as car
from tests.factories import store

# A PostgreSQL URL on a port nothing listens on: the database is "down".
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:9/carsensor?connect_timeout=2"


def test_health_reports_the_last_crawl(client: TestClient, session: Session) -> None:
    assert client.get("/api/health").json()["last_crawl_at"] is None
    seen = utcnow() - timedelta(hours=2)
    store(session, car("H1"), at=seen - timedelta(days=1))
    store(session, car("H2"), at=seen)
    store(session, car("H3", is_active=False), at=seen + timedelta(hours=1))
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["last_crawl_at"].replace("Z", "+00:00") == seen.isoformat()


def test_health_is_503_when_the_database_is_down() -> None:
    settings = Settings(database_url=DOWN_URL, secret_key=TEST_SECRET)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/api/health")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "database": "unreachable",
            "last_crawl_at": None,
            "data_age_seconds": None,
            "reasons": [],
        }
        # Any other endpoint that needs the database answers 503 JSON too, not a crash.
        login = client.post("/api/login", json={"username": "admin", "password": "x"})
        assert login.status_code == 503
        assert login.json() == {"detail": "Database unavailable"}


def test_unknown_api_paths_are_json_404(client: TestClient, auth: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/nope"),
        ("GET", "/api/cars/1/extra"),
        ("POST", "/api/cars/facets/x"),
        ("DELETE", "/api/anything/at/all"),
        ("GET", "/api"),
        ("GET", "/not-api"),
    ]:
        response = client.request(method, path, headers=auth)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not Found"}


def test_errors_are_json_without_a_traceback(
    client: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom: internal detail /etc/secret")

    monkeypatch.setattr(read, "facets", explode)
    response = client.get("/api/cars/facets", headers=auth)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "boom" not in response.text and "Traceback" not in response.text


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    """The access log's lines, captured."""
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter("api"))
    access_log.addHandler(handler)
    yield lines
    access_log.removeHandler(handler)


def test_each_request_is_one_json_log_line_without_secrets(
    client: TestClient, admin: User, access_lines: list[str]
) -> None:
    token = client.post("/api/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    access = token.json()["access_token"]
    client.get(
        "/api/cars?q=secret-query&password=hunter2", headers={"Authorization": f"Bearer {access}"}
    )
    client.get("/api/cars/999999", headers={"Authorization": f"Bearer {access}"})
    assert len(access_lines) == 3
    records = [json.loads(line) for line in access_lines]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("POST", "/api/login", 200),
        ("GET", "/api/cars", 200),
        ("GET", "/api/cars/999999", 404),
    ]
    assert all(isinstance(r["duration_ms"], float) and r["duration_ms"] >= 0 for r in records)
    text = "\n".join(access_lines)
    for secret in (ADMIN_PASSWORD, access, "hunter2", "secret-query", "refresh_token"):
        assert secret not in text


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    client.get("/api/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'api_requests_total{method="GET",route="/api/health",status="200"}' in response.text
    assert "api_request_duration_seconds_bucket" in response.text


def test_cors_allows_only_the_configured_origins(client: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    allowed = client.options("/api/cars", headers={"Origin": "https://app.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    denied = client.options("/api/cars", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers


def test_openapi_documents_the_filters_and_both_login_bodies(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/cars"]["get"]["parameters"]}
    assert {"make", "model", "q", "year_min", "price_max", "color", "sort", "page"} <= names
    sort = next(p for p in spec["paths"]["/api/cars"]["get"]["parameters"] if p["name"] == "sort")
    assert "-updated" in json.dumps(sort["schema"])
    content = spec["paths"]["/api/login"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
    assert (
        spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"][
            "tokenUrl"
        ]
        == "/api/login"
    )


def test_list_parameters_are_the_filters_then_the_page(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    listed = paths["/api/cars"]["get"]["parameters"]
    exported = paths["/api/cars/export.csv"]["get"]["parameters"]
    assert listed[: len(exported)] == exported
    assert [p["name"] for p in listed[len(exported) :]] == ["page", "page_size", "cursor"]


def test_create_admin_is_idempotent(settings: Settings, session: Session, app: FastAPI) -> None:
    configured = settings.model_copy(update={"admin_password": SecretStr("first password")})
    assert create_admin.main(configured) == 0
    assert create_admin.main(configured) == 0
    users = session.scalars(select(User)).all()
    assert [(u.username, u.is_admin) for u in users] == [("admin", True)]
    first_hash = users[0].password_hash
    assert first_hash.startswith("$argon2") and "first password" not in first_hash

    changed = settings.model_copy(update={"admin_password": SecretStr("second password")})
    assert create_admin.main(changed) == 0
    session.expire_all()
    assert session.scalars(select(User)).one().password_hash != first_hash
    with TestClient(app) as client:
        ok = client.post("/api/login", json={"username": "admin", "password": "second password"})
        assert ok.status_code == 200
        old = client.post("/api/login", json={"username": "admin", "password": "first password"})
        assert old.status_code == 401


def test_create_admin_needs_a_password(settings: Settings) -> None:
    assert create_admin.main(settings.model_copy(update={"admin_password": None})) == 2


def test_a_remembered_access_token_still_expires(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = AccessTokens(settings)
    token = create_access_token(7, settings=settings, now=utcnow())
    decoded: list[str] = []

    def decode(token: str, *, settings: Settings) -> dict[str, Any]:
        decoded.append(token)
        return decode_access_token(token, settings=settings)

    monkeypatch.setattr("api.security.decode_access_token", decode)
    assert tokens.user_id(token) == 7 and tokens.user_id(token) == 7
    assert decoded == [token]  # verified once, then remembered...
    expiry = time.time() + settings.access_token_minutes * 60
    monkeypatch.setattr("api.security.time.time", lambda: expiry)
    assert tokens.user_id(token) == 7  # (PyJWT's own clock still says valid)
    assert decoded == [token, token]  # ...but only until its exp: then checked afresh
    with pytest.raises(jwt.InvalidSignatureError):
        tokens.user_id(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_totals_are_kept_until_the_cars_change(
    settings: Settings, session: Session, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[object] = []
    count = read.count_cars

    async def counting(filters: Any, *, session: Any) -> int:
        counted.append(filters)
        return await count(filters, session=session)

    monkeypatch.setattr(read, "count_cars", counting)
    store(session, car("T1"))
    cached = create_app(settings.model_copy(update={"totals_check_seconds": 1e-9}))
    with TestClient(cached) as client:
        for _ in range(3):
            assert client.get("/api/cars", headers=auth).json()["total"] == 1
        assert len(counted) == 1  # every sort and page shares the filter set's total
        assert client.get("/api/cars?sort=price&page=2", headers=auth).json()["total"] == 1
        assert len(counted) == 1
        store(session, car("T2"))  # a crawl stored a listing: the next request counts again
        assert client.get("/api/cars", headers=auth).json()["total"] == 2
        assert len(counted) == 2


def test_the_uvicorn_entry_point_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The entry point sets up the process's logging: the test's process keeps its own.
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    monkeypatch.setattr(logging.root, "level", logging.root.level)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    try:
        main = importlib.import_module("api.main")
        app = importlib.reload(main).app
        assert app.state.settings.database_url.endswith("env.db")
        assert app.state.settings.secret_key.get_secret_value() == TEST_SECRET
    finally:
        get_settings.cache_clear()


def test_a_connection_dropped_under_the_api_is_a_503_then_replaced(
    db_url: str, client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("terminates PostgreSQL backends")
    store(session, car("K1"))
    # The list reads through the driver directly, the facets through SQLAlchemy's session.
    for path in ("/api/cars", "/api/cars/facets"):
        assert client.get(path, headers=auth).status_code == 200
        session.execute(  # a database restart, as the API's pooled connections see it
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        session.commit()
        dropped = client.get(path, headers=auth)
        assert dropped.status_code == 503, path
        assert dropped.json() == {"detail": "Database unavailable"}
        assert client.get(path, headers=auth).status_code == 200, path
