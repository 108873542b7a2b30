"""Market value and deal rating: the weighted median price of a listing's nearest comparables.

A listing's comparables are the priced listings, active or recently gone, of the same model
within `MAX_DISTANCE`, where one model year apart, `LOG_MILEAGE_PER_YEAR` of log(1 + km / 10,000)
apart and a different repair history (when both are known) each count 1. Its market price is the
median of the `NEIGHBOURS` nearest (and any as near as the last), each weighted 1 / (1 + its
distance); p25 and p75 are the weighted quartiles of the same prices. Fewer than
`min_comparables` within reach: no estimate.

A listing is never priced by itself, nor by its twins: the listings of its own cell (same model,
year, mileage and repair history), which are often the same car listed twice. So the estimate is
a function of the cell alone, and of other cells' prices: twins get the same estimate, and of two
twins the cheaper one never gets the worse deal. `python -m bench.market_bench` measures it on
real carsensor prices, against the model's and the model-and-year's median price.
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

NEIGHBOURS = 15
# One model year weighs as much as 0.3 of log(1 + km / 10,000): ~6,000 km for a car with
# 10,000 km, ~20,000 km at 50,000 km, ~33,000 km at 100,000 km.
LOG_MILEAGE_PER_YEAR = 0.3
MILEAGE_UNIT_KM = 10_000
REPAIR_DISTANCE = 1.0
MAX_DISTANCE = 3.0

# Deal bands, price ÷ market price in percent, upper edges included; above the last: overpriced.
DEAL_BANDS: tuple[tuple[str, int], ...] = (
    ("great", 85),
    ("good", 95),
    ("fair", 105),
    ("high", 115),
)
DEALS: tuple[str, ...] = (*(name for name, _ in DEAL_BANDS), "overpriced")


@dataclass(frozen=True, slots=True)
class Listing:
    """What the estimator reads of a car: a comparable when priced, estimated when active."""

    id: int
    model: str  # any key naming one model: listings compare only with the same key
    year: int | None
    mileage_km: int | None
    repair_history: bool | None
    total_price_jpy: int | None
    active: bool = True  # False: recently gone, a comparable only


@dataclass(frozen=True, slots=True)
class Estimate:
    """A market price with the interquartile band of its comparables' prices."""

    market_price_jpy: int
    p25_jpy: int
    p75_jpy: int
    comparables: int


# A comparable group: the priced listings of one model, year and repair history, by mileage.
_Group = tuple[list[int], list[float], list[int], list[int]]  # mileages, logs, prices, ids
_Cell = tuple[str, int, int, bool | None]  # model, year, mileage, repair history


def _log_mileage(km: int) -> float:
    return math.log1p(km / MILEAGE_UNIT_KM) / LOG_MILEAGE_PER_YEAR


def _repair_distance(a: bool | None, b: bool | None) -> float:
    # An unknown history (no detail page read yet) compares with both.
    return REPAIR_DISTANCE if a is not None and b is not None and a != b else 0.0


def _search_order(repair: bool | None) -> list[tuple[float, int, bool | None]]:
    """(distance, year offset, repair) of the groups within reach, nearest first."""
    order = [
        (abs(dy) + _repair_distance(repair, other), dy, other)
        for dy in range(-int(MAX_DISTANCE), int(MAX_DISTANCE) + 1)
        for other in (False, True, None)
    ]
    return sorted((o for o in order if o[0] <= MAX_DISTANCE), key=lambda o: o[0])


_ORDERS = {repair: _search_order(repair) for repair in (False, True, None)}


def _groups(listings: list[Listing]) -> dict[tuple[str, int, bool | None], _Group]:
    rows: dict[tuple[str, int, bool | None], list[tuple[int, int, int]]] = defaultdict(list)
    for car in listings:
        price = car.total_price_jpy
        if car.year is not None and car.mileage_km is not None and price and price > 0:
            rows[(car.model, car.year, car.repair_history)].append((car.mileage_km, price, car.id))
    groups = {}
    for key, triples in rows.items():
        triples.sort()
        kms = [km for km, _, _ in triples]
        groups[key] = (
            kms,
            [_log_mileage(km) for km in kms],
            [price for _, price, _ in triples],
            [id_ for _, _, id_ in triples],
        )
    return groups


