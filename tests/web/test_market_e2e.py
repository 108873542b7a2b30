"""Market value and deal ratings in the web app, end to end (issue #18).

Chromium against the real API over a seeded PostgreSQL or SQLite database whose market values
were computed by `core.valuation.recompute`, as the scheduler does after a crawl: the deal pill
and its tooltip in the table, the deal filter and sorts in the URL, the drawer's market section
with the comparables it was estimated from, and the model's market chart (a dot per listing,
the estimated curve, the car highlighted). The chart's screenshot for the docs:
docs/images/web-market-chart.png (1366×900).
"""

import random
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from sqlalchemy.orm import Session

from api.security import hash_password
from core import valuation
from core.db import make_engine
from core.models import User, utcnow
from crawler.storage import car_row, upsert_cars
from tests.factories import listing
from tests.web.support import (
    PASSWORD,
    ROOT,
    api_get,
    plain,
    require_built_app,
    shot,
    sign_in,
    site_fixture,
    wait_until,
)

require_built_app()

DOCS_IMAGES = ROOT / "docs" / "images"
# (make, make_ja, model, model_ja, listings): a model with a market worth a chart, one with a
# smaller one, and one with too few listings for any estimate.
STOCK = [
    ("Toyota", "トヨタ", "Prius", "プリウス", 320),
    ("Honda", "ホンダ", "Fit", "フィット", 40),
    ("Nissan", "日産", "Note", "ノート", 3),
]
# A Prius at 55% of what its year and mileage fetch, its price cut once: the best deal.
BARGAIN = "MKT-BARGAIN"
DEALS = ["great", "good", "fair", "high", "overpriced"]


def price(rng: random.Random, new_price: int, year: int, mileage_km: int) -> int:
    """A used-car price: a tenth off per year of age, more off with mileage, ±15% noise."""
    value = new_price * 0.9 ** (2024 - year) * (1 - mileage_km / 400_000)
    return int(round(value * rng.uniform(0.85, 1.15), -4))


def seed(url: str) -> None:
    """The admin, the STOCK with realistic prices and days on sale, then their market values."""
    rng = random.Random(18)
    engine = make_engine(url)
    now = utcnow()
    with Session(engine) as session:
        session.add(User(username="admin", password_hash=hash_password(PASSWORD)))
        session.commit()
        rows = []
        for make, make_ja, model, model_ja, count in STOCK:
            for n in range(count):
                year = rng.randint(2010, 2023)
                mileage = rng.randint(3, 180) * 1_000
                total = price(rng, 3_400_000, year, mileage)
                item = listing(
                    f"MKT-{model}-{n:04d}", make=make, make_ja=make_ja, model=model,
                    model_ja=model_ja, grade=f"Grade {n % 5 + 1}", year=year, mileage_km=mileage,
                    price_jpy=total - 80_000, total_price_jpy=total, image_url=None, photos=None,
                )  # fmt: skip
                rows.append(car_row(item, now=now - timedelta(days=rng.randint(0, 90))))
        upsert_cars(rows, session=session)
        total = int(round(price(random.Random(0), 3_400_000, 2018, 40_000) * 0.55, -4))
        bargain = listing(
            BARGAIN, grade="S Touring", year=2018, mileage_km=40_000, image_url=None, photos=None,
            price_jpy=total - 80_000, total_price_jpy=total,
        )  # fmt: skip
        upsert_cars([car_row(bargain, now=now - timedelta(days=30))], session=session)
        bargain.price_jpy -= 100_000
        bargain.total_price_jpy -= 100_000
        upsert_cars([car_row(bargain, now=now - timedelta(days=2))], session=session)
        session.commit()
        valuation.recompute(session=session, min_comparables=5)
        session.commit()
    engine.dispose()


# The API and the SPA on one origin, over the seeded database.
base_url = site_fixture(seed)


def wait_idle(page: Any) -> None:
    page.wait_for_selector('[data-testid="cars-table"][aria-busy="false"]')


def row_deals(page: Any) -> list[str | None]:
    """Each row's deal band, None where it shows no pill."""
    return page.eval_on_selector_all(
        '[data-testid="car-row"]',
        "rows => rows.map(r => r.querySelector('[data-testid=deal-badge]')?.dataset.deal ?? null)",
    )


def row_ids(page: Any) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all(
        '[data-testid="car-row"]', "rows => rows.map(r => r.dataset.carId)"
    )]  # fmt: skip


def bargain_id(page: Any) -> int:
    """The bargain's id, found as the API's best deal."""
    best = api_get(page, "/api/cars?sort=deal&page_size=1")["items"][0]
    assert best["external_id"] == BARGAIN, best
    return int(best["id"])


