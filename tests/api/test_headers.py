"""Security headers on every answer, HSTS only over HTTPS in production, the CORS start-up check,
and /docs and /redoc on local assets."""

import base64
import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.app import WEB_DIST, create_app
from api.headers import API_CSP, HSTS, WEB_CSP, check_cors_origins
from core.settings import Settings

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def assert_secure(response: Response, csp: str = API_CSP) -> None:
    """The headers every answer carries, with `csp`, and never HSTS (plain HTTP, not production)."""
    for name, value in COMMON.items():
        assert response.headers.get_list(name) == [value], name
    assert response.headers.get_list("content-security-policy") == [csp]
    assert "strict-transport-security" not in response.headers


def test_json_answers_carry_the_headers(client: TestClient, auth: dict[str, str]) -> None:
    me = client.get("/api/me", headers=auth)
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert_secure(me)


def test_a_401_carries_the_headers(client: TestClient) -> None:
    denied = client.get("/api/me")
    assert denied.status_code == 401
    assert_secure(denied)


def test_404s_carry_the_headers(client: TestClient) -> None:
    for path in ("/api/no-such-thing", "/docs/static/no-such-file.js"):
        missing = client.get(path)
        assert missing.status_code == 404, path
        assert_secure(missing)


def test_metrics_carry_the_headers(client: TestClient) -> None:
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "api_requests_total" in metrics.text
    assert_secure(metrics)


def test_a_cors_preflight_carries_the_headers(client: TestClient) -> None:
    preflight = client.options(
        "/api/login",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert_secure(preflight)


def test_a_server_error_carries_the_headers(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the JSON 404 catch-all
    with TestClient(app, raise_server_exceptions=False) as client:
        crashed = client.get("/api/boom")
    assert crashed.status_code == 500
    assert crashed.json() == {"detail": "Internal Server Error"}
    assert_secure(crashed)


def test_a_304_leaves_the_cached_answers_csp_alone(client: TestClient) -> None:
    """A browser merges a 304's headers into its cached copy: a CSP there would replace it."""
    first = client.get("/docs/static/swagger-ui.css")
    assert first.headers["content-security-policy"] == API_CSP
    again = client.get(
        "/docs/static/swagger-ui.css", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
    assert again.headers["x-content-type-options"] == "nosniff"


@pytest.mark.skipif(
    not (WEB_DIST / "index.html").is_file(),
    reason="web/dist is not built (cd web && npm run build)",
)
def test_the_web_app_gets_its_csp(client: TestClient) -> None:
    for path in ("/", "/cars/1?make=Toyota"):
        index = client.get(path, headers={"Accept": "text/html"})
        assert index.status_code == 200, path
        assert '<div id="root">' in index.text
        assert_secure(index, WEB_CSP)
    # What the CSP relies on: the build has no inline script or style.
    assert "<script>" not in index.text and "<style" not in index.text
    for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', index.text):
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert_secure(served)
    assert "script-src 'self';" in WEB_CSP and "frame-ancestors 'none'" in WEB_CSP


@pytest.mark.parametrize(
    ("env", "base_url", "hsts"),
    [
        ("production", "https://testserver", True),
        ("production", "http://testserver", False),
        ("development", "https://testserver", False),
    ],
)
def test_hsts_only_when_production_serves_https(
    settings: Settings, env: str, base_url: str, hsts: bool
) -> None:
    app = create_app(settings.model_copy(update={"app_env": env}))
    with TestClient(app, base_url=base_url, raise_server_exceptions=False) as client:
        answers = [client.get("/api/me"), client.get("/docs"), client.get("/metrics")]
    for answer in answers:
        expected = [HSTS] if hsts else []
        assert answer.headers.get_list("strict-transport-security") == expected
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_hsts_follows_the_proxys_scheme(settings: Settings) -> None:
    """Behind nginx the scheme is the forwarded one, as uvicorn's proxy headers set it."""
    production = settings.model_copy(update={"app_env": "production"})
    app = ProxyHeadersMiddleware(create_app(production), trusted_hosts="*")
    with TestClient(app, raise_server_exceptions=False) as client:
        forwarded = client.get("/api/me", headers={"X-Forwarded-Proto": "https"})
        plain = client.get("/api/me")
    assert forwarded.headers["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in plain.headers


def test_cors_star_refuses_to_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example,*")
    from_env = Settings(database_url=db_url, secret_key=settings.secret_key)
    assert from_env.cors_origins == ["https://app.example", "*"]
    with pytest.raises(
        RuntimeError, match=r"CORS_ORIGINS=\* is refused: the API allows credentials"
    ):
        create_app(from_env)


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example/",
        "https://app.example/path",
        "https://app.example?x=1",
        "https://app.example#top",
        "https://app.example?",
        "https://user:pw@app.example",
        "https://app.example:port",
        "ftp://app.example",
        "app.example",
        "https://",
        "null",
    ],
)
def test_cors_origins_must_be_bare_origins(settings: Settings, origin: str) -> None:
    with pytest.raises(RuntimeError, match="is not an origin"):
        create_app(settings.model_copy(update={"cors_origins": [origin]}))


def test_bare_origins_are_accepted() -> None:
    check_cors_origins(["https://app.example", "http://127.0.0.1:5173", "http://[::1]:8080"])


@pytest.fixture
def docs(client: TestClient) -> dict[str, Response]:
    """The two docs pages, as served."""
    return {path: client.get(path) for path in ("/docs", "/redoc")}


def local_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href|spec-url)="([^"]+)"', html) + re.findall(
        r"url: '([^']+)'", html
    )


def test_docs_pages_load_only_local_assets(client: TestClient, docs: dict[str, Response]) -> None:
    for path, page in docs.items():
        assert page.status_code == 200, path
        for cdn in ("cdn.", "jsdelivr", "unpkg", "googleapis", "https://", "http://"):
            assert cdn not in page.text, (path, cdn)
        urls = local_urls(page.text)
        assert "/openapi.json" in urls, path
        assert any(url.endswith(".js") for url in urls), path
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url
    assert (
        client.get("/docs/static/swagger-ui-bundle.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_docs_csp_allows_exactly_their_inline_script(docs: dict[str, Response]) -> None:
    for path, page in docs.items():
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0], path
        for name, value in COMMON.items():
            assert page.headers[name] == value
        hashes = re.findall(r"'sha256-([^']+)'", csp)
        scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        expected = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts]
        assert hashes == expected, path
    # Swagger UI starts from one inline script; ReDoc has none.
    assert len(re.findall(r"'sha256-", docs["/docs"].headers["content-security-policy"])) == 1
    assert "'sha256-" not in docs["/redoc"].headers["content-security-policy"]