def _nearest(
    groups: dict[tuple[str, int, bool | None], _Group], cell: _Cell, want: int
) -> list[tuple[float, int, int]]:
    """(distance, price, id) of the `want` comparables nearest `cell`, with ties, outside it."""
    model, year, km, repair = cell
    here = _log_mileage(km)
    found: list[tuple[float, int, int]] = []
    bound = MAX_DISTANCE
    for offset, dy, other in _ORDERS[repair]:
        if offset > bound:
            break
        group = groups.get((model, year + dy, other))
        if group is None:
            continue
        kms, logs, prices, ids = group
        lo = bisect_left(kms, km)
        # The cell itself: its mileage in its own group is skipped.
        hi = bisect_right(kms, km) if dy == 0 and other == repair else lo
        left, right, taken = lo - 1, hi, 0
        # Walk outwards from the mileage, nearest first, while within the bound.
        while True:
            d_left = offset + here - logs[left] if left >= 0 else math.inf
            d_right = offset + logs[right] - here if right < len(kms) else math.inf
            if min(d_left, d_right) > bound:
                break
            if d_left <= d_right:
                found.append((d_left, prices[left], ids[left]))
                left -= 1
            else:
                found.append((d_right, prices[right], ids[right]))
                right += 1
            taken += 1
            if taken == want:
                # This group alone has `want` this near: nothing farther can be among the nearest.
                bound = found[-1][0]
        if len(found) >= want:
            found.sort()
            bound = found[want - 1][0]
    found.sort()
    if len(found) > want:
        last = found[want - 1][0]
        found = [f for f in found if f[0] <= last]
    return found


def _estimate(nearest: list[tuple[float, int, int]], min_comparables: int) -> Estimate | None:
    if len(nearest) < max(1, min_comparables):
        return None
    weighted = sorted((price, 1 / (1 + distance)) for distance, price, _ in nearest)
    cumulative = list(accumulate(weight for _, weight in weighted))

    def quantile(q: float) -> int:
        """The lowest price at which the cumulative weight reaches `q` of the total."""
        return weighted[bisect_left(cumulative, q * cumulative[-1])][0]

    return Estimate(quantile(0.5), quantile(0.25), quantile(0.75), len(nearest))


def estimate_all(listings: Iterable[Listing], *, min_comparables: int) -> dict[int, Estimate]:
    """The estimate of every active listing with a year and a mileage and enough comparables.

    Listings without a price are estimated too; they are no one's comparable. Recently gone
    listings (`active=False`) are comparables only.
    """
    cars = list(listings)
    groups = _groups(cars)
    want = max(NEIGHBOURS, min_comparables)
    by_cell: dict[_Cell, Estimate | None] = {}
    estimates = {}
    for car in cars:
        if not car.active or car.year is None or car.mileage_km is None:
            continue
        cell = (car.model, car.year, car.mileage_km, car.repair_history)
        # Twins share one estimate, so it is made once per cell.
        if cell not in by_cell:
            by_cell[cell] = _estimate(_nearest(groups, cell, want), min_comparables)
        if (estimate := by_cell[cell]) is not None:
            estimates[car.id] = estimate
    return estimates


def comparables(
    listings: Iterable[Listing], car: Listing, *, min_comparables: int
) -> list[tuple[float, int]]:
    """(distance, id) of the comparables among `listings` that `car`'s estimate is made from,
    nearest first; none when it gets no estimate."""
    if car.year is None or car.mileage_km is None:
        return []
    groups = _groups([listing for listing in listings if listing.model == car.model])
    cell = (car.model, car.year, car.mileage_km, car.repair_history)
    nearest = _nearest(groups, cell, max(NEIGHBOURS, min_comparables))
    if len(nearest) < max(1, min_comparables):
        return []
    return [(distance, id_) for distance, _, id_ in nearest]


def days_on_market(first_seen_at: datetime, gone_at: datetime | None, *, now: datetime) -> int:
    """Whole days a listing has been on sale: to now, or to when it was last seen once gone."""
    return max(0, ((gone_at or now) - first_seen_at).days)


def deal(price_jpy: int | None, market_price_jpy: int | None) -> str | None:
    """The deal band of `price_jpy` against the market price; None without either."""
    if price_jpy is None or not market_price_jpy:
        return None
    for name, percent in DEAL_BANDS:
        # Integers, so a price of exactly 85 % of the market price is great, not good.
        if price_jpy * 100 <= market_price_jpy * percent:
            return name
    return DEALS[-1]
