"""Market values in the API: the deal filter and sorts, GET /api/market and the comparables."""

import random
from datetime import timedelta
from statistics import median, quantiles
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.market import DEALS, Listing, comparables
from core.models import Car, utcnow
from core.read import MILEAGE_BANDS_KM
from core.valuation import recompute
from tests.factories import listing, store, stored_cars

MIN_COMPARABLES = 5


def priuses(count: int, seed: int = 7) -> list[Any]:
    """Prius listings whose prices fall with age and mileage, with a spread of ±25 %."""
    rng = random.Random(seed)
    cars = []
    for n in range(count):
        year, km = rng.randrange(2014, 2023), rng.randrange(5, 150) * 1_000
        fair = 3_000_000 * 0.9 ** (2023 - year) * (1 - km / 400_000)
        total = int(round(fair * rng.uniform(0.75, 1.25), -3))
        repaired = rng.random() < 0.2
        cars.append(listing(f"P{n:03d}", year=year, mileage_km=km, total_price_jpy=total,
                            price_jpy=total - 80_000, repair_history=repaired))  # fmt: skip
    return cars


@pytest.fixture
def valued(session: Session) -> dict[str, Any]:
    """60 Priuses, 2 Fits (too few to value) and a Prius without a price, all valued."""
    store(session, *priuses(60),
          listing("FIT1", make="Honda", model="Fit", model_ja="フィット"),
          listing("FIT2", make="Honda", model="Fit", model_ja="フィット", year=2020),
          listing("NOPRICE", total_price_jpy=None, price_jpy=None))  # fmt: skip
    recompute(session=session, min_comparables=MIN_COMPARABLES)
    session.commit()
    return stored_cars(session)


