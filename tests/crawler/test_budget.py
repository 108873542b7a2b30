"""The site-wide request budget: slots booked in the database, the middleware, a real crawl."""

import asyncio
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.models import Car, CrawlBudget
from crawler.budget import Schedule, SiteBudget
from crawler.db import crawl_engine
from replay import ROOT
from replay.crawl import crawl_command, crawl_env
from replay.ports import free_port
from replay.site import ReplaySite, make_catalog

SITE = "127.0.0.1:8081"
# Float sums of epoch seconds (~1.8e9) are exact to about 2.4e-7 s.
EPSILON = 1e-6


def row(engine: Engine, site: str = SITE) -> CrawlBudget:
    with Session(engine) as session:
        found = session.get(CrawlBudget, site)
    assert found is not None
    return found


def test_concurrent_bookings_are_spaced_and_none_lost(engine: Engine) -> None:
    """Threads booking at once get distinct slots at least one interval apart."""
    rate, threads, each = 50.0, 8, 25
    schedule = Schedule(engine, rate)
    slots: list[float] = []
    start = threading.Barrier(threads)

    def book() -> None:
        start.wait()
        for _ in range(each):
            booked = schedule.book(SITE)
            assert booked is not None
            slots.append(booked[0])

    workers = [threading.Thread(target=book) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(slots) == threads * each
    slots.sort()
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / rate - EPSILON
    assert row(engine).next_at == pytest.approx(slots[-1] + 1 / rate, abs=EPSILON)


def test_a_retry_after_pauses_every_booking(engine: Engine) -> None:
    """The site asked to wait: the next slot, whoever books it, comes after the pause; a shorter
    pause never pulls the schedule back."""
    schedule, other_job = Schedule(engine, 10.0), Schedule(engine, 10.0)
    first = schedule.book(SITE)
    assert first is not None
    schedule.defer(SITE, 30.0)
    schedule.defer(SITE, 5.0)
    booked = other_job.book(SITE)
    assert booked is not None
    slot, now = booked
    assert now + 29 < slot < now + 31


def test_idle_books_only_after_the_list_crawls_gap(engine: Engine) -> None:
    """An idle booking is refused while a list crawl booked recently, and granted after."""
    lists = Schedule(engine, 10.0)
    idle = Schedule(engine, 10.0, priority="idle", idle_gap=60.0)
    listed = lists.book(SITE)
    assert listed is not None
    assert idle.book(SITE) is None
    assert row(engine).next_at == pytest.approx(listed[0] + 0.1, abs=EPSILON)  # no slot taken

    # As if the list crawl had booked its last slot a minute ago.
    with engine.begin() as conn:
        conn.execute(update(CrawlBudget).values(list_at=CrawlBudget.list_at - 61.0))
    list_at = row(engine).list_at
    granted = idle.book(SITE)
    assert granted is not None
    assert granted[0] >= listed[0] + 0.1 - EPSILON
    assert row(engine).list_at == list_at  # an idle booking does not hold back other idle ones

    again = lists.book(SITE)
    assert again is not None and again[0] >= granted[0] + 0.1 - EPSILON
    assert idle.book(SITE) is None


def crawler_with(db_url: str, **settings: object) -> Crawler:
    return get_crawler(settings_dict={"DATABASE_URL": db_url, **settings})


def test_the_middleware_waits_for_each_slot(db_url: str, engine: Engine) -> None:
    """Requests to one host:port wait a slot apart; another port has a budget of its own."""
    crawler = crawler_with(db_url, CRAWL_SITE_RATE=4)
    budget = SiteBudget.from_crawler(crawler)

    async def fetch(urls: list[str]) -> None:
        for url in urls:
            await budget.process_request(Request(url))

    async def both() -> None:
        await asyncio.gather(
            fetch([f"http://{SITE}/a", f"http://{SITE}/b", f"http://{SITE}/c"]),
            fetch(["http://127.0.0.1:8082/a"]),
        )

    started = time.monotonic()
    asyncio.run(both())
    assert time.monotonic() - started >= 0.5 - 0.01  # three slots, 0.25 s apart
    crawl_engine(crawler).dispose()

    assert crawler.stats is not None
    assert crawler.stats.get_value("budget/requests") == 4
    assert crawler.stats.get_value("budget/wait_seconds") >= 0.4
    other = row(engine, "127.0.0.1:8082")
    assert other.next_at < row(engine).next_at  # its one slot did not queue behind SITE's


def test_a_slot_missed_by_a_busy_process_is_booked_again(db_url: str, engine: Engine) -> None:
    """A request that wakes well after its slot (a blocked event loop) books a new one."""
    crawler = crawler_with(db_url, CRAWL_SITE_RATE=4)
    budget = SiteBudget.from_crawler(crawler)
    assert crawler.stats is not None
    stats = crawler.stats

    async def scenario() -> None:
        await budget.process_request(Request(f"http://{SITE}/a"))
        first = row(engine).list_at
        second = asyncio.ensure_future(budget.process_request(Request(f"http://{SITE}/b")))
        deadline = time.monotonic() + 10
        while row(engine).list_at == first:  # until the second request has its slot
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        time.sleep(0.5)  # the loop is stuck past that slot and its half-interval of slack
        await second

    asyncio.run(scenario())
    crawl_engine(crawler).dispose()
    assert stats.get_value("budget/late") == 1
    assert stats.get_value("budget/requests") == 2


def test_an_idle_job_yields_to_a_list_crawl(db_url: str, engine: Engine) -> None:
    """The idle middleware asks again until the list crawl has left the site alone for the gap."""
    listed = Schedule(engine, 10.0).book(SITE)
    assert listed is not None
    crawler = crawler_with(
        db_url, CRAWL_SITE_RATE=10, CRAWL_BUDGET_PRIORITY="idle", CRAWL_BUDGET_IDLE_GAP=2.0
    )
    budget = SiteBudget.from_crawler(crawler)
    asyncio.run(budget.process_request(Request(f"http://{SITE}/detail")))
    crawl_engine(crawler).dispose()

    assert crawler.stats is not None
    assert crawler.stats.get_value("budget/yielded") >= 1
    assert crawler.stats.get_value("budget/requests") == 1
    budget_row = row(engine)
    # PostgreSQL reads clock_timestamp() anew for list_at: microseconds from the slot.
    assert budget_row.list_at == pytest.approx(listed[0], abs=1e-3)
    assert budget_row.next_at - 0.1 - budget_row.list_at >= 2.0 - EPSILON


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_settings_that_turn_the_budget_off_or_are_wrong(db_url: str) -> None:
    """Rate 0 disables the middleware; an unknown priority or a negative rate is an error."""
    with pytest.raises(NotConfigured):
        SiteBudget.from_crawler(crawler_with(db_url, CRAWL_SITE_RATE=0))
    with pytest.raises(ValueError, match="CRAWL_BUDGET_PRIORITY"):
        SiteBudget.from_crawler(crawler_with(db_url, CRAWL_SITE_RATE=1, CRAWL_BUDGET_PRIORITY="x"))
    with pytest.raises(ValueError, match="positive"):
        SiteBudget.from_crawler(crawler_with(db_url, CRAWL_SITE_RATE=-1))


def test_an_unreachable_database_drops_the_request() -> None:
    """No slot, no request: after the retries the request is ignored, never sent unbudgeted."""
    crawler = crawler_with(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere",
        CRAWL_SITE_RATE=1,
        STORE_RETRY_TIMES=2,
        STORE_RETRY_BACKOFF=0.01,
    )
    budget = SiteBudget.from_crawler(crawler)
    with pytest.raises(IgnoreRequest):
        asyncio.run(budget.process_request(Request(f"http://{SITE}/a")))
    crawl_engine(crawler).dispose()
    assert crawler.stats is not None
    assert crawler.stats.get_value("budget/unavailable") == 1
    assert crawler.stats.get_value("budget/requests") is None


@pytest.mark.slow
def test_two_crawls_at_once_share_one_budget(db_url: str, engine: Engine, tmp_path: Path) -> None:
    """Two crawl processes, two makes, one site: together they never exceed CRAWL_SITE_RATE."""
    rate, window = 20, 2.0
    cars = make_catalog(300, seed=14)
    makes = ("TO", "NI")
    with ReplaySite(cars) as site:
        crawls = []
        for make in makes:
            (tmp_path / make).mkdir()
            command, stats_file = crawl_command(
                tmp_path / make, "-a", f"makes={make}", settings={"CRAWL_SITE_RATE": str(rate)}
            )
            with (tmp_path / make / "crawl.log").open("w") as log:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=crawl_env(db_url, site.base_url), stdout=log, stderr=log
                )
            crawls.append((process, stats_file))
        for process, _ in crawls:
            process.wait(240)
        peak = site.peak_rate(window)
        span = max(site.times) - min(site.times)
        requests = len(site.requests)

    for (process, _), make in zip(crawls, makes, strict=True):
        assert process.returncode == 0, (tmp_path / make / "crawl.log").read_text()[-4000:]
    # One request of slack: a window may hold both ends of its rate * window slots.
    assert peak * window <= rate * window + 1
    # Every request the site saw booked a slot: robots.txt, list and detail pages.
    booked = sum(json.loads(path.read_text())["budget/requests"] for _, path in crawls)
    assert booked == requests
    # Not far below the budget either (loose: this may run on a busy machine).
    assert span <= 5 * requests / rate + 10
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Car))
    assert stored == sum(car.make_code in makes for car in cars)
