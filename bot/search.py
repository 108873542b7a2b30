"""The bot's database work: one page of a search, and the one filter worth relaxing.

Built only from core.read, on the update's AsyncSession (bot.middlewares.DbSessionMiddleware).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.filters import CarFilters
from core.paging import Page
from core.read import count_cars, page_of_cars

PAGE_SIZE = 5
# What a user may be told to drop; sort narrows nothing.
_RELAXABLE_SKIP = frozenset({"sort", "is_active"})


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Dropping `field` from the filters would find `count` cars."""

    field: str
    value: Any
    count: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """One page of a search, the total, and for an empty result the filter to relax."""

    cars: list[dict[str, Any]]
    count: int
    relaxation: Relaxation | None = None


async def best_relaxation(
    filters: Mapping[str, Any], *, session: AsyncSession
) -> Relaxation | None:
    """The set filter whose removal finds the most cars (the first one on a tie); None if none."""
    best: Relaxation | None = None
    for name, value in filters.items():
        if name in _RELAXABLE_SKIP:
            continue
        rest = {other: v for other, v in filters.items() if other != name}
        count = await count_cars(CarFilters.model_validate(rest), session=session)
        if count and (best is None or count > best.count):
            best = Relaxation(name, value, count)
    return best


async def run_search(filters: Mapping[str, Any], offset: int, *, session: AsyncSession) -> Outcome:
    """The PAGE_SIZE cars from `offset` on, the count, and a relaxation when nothing matches."""
    car_filters = CarFilters.model_validate(filters)
    page = Page(page=offset // PAGE_SIZE + 1, page_size=PAGE_SIZE)
    cars = await page_of_cars(car_filters, page, session=session)
    count = await count_cars(car_filters, session=session)
    if count:
        return Outcome(cars, count)
    return Outcome(cars, count, await best_relaxation(filters, session=session))
