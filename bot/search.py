"""The bot's database work: one page of a search, and the one filter worth relaxing.

Plain synchronous functions on a SQLAlchemy Session, built only from core.filters; the
handlers run them in a worker thread (asyncio.to_thread) so the event loop never blocks.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.filters import CarFilters, Page, count_cars, search_cars

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


def best_relaxation(filters: Mapping[str, Any], *, session: Session) -> Relaxation | None:
    """The set filter whose removal finds the most cars (the first one on a tie); None if none."""
    best: Relaxation | None = None
    for name, value in filters.items():
        if name in _RELAXABLE_SKIP:
            continue
        rest = {other: v for other, v in filters.items() if other != name}
        count = count_cars(CarFilters.model_validate(rest), session=session)
        if count and (best is None or count > best.count):
            best = Relaxation(name, value, count)
    return best


def run_search(filters: Mapping[str, Any], offset: int, *, session: Session) -> Outcome:
    """The PAGE_SIZE cars from `offset` on, the count, and a relaxation when nothing matches."""
    page = Page(page=offset // PAGE_SIZE + 1, page_size=PAGE_SIZE)
    cars, count = search_cars(CarFilters.model_validate(filters), page, session=session)
    if count:
        return Outcome(cars, count)
    return Outcome(cars, count, best_relaxation(filters, session=session))
