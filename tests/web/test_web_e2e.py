"""The web app end to end: Debian's Chromium (Playwright) against the real API serving web/dist.

The API is built with `api.app.create_app` on a seeded database (PostgreSQL and SQLite), the
SPA mounted the way api/app.py mounts it, and served by uvicorn in a thread. Skips cleanly
when `web/dist` has not been built (`cd web && npm ci && npm run build`) or Chromium is absent.
Screenshots of the main screens land in test-artifacts/web/.
"""

import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.security import hash_password
from core.db import make_engine
from core.models import User, utcnow
from crawler.storage import car_row, upsert_cars
from tests.factories import listing
from tests.web.support import (
    PASSWORD,
    require_built_app,
    shot,
    sign_in,
    site_fixture,
    wait_until,
)

require_built_app()

# (make, make_ja, model, model_ja, count): 45 cars, so 3 pages of 20.
STOCK = [
    ("Toyota", "トヨタ", "Prius", "プリウス", 12),
    ("Toyota", "トヨタ", "Aqua", "アクア", 8),
    ("Honda", "ホンダ", "Fit", "フィット", 10),
    ("Nissan", "日産", "Note", "ノート", 9),
    ("Mazda", "マツダ", "CX-5", "CX-5", 6),
]
COLORS = ["white", "black", "silver", "red", "blue"]
PREFECTURES = ["東京都", "大阪府", "愛知県"]
TOTAL = sum(row[4] for row in STOCK)


def seed(url: str) -> None:
    """The admin, and TOTAL cars with distinct prices, years and mileages, a price change too."""
    engine = make_engine(url)
    start = utcnow() - timedelta(days=2)
    n = 0
    with Session(engine) as session:
        session.add(User(username="admin", password_hash=hash_password(PASSWORD)))
        session.commit()
        for make, make_ja, model, model_ja, count in STOCK:
            for i in range(count):
                n += 1
                item = listing(
                    f"E2E{n:04d}",
                    make=make,
                    make_ja=make_ja,
                    model=model,
                    model_ja=model_ja,
                    grade=f"Grade {i + 1}",
                    year=2010 + (n * 7) % 15,
                    mileage_km=5_000 + (n * 7_919) % 150_000,
                    price_jpy=500_000 + (n * 137_000) % 4_000_000,
                    total_price_jpy=600_000 + (n * 137_000) % 4_000_000,
                    color=COLORS[n % len(COLORS)],
                    color_ja="白",
                    body_type="hatchback",
                    transmission="cvt",
                    fuel="gasoline",
                    prefecture=PREFECTURES[n % len(PREFECTURES)],
                    image_url=None,
                    photos=None,
                    # The first car, cheapest by price after its drop, carries an odometer note.
                    unparsed={"mileage_km": "1.3万km(メーター交換車)"} if n == 1 else {},
                )
                at = start + timedelta(minutes=n)
                upsert_cars([car_row(item, now=at)], session=session)
                if n == 1:  # a price drop, for the chart
                    item.total_price_jpy = 500_000
                    upsert_cars([car_row(item, now=at + timedelta(hours=1))], session=session)
        session.commit()
    engine.dispose()


# The API and the SPA on one origin, over the seeded database.
base_url = site_fixture(seed)


def rows(page: Any) -> Any:
    return page.get_by_test_id("car-row")


def names(page: Any) -> list[str]:
    return [n.strip() for n in page.get_by_test_id("car-name").all_inner_texts()]


def totals(page: Any) -> list[int]:
    return [int(re.sub(r"\D", "", t)) for t in page.get_by_test_id("car-total").all_inner_texts()]


def wait_idle(page: Any) -> None:
    """Until the table is no longer marked busy (the next page of results has landed)."""
    page.wait_for_selector('[data-testid="cars-table"][aria-busy="false"]')


