"""core.read: the cache of totals and facets, and the indexes behind the pages."""

import asyncio
import re
from typing import cast

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.filters import CarFilters
from core.paging import Page, encode_cursor, page_query
from core.read import Totals


class FakeSession:
    """Answers the version query of Totals with the cars' `version` and the last recompute
    (`valued`), and counts how often it asked."""

    def __init__(self) -> None:
        self.version, self.valued = 1, 1
        self.asked = 0

    async def execute(self, _query: object) -> "FakeSession":
        self.asked += 1
        return self

    def one(self) -> tuple[int, int]:
        return self.version, self.valued


def test_totals_are_computed_once_per_version_and_key() -> None:
    calls: list[int] = []

    async def count(value: int) -> int:
        calls.append(value)
        await asyncio.sleep(0.01)
        return value

    async def scenario() -> None:
        totals, fake = Totals(1e-9), FakeSession()
        session = cast(AsyncSession, fake)
        many = [totals.get("k", lambda: count(7), session=session) for _ in range(5)]
        assert await asyncio.gather(*many) == [7] * 5 and calls == [7]
        assert await totals.get("k", lambda: count(8), session=session) == 7
        fake.version = 2  # the cars changed
        assert await totals.get("k", lambda: count(9), session=session) == 9
        fake.valued = 2  # a recompute changed their market values
        assert await totals.get("k", lambda: count(10), session=session) == 10
        assert calls == [7, 9, 10]

    asyncio.run(scenario())


def test_a_failure_is_not_kept_and_zero_keeps_nothing() -> None:
    async def fail() -> int:
        raise RuntimeError("database unavailable")

    async def answer() -> int:
        return 3

    async def scenario() -> None:
        totals, session = Totals(1e-9), cast(AsyncSession, FakeSession())
        with pytest.raises(RuntimeError):
            await totals.get("k", fail, session=session)
        assert await totals.get("k", answer, session=session) == 3
        off = Totals(0)
        assert await off.get("k", answer, session=session) == 3
        with pytest.raises(RuntimeError):
            await off.get("k", fail, session=session)

    asyncio.run(scenario())


def test_the_version_is_looked_up_at_most_every_check_seconds() -> None:
    async def scenario() -> int:
        totals, fake = Totals(3600), FakeSession()
        for value in range(5):
            await totals.get(
                value, lambda value=value: asyncio.sleep(0, value), session=cast(AsyncSession, fake)
            )
        return fake.asked

    assert asyncio.run(scenario()) == 1


DEAL_CURSOR = encode_cursor("deal", {"deal_ratio": 0.93, "id": 1234})


def test_page_queries_walk_an_index_in_their_order(db_url: str) -> None:
    """Every sort walks its index (migration 0002) without sorting, and so do one make by price
    at depth (its page's rows aside) and a prefecture's newest (migration 0005)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL plans")
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            # An empty table: without these, sorting a bitmap scan's rows is as cheap.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                conn.execute(text(f"SET {setting} = off"))
            for filters, page, index in [
                (CarFilters(), Page(), "ix_cars_sort_updated"),
                (CarFilters(sort="updated"), Page(), "ix_cars_sort_updated"),
                (CarFilters(sort="-price"), Page(), "ix_cars_sort_price_desc"),
                (CarFilters(sort="year"), Page(), "ix_cars_sort_year"),
                (CarFilters(make="Toyota", sort="price"), Page(page=50), "ix_cars_make_price"),
                (CarFilters(prefecture="東京都"), Page(), "ix_cars_prefecture_updated"),
                (CarFilters(sort="-year"), Page(page=361, page_size=50), "ix_cars_sort_year_desc"),
                # The market sorts walk car_market's (migration 0016), joined to the cars.
                (CarFilters(sort="deal"), Page(), "ix_car_market_deal"),
                (CarFilters(sort="-discount"), Page(), "ix_car_market_discount_desc"),
                (CarFilters(sort="deal"), Page(cursor=DEAL_CURSOR), "ix_car_market_deal"),
                (CarFilters(sort="deal"), Page(page=40, page_size=50), "ix_car_market_deal"),
            ]:
                statement = page_query(filters, page)
                sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
                # A Sort node of more than a page's rows would mean that the index only finds
                # the rows and every page sorts them all. A deep page sorts its own rows.
                sorted_rows = re.findall(r"Sort  \(cost=\S+ rows=(\d+)", plan)
                assert index in plan, plan
                assert all(int(rows) <= page.page_size for rows in sorted_rows), plan
                if page.page > 1:  # the rows before the page are skipped in the index alone
                    assert re.search(rf"Index Only Scan (Backward )?using {index}\b", plan), plan
    finally:
        engine.dispose()
