"""The CSP in Debian's Chromium: the web app runs under it, /docs and /redoc work offline.

Every request that leaves the API's origin is aborted and recorded, so a page that still
needed a CDN would stay blank; Chromium's CSP reports are read from the console. Skips cleanly
when `web/dist` has not been built or Chromium is absent.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.security import hash_password
from core.db import make_engine
from core.models import User, utcnow
from crawler.storage import car_row, upsert_cars
from tests.factories import listing
from tests.web.support import PASSWORD, require_built_app, seeded_site
from tests.web.support import sign_in as sign_in_at

require_built_app()

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
PHOTO = "https://ccsrpcma.carsensor.net/CSphoto/bkkn/001/000001/U0010000001_001L.JPG"


@dataclass
class Watched:
    """A page, the off-origin requests it tried, and the CSP violations Chromium reported."""

    page: Any
    outside: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The API and the SPA on one origin, with the admin and one car with a carsensor photo."""

    def seed(url: str) -> None:
        engine = make_engine(url)
        with Session(engine) as session:
            session.add(User(username="admin", password_hash=hash_password(PASSWORD)))
            item = listing("CSP0001", image_url=PHOTO, photos=[PHOTO])
            upsert_cars([car_row(item, now=utcnow())], session=session)
            session.commit()
        engine.dispose()

    with seeded_site(request, tmp_path_factory, "sqlite", seed) as base:
        yield base


@pytest.fixture
def watched(page: Any, base_url: str) -> Watched:
    """`page` with no network beyond the API's origin, and its CSP reports collected."""
    seen = Watched(page)

    def only_local(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            seen.outside.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_local)
    page.on(
        "console",
        lambda message: (
            seen.violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return seen


def test_the_web_app_runs_under_its_csp_and_may_load_carsensor_photos(watched: Watched) -> None:
    page = watched.page
    sign_in_at(page)
    page.get_by_test_id("car-row").first.click()
    page.get_by_test_id("car-drawer").wait_for()
    page.goto("/crawls")
    page.get_by_role("heading", name="Crawls", exact=True).wait_for()
    page.evaluate("0")  # a round trip: the console messages sent before it have arrived
    assert watched.violations == []
    # The CSP let the photo through: it was requested (and failed only for want of a network).
    assert PHOTO in watched.outside

    # An injected inline script does not run: Chromium reports the violation instead.
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener(
                "securitypolicyviolation",
                (event) => resolve([event.effectiveDirective, window.injected === true]),
                { once: true },
            );
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        })"""
    )
    assert blocked == ["script-src-elem", False]
    assert any("script-src 'self'" in text for text in watched.violations)


def test_swagger_ui_renders_the_operations_offline(watched: Watched) -> None:
    page = watched.page
    page.goto("/docs")
    login = page.locator('.opblock-post .opblock-summary-path[data-path="/api/login"]')
    login.wait_for()
    spec = page.request.get("/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert page.locator(".opblock").count() == operations
    page.evaluate("0")  # a round trip: the console messages sent before it have arrived
    assert watched.outside == []
    assert watched.violations == []


def test_redoc_renders_the_operations_offline(watched: Watched) -> None:
    page = watched.page
    page.goto("/redoc")
    page.get_by_text("/api/login").first.wait_for(state="attached")
    assert page.get_by_role("heading", name="carsensor platform API").count() >= 1
    page.evaluate("0")
    assert watched.outside == []
    # ReDoc's "powered by" footer links its logo from Redocly's CDN: the CSP keeps it out.
    assert [v for v in watched.violations if REDOCLY_LOGO not in v] == []