def test_a_great_deal_shows_its_pill_with_the_market_in_its_tooltip(page: Any) -> None:
    sign_in(page, "/?sort=deal")
    badge = page.get_by_test_id("car-row").first.get_by_test_id("deal-badge")
    assert badge.inner_text() == "Great deal"
    assert badge.get_attribute("data-deal") == "great"
    car = api_get(page, f"/api/cars/{bargain_id(page)}")
    percent = round((1 - car["deal_ratio"]) * 100)
    assert badge.get_attribute("title") == (
        f"Market price ¥{car['market_price_jpy']:,} · {percent}% below the market"
    )
    # A model with too few listings for an estimate: no pill, no empty one either.
    page.get_by_test_id("filter-make").select_option("Nissan")
    page.wait_for_url(re.compile(r"make=Nissan"))
    wait_idle(page)
    assert page.get_by_test_id("car-row").count() == 3
    assert row_deals(page) == [None, None, None]


def test_the_deal_filter_ticks_bands_into_the_url(page: Any) -> None:
    sign_in(page)
    page.get_by_test_id("filter-deal-great").check()
    page.wait_for_url(re.compile(r"deal=great(&|$)"))
    page.get_by_test_id("filter-deal-good").check()
    page.wait_for_url(re.compile(r"deal=great(%2C|,)good"))
    assert parse_qs(urlparse(page.url).query)["deal"] == ["great,good"]
    wait_idle(page)
    expected = api_get(page, "/api/cars?deal=great,good")["total"]
    assert 0 < expected < sum(row[4] for row in STOCK)
    assert page.get_by_test_id("total").inner_text() == f"{expected} cars"
    deals = row_deals(page)
    assert deals and set(deals) <= {"great", "good"}
    chip = page.get_by_role("button", name="Remove filter Deal: Great deal or Good deal")
    assert chip.count() == 1

    page.reload()  # the ticks come back from the URL
    page.get_by_test_id("car-row").first.wait_for()
    assert page.get_by_test_id("filter-deal-great").is_checked()
    assert page.get_by_test_id("filter-deal-good").is_checked()
    assert not page.get_by_test_id("filter-deal-fair").is_checked()
    chip.click()
    page.wait_for_url(re.compile(r"/$"))
    assert not page.get_by_test_id("filter-deal-great").is_checked()


def test_best_deals_and_biggest_discount_first(page: Any) -> None:
    sign_in(page)
    page.get_by_test_id("sort").select_option("deal")
    page.wait_for_url(re.compile(r"sort=deal$"))
    wait_idle(page)
    deals = row_deals(page)
    assert deals[0] == "great"
    assert [DEALS.index(d) for d in deals if d] == sorted(DEALS.index(d) for d in deals if d)
    assert row_ids(page) == [c["id"] for c in api_get(page, "/api/cars?sort=deal")["items"]]

    page.get_by_test_id("sort").select_option(label="Biggest discount")
    page.wait_for_url(re.compile(r"sort=-discount$"))
    wait_idle(page)
    best = api_get(page, "/api/cars?sort=-discount")["items"]
    assert row_ids(page) == [c["id"] for c in best]
    discounts = [c["market_discount_jpy"] for c in best]
    assert discounts == sorted(discounts, reverse=True) and discounts[0] > 0

    # The deal column's header: best first, then worst first; the menu follows it.
    page.get_by_test_id("sort-deal").click()
    page.wait_for_url(re.compile(r"sort=deal$"))
    page.get_by_test_id("sort-deal").click()
    page.wait_for_url(re.compile(r"sort=-deal$"))
    wait_idle(page)
    assert row_deals(page)[0] == "overpriced"
    assert page.get_by_test_id("sort").input_value() == "-deal"