def test_unknown_api_path_stays_json_404_and_client_routes_serve_the_app(base_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{base_url}/api/no-such-thing")
    assert caught.value.code == 404
    assert json.loads(caught.value.read()) == {"detail": "Not Found"}
    request = urllib.request.Request(
        f"{base_url}/cars/1?make=Toyota", headers={"Accept": "text/html"}
    )
    with urllib.request.urlopen(request) as response:
        assert b'<div id="root">' in response.read()


def test_wrong_password_shows_an_error(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Wrong username or password" in alert.inner_text()
    shot(page, "login-error")
    assert page.url.endswith("/login")


def test_login_explains_a_lockout_and_an_unreachable_server(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("whatever")
    page.route(
        "**/api/login",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "120", "Content-Type": "application/json"},
            body='{"detail": "Too many failed sign-ins; try again later"}',
        ),
    )
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Too many sign-in attempts. Try again in 2 min.").wait_for()
    assert page.get_by_role("button", name="Sign in").is_disabled()

    page.reload()
    page.route("**/api/login", lambda route: route.abort("connectionrefused"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("whatever")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("The server cannot be reached").wait_for()


def test_login_returns_to_next(page: Any) -> None:
    sign_in(page, "/?make=Honda")
    assert page.url.endswith("/?make=Honda")
    assert set(names(page)) == {"Honda Fit"}
    assert page.get_by_test_id("current-user").inner_text().strip() == "admin"


def test_table_shows_the_seeded_cars_and_pages(page: Any) -> None:
    sign_in(page)
    assert rows(page).count() == 20
    assert page.get_by_test_id("total").inner_text() == f"{TOTAL} cars"
    assert "トヨタ" in page.get_by_test_id(
        "cars-table"
    ).inner_text() or "ホンダ" in page.inner_text("body")
    first_page = names(page)
    page.get_by_test_id("page-next").click()
    page.wait_for_url(re.compile(r"page=2"))
    wait_idle(page)
    assert rows(page).count() == 20
    assert page.get_by_test_id("range").inner_text() == f"21–40 of {TOTAL}"
    assert names(page) != first_page
    shot(page, "table-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    # Cards at phone width: nothing scrolls sideways, once the page has laid out anew.
    wait_until(page, "document.documentElement.scrollWidth <= 390")
    shot(page, "table-phone")


def test_filters_change_the_url_and_rows_and_survive_reload_and_back(page: Any) -> None:
    sign_in(page)
    page.get_by_test_id("filter-make").select_option("Toyota")
    page.wait_for_url(re.compile(r"make=Toyota"))
    wait_idle(page)
    assert page.get_by_test_id("total").inner_text() == "20 cars"
    page.get_by_test_id("filter-model").select_option("Aqua")
    page.get_by_test_id("filter-year-min").select_option("2018")
    page.wait_for_url(re.compile(r"year_min=2018"))
    wait_idle(page)
    assert "model=Aqua" in page.url
    aqua = names(page)
    assert aqua and set(aqua) == {"Toyota Aqua"}
    years = [int(y) for y in page.locator("td.col-year").all_inner_texts()]
    assert years and min(years) >= 2018

    page.reload()
    page.get_by_test_id("car-row").first.wait_for()
    assert names(page) == aqua
    assert page.get_by_test_id("filter-make").input_value() == "Toyota"
    assert page.get_by_test_id("filter-year-min").input_value() == "2018"

    page.go_back()  # one step: the year filter goes, make and model stay
    page.wait_for_url(re.compile(r"\?make=Toyota&model=Aqua$"), wait_until="commit")
    wait_idle(page)
    assert page.get_by_test_id("total").inner_text() == "8 cars"
    assert page.get_by_test_id("filter-year-min").input_value() == ""


def test_text_search_is_debounced_into_the_url(page: Any) -> None:
    sign_in(page)
    page.get_by_test_id("filter-q").fill("フィット")
    page.wait_for_url(re.compile(r"q=%E3%83%95"))
    wait_idle(page)
    assert set(names(page)) == {"Honda Fit"}


def test_sorting_by_price(page: Any) -> None:
    sign_in(page)
    page.get_by_test_id("sort-price").click()
    page.wait_for_url(re.compile(r"sort=price"))
    wait_idle(page)
    ascending = totals(page)
    assert ascending == sorted(ascending)
    page.get_by_test_id("sort-price").click()
    page.wait_for_url(re.compile(r"sort=-price"))
    wait_idle(page)
    descending = totals(page)
    assert descending == sorted(descending, reverse=True)
    assert descending[0] > ascending[-1]


def test_detail_drawer_has_its_own_url(page: Any) -> None:
    sign_in(page, "/?sort=price")
    first = rows(page).first
    car_id = first.get_attribute("data-car-id")
    first.focus()
    page.keyboard.press("Enter")  # keyboard: Enter opens the detail
    page.wait_for_url(re.compile(rf"/cars/{car_id}\?sort=price$"))
    drawer = page.get_by_test_id("car-drawer")
    drawer.get_by_test_id("price-chart").wait_for()
    assert "Price history" in drawer.inner_text()
    assert "Listing ID" in drawer.inner_text()
    assert "Mileage as listed\n1.3万km(メーター交換車)" in drawer.inner_text()
    shot(page, "detail-drawer")

    page.reload()  # a pasted /cars/:id link opens the drawer over the same table
    page.get_by_test_id("car-drawer").get_by_test_id("price-chart").wait_for()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/\?sort=price$"))
    assert page.get_by_test_id("car-drawer").count() == 0


def test_an_invalid_access_token_is_refreshed_unnoticed(page: Any) -> None:
    sign_in(page)
    page.evaluate("sessionStorage.setItem('carsensor.access_token', 'expired.or.tampered')")
    page.reload()
    page.get_by_test_id("car-row").first.wait_for()
    assert "/login" not in page.url
    token = page.evaluate("sessionStorage.getItem('carsensor.access_token')")
    assert token and token != "expired.or.tampered"


def test_a_token_expiring_mid_session_is_refreshed_unnoticed(page: Any) -> None:
    sign_in(page)
    rejected: list[str] = []
    refreshes: list[int] = []

    def record_refresh(response: Any) -> None:
        if response.url.endswith("/api/refresh"):
            refreshes.append(response.status)

    page.on("response", record_refresh)

    def expire_once(route: Any) -> None:
        if not rejected:  # the next cars request meets an expired token, once
            rejected.append(route.request.url)
            route.fulfill(
                status=401,
                headers={"WWW-Authenticate": "Bearer", "Content-Type": "application/json"},
                body='{"detail": "Invalid or expired token"}',
            )
        else:
            route.continue_()

    page.route("**/api/cars?*", expire_once)
    page.get_by_test_id("sort-year").click()
    page.wait_for_url(re.compile(r"sort=-year"))
    wait_idle(page)
    assert rejected
    assert rows(page).count() == 20
    assert page.get_by_test_id("error-state").count() == 0
    assert refreshes == [200]  # one refresh through the cookie, then the retry
    assert "/login" not in page.url


def test_export_downloads_the_filtered_csv(page: Any) -> None:
    sign_in(page, "/?make=Nissan")
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    path = download_info.value.path()
    lines = Path(path).read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 9  # the header and the 9 Nissans


def test_logout_ends_the_session_on_the_server(page: Any) -> None:
    sign_in(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto("/")  # the refresh cookie was revoked: back to the login page
    page.wait_for_url(re.compile(r"/login\?next="))