def walk(client: TestClient, auth: dict[str, str], **params: Any) -> list[str]:
    """Every page of /api/cars by cursor, 7 at a time."""
    found: list[str] = []
    query = {**params, "page_size": 7}
    while True:
        response = client.get("/api/cars", params=query, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        found += [item["external_id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return found
        query["cursor"] = body["next_cursor"]


def test_the_seeded_market_has_every_deal_and_cars_without_one(valued: dict[str, Any]) -> None:
    assert {car.deal for car in valued.values()} == {*DEALS, None}
    assert valued["FIT1"].deal is None and valued["NOPRICE"].deal is None
    assert valued["NOPRICE"].market_price_jpy is not None  # an estimate, but no price to rate


@pytest.mark.parametrize("deal", ["great,good", ["great", "good"], "GOOD, great", "great,good,"])
def test_the_deal_filter_takes_a_list(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any], deal: Any
) -> None:
    want = sorted(key for key, car in valued.items() if car.deal in ("great", "good"))
    response = client.get("/api/cars", params={"deal": deal, "page_size": 100}, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(item["external_id"] for item in body["items"]) == want
    assert body["total"] == len(want) > 0
    assert {item["deal"] for item in body["items"]} == {"great", "good"}


def test_an_unknown_deal_gets_422_naming_it(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/cars", params={"deal": "great,cheap"}, headers=auth)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][:2] == ["query", "deal"] and all(deal in error["msg"] for deal in DEALS)


@pytest.mark.parametrize(
    ("sort", "column", "reverse"),
    [
        ("deal", "deal_ratio", False),
        ("-deal", "deal_ratio", True),
        ("discount", "market_discount_jpy", False),
        ("-discount", "market_discount_jpy", True),
    ],
)
def test_deal_and_discount_sorts_walk_every_car_in_order(
    client: TestClient,
    auth: dict[str, str],
    valued: dict[str, Any],
    sort: str,
    column: str,
    reverse: bool,
) -> None:
    cars = sorted(valued.values(), key=lambda car: car.id)
    keyed = [car for car in cars if getattr(car, column) is not None]
    present = sorted(keyed, key=lambda car: (getattr(car, column), car.id), reverse=reverse)
    missing = sorted((car for car in cars if getattr(car, column) is None),
                     key=lambda car: car.id, reverse=reverse)  # fmt: skip
    want = [car.external_id for car in present + missing]
    assert walk(client, auth, sort=sort) == want
    # The Fits, the unpriced Prius and the Priuses too far from others: last, both ways.
    assert {"FIT1", "FIT2", "NOPRICE"} <= set(want[len(present) :]) and len(present) > 40
    page = client.get("/api/cars", params={"sort": sort, "page": 2, "page_size": 7}, headers=auth)
    assert [item["external_id"] for item in page.json()["items"]] == want[7:14]


def test_the_best_deal_first_is_the_cheapest_against_its_market(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any]
) -> None:
    first = client.get("/api/cars", params={"sort": "deal", "deal": "great"}, headers=auth).json()
    item = first["items"][0]
    assert item["deal"] == "great"
    assert item["deal_ratio"] == min(c.deal_ratio for c in valued.values() if c.deal_ratio)
    assert item["market_discount_jpy"] == item["market_price_jpy"] - item["total_price_jpy"] > 0


def _quartiles(values: list[int]) -> tuple[int, int, int]:
    low, middle, high = quantiles(values * 2 if len(values) == 1 else values, method="inclusive")
    return round(low), round(middle), round(high)


def test_the_market_of_a_model(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any]
) -> None:
    response = client.get("/api/market", params={"make": "toyota", "model": "Prius"}, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    cars = [car for car in valued.values() if car.model == "Prius"]
    priced = [car for car in cars if car.total_price_jpy]
    assert body["count"] == len(priced) == 60
    overall = _quartiles([car.total_price_jpy for car in priced])  # type: ignore[misc]
    assert (body["p25_jpy"], body["median_jpy"], body["p75_jpy"]) == overall
    assert body["median_days_on_market"] == 0
    years = sorted({car.year for car in priced})  # type: ignore[type-var]
    assert [row["year"] for row in body["by_year"]] == years
    for row in body["by_year"]:
        of_year = [car for car in priced if car.year == row["year"]]
        prices = [car.total_price_jpy for car in of_year]
        assert row["count"] == len(of_year)
        assert (row["p25_jpy"], row["median_jpy"], row["p75_jpy"]) == _quartiles(prices)  # type: ignore[arg-type]
        estimates = [c.market_price_jpy for c in of_year if c.market_price_jpy is not None]
        assert row["market_median_jpy"] == (round(median(estimates)) if estimates else None)
    assert sum(row["count"] for row in body["by_mileage"]) == 60
    for row in body["by_mileage"]:
        assert row["min_km"] in MILEAGE_BANDS_KM
        upper = row["max_km"] or 10**9
        inside = [c for c in priced if row["min_km"] <= c.mileage_km < upper]  # type: ignore[operator]
        assert row["count"] == len(inside) > 0
    assert body["points_total"] == 60
    assert sorted(point["id"] for point in body["points"]) == sorted(car.id for car in priced)
    point = next(p for p in body["points"] if p["id"] == valued["P000"].id)
    assert (point["total_price_jpy"], point["deal"]) == (
        valued["P000"].total_price_jpy,
        valued["P000"].deal,
    )


def test_the_market_narrows_to_carsensors_model_and_is_empty_for_an_unknown_one(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any]
) -> None:
    params = {"make": "Toyota", "model": "Prius", "model_ja": "プリウスα"}
    body = client.get("/api/market", params=params, headers=auth).json()
    assert (body["count"], body["by_year"], body["points"], body["median_jpy"]) == (0, [], [], None)
    body = client.get("/api/market", params={"make": "Honda", "model": "Fit"}, headers=auth).json()
    assert body["count"] == 2 and body["by_year"][0]["market_median_jpy"] is None


@pytest.mark.parametrize(
    "params",
    [{"make": "Toyota"}, {"make": " ", "model": "Prius"}, {"make": "To\x00", "model": "Prius"}],
)
def test_the_market_wants_a_make_and_a_model(
    client: TestClient, auth: dict[str, str], params: dict[str, str]
) -> None:
    response = client.get("/api/market", params=params, headers=auth)
    assert response.status_code == 422 and "Traceback" not in response.text


def test_market_values_need_a_login(client: TestClient) -> None:
    assert client.get("/api/market", params={"make": "Toyota", "model": "Prius"}).status_code == 401
    assert client.get("/api/cars/1/comparables").status_code == 401


def test_the_comparables_are_the_estimators_nearest_first(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any]
) -> None:
    car = valued["P000"]
    response = client.get(f"/api/cars/{car.id}/comparables", headers=auth)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    listings = [
        Listing(c.id, "prius", c.year, c.mileage_km, c.repair_history, c.total_price_jpy)
        for c in valued.values()
        if c.model == "Prius"
    ]
    target = next(one for one in listings if one.id == car.id)
    nearest = comparables(listings, target, min_comparables=MIN_COMPARABLES)
    assert [item["id"] for item in items] == [id_ for _, id_ in nearest]
    assert len(items) == car.market_comparables and car.id not in [item["id"] for item in items]
    assert all(item["model"] == "Prius" and item["total_price_jpy"] for item in items)


def test_a_car_without_an_estimate_has_no_comparables(
    client: TestClient, auth: dict[str, str], valued: dict[str, Any]
) -> None:
    response = client.get(f"/api/cars/{valued['FIT1'].id}/comparables", headers=auth)
    assert response.status_code == 200 and response.json() == {"items": []}
    assert client.get("/api/cars/999999/comparables", headers=auth).status_code == 404


def test_days_on_market_are_counted_to_now_or_to_when_a_car_went(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    now = utcnow()
    store(session, listing("OLD"), listing("GONE"), at=now - timedelta(days=10, hours=1))
    store(session, listing("OLD"), at=now)
    session.execute(update(Car).where(Car.external_id == "GONE")
                    .values(is_active=False, last_seen_at=now - timedelta(days=6)))  # fmt: skip
    session.commit()
    on_sale = client.get("/api/cars", headers=auth).json()["items"]
    assert [(car["external_id"], car["days_on_market"]) for car in on_sale] == [("OLD", 10)]
    gone = client.get("/api/cars", params={"is_active": False}, headers=auth).json()["items"]
    assert gone[0]["days_on_market"] == 4
    detail = client.get(f"/api/cars/{on_sale[0]['id']}", headers=auth).json()
    assert detail["days_on_market"] == 10
