"""The replay site's prices follow age, mileage and repair history as carsensor's do, so that
core.market finds deals of every band in a generated catalog."""

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest

from core.market import DEALS, Listing, deal, estimate_all
from crawler.normalize import man_yen_to_yen, mileage_km, repair_history
from replay.site import FEES_MAN, PRICE_YEAR, FakeCar, make_catalog


@pytest.fixture(scope="module")
def catalog() -> list[FakeCar]:
    return make_catalog(20_000, seed=18)


def _priced(cars: list[FakeCar]) -> list[tuple[FakeCar, float]]:
    """(car, log body price) of the cars with a body price."""
    return [(car, math.log(float(car.price_man))) for car in cars if car.price_man is not None]


def _within_cells(
    cars: list[FakeCar], value: Callable[[FakeCar], float]
) -> list[tuple[float, float]]:
    """(value, log price), both minus their mean over the car's model and year: what is left
    once the model's level and the age are taken out."""
    cells: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)
    for car, log_price in _priced(cars):
        cells[(car.model_ja, car.year)].append((value(car), log_price))
    centred = []
    for pairs in cells.values():
        mean_x = statistics.fmean(x for x, _ in pairs)
        mean_y = statistics.fmean(y for _, y in pairs)
        centred.extend((x - mean_x, y - mean_y) for x, y in pairs)
    return centred


def test_newer_cars_of_each_model_cost_more(catalog: list[FakeCar]) -> None:
    by_model: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for car, log_price in _priced(catalog):
        age = PRICE_YEAR - car.year
        if age <= 3:
            by_model[car.model_ja][0].append(log_price)
        elif age >= 10:
            by_model[car.model_ja][1].append(log_price)
    assert len(by_model) == 20
    for model, (new, old) in by_model.items():
        # Seven or more years at 0.101 a year: well over half the price apart.
        gap = statistics.median(new) - statistics.median(old)
        assert gap > 0.5, (model, gap)


def test_prices_fall_with_mileage_and_repair_history(catalog: list[FakeCar]) -> None:
    known = [car for car in catalog if mileage_km(car.mileage) is not None]
    pairs = _within_cells(known, lambda car: math.log1p((mileage_km(car.mileage) or 0) / 10_000))
    assert statistics.correlation([x for x, _ in pairs], [y for _, y in pairs]) < -0.3
    repaired = _within_cells(catalog, lambda car: float(car.repair == "あり"))
    with_repair = statistics.median(y for x, y in repaired if x > 0)
    without = statistics.median(y for x, y in repaired if x < 0)
    assert -0.35 < with_repair - without < -0.1


def test_catalog_holds_deals_of_every_band() -> None:
    cars = make_catalog(6_000, seed=3)
    listings = [
        Listing(
            id=n,
            model=f"{car.make_ja}|{car.model_ja}",
            year=car.year,
            mileage_km=mileage_km(car.mileage),
            repair_history=repair_history(car.repair),
            total_price_jpy=man_yen_to_yen(car.total_man),
        )
        for n, car in enumerate(cars)
    ]
    estimates = estimate_all(listings, min_comparables=5)
    deals = Counter(
        deal(car.total_price_jpy, estimates[car.id].market_price_jpy)
        for car in listings
        if car.total_price_jpy and car.id in estimates
    )
    total = sum(deals.values())
    assert total > 0.9 * sum(car.total_man is not None for car in cars)
    shares = {band: deals[band] / total for band in DEALS}
    # Real carsensor prices: great 15 %, good 19 %, fair 33 %, high 19 %, overpriced 14 %.
    assert all(share > 0.08 for share in shares.values()), shares
    assert 0.2 < shares["great"] + shares["overpriced"] < 0.4, shares
    assert shares["fair"] == max(shares.values()), shares


def test_catalog_is_the_same_per_seed_and_keeps_carsensors_price_format() -> None:
    cars = make_catalog(2_000, seed=9)
    assert cars == make_catalog(2_000, seed=9)
    assert cars != make_catalog(2_000, seed=10)
    unpriced = [car for car in cars if car.price_man is None]
    assert 0 < len(unpriced) < 0.05 * len(cars)
    assert all(car.total_man is None for car in unpriced)
    for car in cars:
        if car.price_man is None or car.total_man is None:
            continue
        assert re.fullmatch(r"\d+\.\d", car.price_man) and re.fullmatch(r"\d+\.\d", car.total_man)
        fee = float(car.total_man) - float(car.price_man)
        assert FEES_MAN[0] - 0.05 < fee < FEES_MAN[1] + 0.05
        assert float(car.price_man) >= 1