def test_the_drawer_weighs_the_car_against_its_market(page: Any) -> None:
    sign_in(page, "/?sort=deal")
    car_id = bargain_id(page)
    car = api_get(page, f"/api/cars/{car_id}")
    page.locator(f'tr[data-car-id="{car_id}"]').click()
    page.wait_for_url(re.compile(rf"/cars/{car_id}\?sort=deal$"))
    market = page.get_by_test_id("car-drawer").get_by_test_id("market")
    market.get_by_test_id("comparables").wait_for()
    text = plain(market.inner_text())
    pill = market.get_by_test_id("market-deal").get_by_test_id("deal-badge")
    assert pill.inner_text() == "Great deal"
    assert market.get_by_test_id("market-price").inner_text() == f"¥{car['market_price_jpy']:,}"
    percent = round((1 - car["deal_ratio"]) * 100)
    assert market.get_by_test_id("market-vs").inner_text() == (
        f"{percent}% below the market (−¥{car['market_discount_jpy']:,})"
    )
    low, high = car["market_p25_jpy"], car["market_p75_jpy"]
    assert f"Typical price range\n¥{low:,} – ¥{high:,}" in text
    assert f"Estimated from\n{car['market_comparables']} comparable listings" in text
    assert f"On sale for\n{car['days_on_market']} days" in text
    assert re.search(r"Last price change\n−¥100,000 on \w{3} \d{1,2}, \d{4}", text), text

    comparables = api_get(page, f"/api/cars/{car_id}/comparables")["items"]
    links = market.get_by_test_id("comparable")
    assert links.count() == len(comparables) > 0
    assert [int(i) for i in links.evaluate_all("ls => ls.map(l => l.dataset.carId)")] == [
        c["id"] for c in comparables
    ]
    other = comparables[0]
    links.first.click()  # another car in the same drawer, over the same table
    page.wait_for_url(re.compile(rf"/cars/{other['id']}\?sort=deal$"))
    drawer = page.get_by_test_id("car-drawer")
    drawer.get_by_test_id("drawer-total").filter(
        has_text=f"¥{other['total_price_jpy']:,}"
    ).wait_for()
    drawer.get_by_test_id("comparables").wait_for()

    link = drawer.get_by_test_id("market-model-link")
    year = other["year"]
    assert link.inner_text() == f"Toyota Prius, {year - 1}–{year + 1}, in the table"
    link.click()
    page.wait_for_url(
        re.compile(rf"/\?make=Toyota&model=Prius&year_min={year - 1}&year_max={year + 1}$")
    )
    wait_idle(page)
    assert page.get_by_test_id("car-drawer").count() == 0
    names = set(page.get_by_test_id("car-name").all_inner_texts())
    years = [int(y) for y in page.locator("td.col-year").all_inner_texts()]
    assert names == {"Toyota Prius"} and min(years) >= year - 1 and max(years) <= year + 1


def test_the_model_market_chart(page: Any) -> None:
    violations: list[str] = []  # the chart runs under the app's CSP, as everything else
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, "/?sort=deal")
    car_id = bargain_id(page)
    query = urlencode({"make": "Toyota", "model": "Prius", "model_ja": "プリウス"})
    stats = api_get(page, f"/api/market?{query}")
    assert stats["points_total"] == len(stats["points"]) == STOCK[0][4] + 1
    page.goto(f"/cars/{car_id}?sort=deal")
    chart = page.get_by_test_id("market-chart")
    chart.wait_for()
    # Every listing is a dot on the canvas; the car on top of them, and the curve.
    dots = chart.get_by_test_id("market-dots")
    wait_until(page, "document.querySelector('[data-testid=market-dots]').dataset.dots")
    assert int(dots.get_attribute("data-dots")) == stats["points_total"]
    assert chart.get_by_test_id("market-chart-car").count() == 1
    assert re.fullmatch(r"(M[\d.,L]+)+", chart.get_by_test_id("market-curve").get_attribute("d"))
    assert chart.get_by_test_id("market-band").get_attribute("d").endswith("Z")
    assert chart.locator("svg.plot-over").get_attribute("aria-label") == (
        f"Toyota Prius: total price by year, {stats['points_total']} listings; "
        "this car is the large outlined dot"
    )
    caption = plain(chart.locator("figcaption").inner_text())
    median = f"¥{stats['median_jpy']:,}"
    assert caption.startswith(f"{stats['count']} listings on sale · median {median}")
    legend = chart.get_by_test_id("market-legend").inner_text()
    assert "This car" in legend and "Estimated market price" in legend
    assert re.search(r"Great deal \(\d+\)", legend)
    assert page.get_by_test_id("market-mileage").locator("tbody tr").count() == len(
        stats["by_mileage"]
    )

    # Hovering the car's dot says what it is.
    chart.scroll_into_view_if_needed()
    box = chart.get_by_test_id("market-chart-car").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = chart.get_by_test_id("market-tip")
    tip.wait_for()
    car = api_get(page, f"/api/cars/{car_id}")
    assert plain(tip.inner_text()).split("\n")[:3] == [
        f"¥{car['total_price_jpy']:,}", f"{car['year']} · {car['mileage_km']:,} km", "Great deal"
    ]  # fmt: skip
    assert violations == []
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMAGES / "web-market-chart.png"), animations="disabled")
    shot(page, "market-chart")
