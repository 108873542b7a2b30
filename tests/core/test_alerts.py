"""core.alerts: which saved searches are behind the last storing crawl, and what they are told."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core import alerts
from core.filters import CarFilters
from core.models import CrawlRun, SavedSearch, User, utcnow
from core.valuation import recompute
from tests.conftest import AsyncWork
from tests.factories import listing, store

T0 = utcnow().replace(microsecond=0) - timedelta(hours=1)


def crawl_ended(session: Session, at: datetime, *, stored: int = 5, job: str = "j1") -> None:
    session.add(CrawlRun(
        shard=f"TO {job}", node="n", job_id=job, status="running", items_stored=stored,
        outcome="finished", progress_at=at,
    ))  # fmt: skip
    session.commit()


def saved(session: Session, **values: Any) -> SavedSearch:
    search = SavedSearch(**{"name": "Toyota", "filters": {"make": "Toyota"}, "alerted_until": T0,
                            "chat_id": 42, **values})  # fmt: skip
    session.add(search)
    session.commit()
    return search


def seed(session: Session) -> None:
    """Before T0: four cars on sale. After it: two price drops, a small one, two new cars."""
    store(
        session,
        listing("OLD1", total_price_jpy=2_000_000),
        listing("OLD2", total_price_jpy=1_000_000),
        listing("OLD3", total_price_jpy=3_000_000),
        listing("HON1", make="Honda", model="Fit", total_price_jpy=900_000),
        at=T0 - timedelta(hours=2),
    )
    store(
        session,
        listing("OLD1", total_price_jpy=1_900_000),  # -5 %: told
        listing("OLD2", total_price_jpy=970_000),  # -3 %: not
        listing("OLD3", total_price_jpy=2_400_000),  # -20 %: told first
        listing("HON1", make="Honda", model="Fit", total_price_jpy=500_000),  # another make
        listing("NEW1"),
        listing("NEW2", make="Honda", model="Fit"),
        at=T0 + timedelta(minutes=1),
    )


def test_a_search_is_told_of_new_cars_and_drops_of_five_percent_once(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    seed(session)
    search = saved(session)
    crawl_ended(session, T0 + timedelta(minutes=2))

    async def work(db: AsyncSession) -> tuple[Any, ...]:
        until = await alerts.stored_until(session=db)
        assert until is not None
        (found, chat_id), *rest = await alerts.behind(until, session=db)
        alert = await alerts.changes(found, chat_id, until, drop_percent=5, session=db)
        first = await alerts.claim(alert, session=db)
        again = await alerts.claim(alert, session=db)  # as a second process would
        await db.commit()
        return until, rest, alert, first, again, await alerts.behind(until, session=db)

    until, rest, alert, first, again, after = read_async(work)
    assert until == T0 + timedelta(minutes=2) and rest == []
    assert alert.chat_id == 42 and alert.search.id == search.id
    assert [car["external_id"] for car in alert.new] == ["NEW1"] and alert.new_count == 1
    assert [(d.car["external_id"], d.was_jpy) for d in alert.drops] == [
        ("OLD3", 3_000_000),
        ("OLD1", 2_000_000),
    ]
    assert alert.drops[0].percent == 20.0 and alert.drop_count == 2
    assert (first, again, after) == (True, False, [])


def test_nothing_is_due_without_a_storing_crawl_or_a_chat(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    seed(session)
    user = User(username="u", password_hash="x")
    session.add(user)
    session.commit()
    saved(session, chat_id=None, user_id=user.id)  # a web user with no linked chat
    crawl_ended(session, T0 + timedelta(minutes=2), stored=0)

    async def work(db: AsyncSession) -> tuple[Any, ...]:
        return await alerts.stored_until(session=db), await alerts.behind(utcnow(), session=db)

    assert read_async(work) == (None, [])
    user.telegram_chat_id = 777
    session.commit()
    [(found, chat_id)] = read_async(lambda db: alerts.behind(utcnow(), session=db))
    assert found.user_id == user.id and chat_id == 777


def test_a_crawls_end_waits_to_settle_before_it_is_a_watermark(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    crawl_ended(session, T0, job="old")
    crawl_ended(session, utcnow() - timedelta(seconds=2), job="just now")

    async def work(db: AsyncSession) -> tuple[datetime | None, datetime | None]:
        settled = await alerts.stored_until(session=db, settle=timedelta(seconds=10))
        return settled, await alerts.stored_until(session=db)

    settled, newest = read_async(work)
    assert settled == T0 and newest is not None and newest > T0


def test_an_unchanged_crawl_tells_nothing(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    seed(session)
    saved(session, alerted_until=T0 + timedelta(minutes=5))
    store(session, listing("OLD1", total_price_jpy=1_900_000), at=T0 + timedelta(minutes=6))
    crawl_ended(session, T0 + timedelta(minutes=7))

    async def work(db: AsyncSession) -> alerts.Alert:
        until = await alerts.stored_until(session=db)
        assert until is not None
        [(found, chat_id)] = await alerts.behind(until, session=db)
        return await alerts.changes(found, chat_id, until, drop_percent=5, session=db)

    alert = read_async(work)
    assert alert.empty and alert.new == [] and alert.drops == []


def test_the_web_link_shows_the_search_newest_first() -> None:
    filters = CarFilters(
        make="Toyota", price_max=2_000_000, repair_history=False, deal="great,good"
    )
    assert alerts.web_link("https://cars.example/", filters) == (
        "https://cars.example/?make=Toyota&price_max=2000000&repair_history=false"
        "&deal=great%2Cgood&sort=-updated"
    )


@pytest.mark.parametrize(
    ("filters", "new"),
    [
        ({"make": "Toyota", "deal": ["great", "good"]}, ["CHEAP"]),
        # Sorted by deal, it lists only the cars a recompute took in: it waits as well.
        ({"make": "Toyota", "sort": "deal"}, ["CHEAP", "PLAIN"]),
    ],
)
def test_a_search_by_deal_waits_for_the_market_values_of_the_crawl(
    session: Session,
    read_async: Callable[[AsyncWork], Any],
    filters: dict[str, Any],
    new: list[str],
) -> None:
    # Eight Priuses on sale before T0; after it a new one at half their price, and a new one
    # at theirs.
    store(session, *(listing(f"P{n}", mileage_km=30_000 + n * 1_000,
                             total_price_jpy=2_000_000 + n * 10_000) for n in range(8)),
          at=T0 - timedelta(hours=2))  # fmt: skip
    store(session, listing("CHEAP", total_price_jpy=1_000_000),
          listing("PLAIN", total_price_jpy=2_040_000), at=T0 + timedelta(minutes=1))  # fmt: skip
    search = saved(session, filters=filters)
    crawl_ended(session, T0 + timedelta(minutes=2))

    async def alert(db: AsyncSession) -> alerts.Alert:
        until = await alerts.stored_until(session=db)
        assert until is not None
        ((found, chat_id),) = await alerts.behind(until, session=db)
        told = await alerts.changes(found, chat_id, until, drop_percent=5, session=db)
        assert await alerts.claim(told, session=db)
        await db.commit()
        return told

    # The crawl has ended but no market value has taken it in: nothing yet, and no window lost.
    waiting = read_async(alert)
    assert waiting.empty and waiting.until == T0
    recompute(session=session, min_comparables=5)
    session.commit()
    told = read_async(alert)
    assert told.until == T0 + timedelta(minutes=2)
    assert [car["external_id"] for car in told.new] == new
    assert told.new[0]["deal"] == "great"
    session.refresh(search)
    assert search.alerted_until == T0 + timedelta(minutes=2)
