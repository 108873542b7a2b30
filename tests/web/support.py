"""What the web e2e modules share: Chromium, a fresh database, the API in a thread, sign-in.

Each module calls `require_built_app()` at import, so it skips cleanly when `web/dist` has not
been built (`cd web && npm ci && npm run build`) or Chromium is absent.
"""

import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from replay.ports import free_port
from tests.conftest import pg_url

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "e2e-password-123"
SECRET = "web-e2e-secret-key-that-is-at-least-32-bytes"


def e2e_settings(url: str, **extra: Any) -> Settings:
    """The API's settings for a browser test: no count cache, room for many sign-ins."""
    return Settings(
        database_url=url,
        secret_key=SECRET,
        totals_check_seconds=0,
        login_max_failures=50,
        login_window_seconds=600,
        **extra,
    )


def require_built_app() -> None:
    """Skip the calling module when Playwright, web/dist or Chromium is missing."""
    pytest.importorskip("playwright.sync_api")
    if not (WEB_DIST / "index.html").is_file():
        pytest.skip(
            "web/dist is not built (cd web && npm ci && npm run build)", allow_module_level=True
        )
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@contextmanager
def fresh_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kind: str
) -> Iterator[str]:
    """The URL of a new migrated database, `kind` "sqlite" (a file) or "postgresql"."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("web") / "cars.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_admin")
    template = request.getfixturevalue("pg_template")
    name = f"carsensor_web_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def seeded_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    seed: Callable[[str], None],
    **settings: Any,
) -> Iterator[str]:
    """The API and the SPA on one origin, over a fresh `kind` database that `seed(url)` fills;
    `settings` override e2e_settings'."""
    with fresh_database(request, tmp_path_factory, kind) as url:
        seed(url)
        with serve(create_app(e2e_settings(url, **settings))) as base:
            yield base


def site_fixture(seed: Callable[[str], None], **settings: Any) -> Any:
    """A module's `base_url` fixture: `seeded_site` on PostgreSQL, then on SQLite."""

    @pytest.fixture(scope="module", params=["postgresql", "sqlite"])
    def base_url(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[str]:
        with seeded_site(request, tmp_path_factory, request.param, seed, **settings) as base:
            yield base

    return base_url


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` with uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("uvicorn did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# The login page's words: the username box's label, the password box's, the button's name.
LOGIN_EN = ("Username", "Password", "Sign in")
LOGIN_RU = ("Имя пользователя", "Пароль", "Войти")


@contextmanager
def new_page(browser: Any, base_url: str, locale: str = "en-US") -> Iterator[Any]:
    """A page in a fresh browser context (no cookie, no session storage) speaking `locale`.

    1366×900, the docs' screenshot size; another context is another person at another desk.
    """
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1366, "height": 900}, locale=locale
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(
    page: Any,
    path: str = "/",
    *,
    username: str = "admin",
    password: str = PASSWORD,
    ready: str = "car-row",
    words: tuple[str, str, str] = LOGIN_EN,
) -> None:
    """Open `path`, sign in on the login page it leads to, wait for test id `ready` back there."""
    username_label, password_label, button = words
    page.goto(path)
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label(username_label).fill(username)
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=button).click()
    page.get_by_test_id(ready).first.wait_for()


def api_get(page: Any, path: str) -> Any:
    """GET `path` of the API with the page's access token; the JSON body."""
    token = page.evaluate("sessionStorage.getItem('carsensor.access_token')")
    response = page.request.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.ok, response.text()
    return response.json()


def plain(text: str) -> str:
    """Intl's no-break spaces (1 000 000 ₽, 24 нояб. 2026 г., 23:11) as plain ones."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def shot(page: Any, name: str) -> None:
    """A screenshot in test-artifacts/web/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


def wait_until(page: Any, expression: str, timeout: float = 15) -> None:
    """Poll the page until the JavaScript `expression` is truthy, or fail after `timeout` s.

    Not `page.wait_for_function`: when its first check is false, Playwright polls a function
    made from the string inside the page, which the app's CSP (`script-src 'self'`) refuses.
    `page.evaluate` runs through the DevTools protocol, which CSP does not govern.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)
