"""One politeness budget for the whole site: CRAWL_SITE_RATE requests per second across every
scrapyd node and job, booked in a schedule shared through the database (table crawl_budget).

Every request that goes to the network books the next free slot with one atomic UPDATE (GCRA,
virtual scheduling: next_at becomes max(next_at, now) + 1/rate) and sleeps until it; a process
that wakes too late for its slot books another rather than send in a burst. Times are the
database's clock, so nodes need not agree on theirs. List crawls come first: a job with
CRAWL_BUDGET_PRIORITY=idle (the details backfill) books only once no list crawl has booked a slot
for CRAWL_BUDGET_IDLE_GAP seconds.
"""

import asyncio
import logging
import time
from collections import deque
from itertools import count
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from sqlalchemy import Double, Engine, Update, case, cast, extract, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from core.models import CrawlBudget
from crawler.db import crawl_engine
from crawler.middlewares import retry_after_seconds

logger = logging.getLogger(__name__)

PRIORITIES = ("list", "idle")


def db_clock(dialect: str) -> ColumnElement[float]:
    """The database's current time in seconds since the epoch, as an SQL expression."""
    if dialect == "sqlite":
        # julianday counts days from noon, 24 November 4714 BC; the epoch is day 2440587.5.
        return (func.julianday("now") - 2440587.5) * 86400.0
    # clock_timestamp(), not now(): a booking that waited for the row lock sees the time after it.
    return cast(extract("epoch", func.clock_timestamp()), Double)


class Schedule:
    """The shared request schedule of one database, booked at one priority ("list" or "idle")."""

    def __init__(
        self, engine: Engine, rate: float, *, priority: str = "list", idle_gap: float = 5.0
    ) -> None:
        if rate <= 0:
            raise ValueError(f"the site rate must be positive, not {rate}")
        if priority not in PRIORITIES:
            raise ValueError(f"CRAWL_BUDGET_PRIORITY must be list or idle, not {priority!r}")
        self.engine = engine
        self.interval = 1.0 / rate
        self.priority = priority
        self.idle_gap = float(idle_gap)
        self.now = db_clock(engine.dialect.name)
        self._created: set[str] = set()

    def book(self, site: str) -> tuple[float, float] | None:
        """Book the next slot for `site`: (slot, now), both on the database's clock; None when
        an idle booking is refused because a list crawl booked within the idle gap."""
        if site not in self._created:
            self._create(site)
            self._created.add(site)
        with self.engine.begin() as conn:
            row = conn.execute(self._booking(site)).one_or_none()
        return None if row is None else (float(row.slot), float(row.now))

    def _booking(self, site: str) -> Update:
        start = case((CrawlBudget.next_at > self.now, CrawlBudget.next_at), else_=self.now)
        values: dict[str, Any] = {"next_at": start + self.interval}
        where = [CrawlBudget.site == site]
        if self.priority == "list":
            values["list_at"] = start
        else:
            where.append(CrawlBudget.list_at <= self.now - self.idle_gap)
        return (
            update(CrawlBudget)
            .where(*where)
            .values(**values)
            .returning((CrawlBudget.next_at - self.interval).label("slot"), self.now.label("now"))
        )

    def defer(self, site: str, seconds: float) -> None:
        """Book nothing for `site` in the next `seconds`: the site asked every client to wait."""
        later = self.now + seconds
        pushed = case((CrawlBudget.next_at > later, CrawlBudget.next_at), else_=later)
        with self.engine.begin() as conn:
            conn.execute(update(CrawlBudget).where(CrawlBudget.site == site).values(next_at=pushed))

    def _create(self, site: str) -> None:
        # Jobs starting together may all create the row: the first insert wins, the rest no-op.
        row = {"site": site, "next_at": 0.0, "list_at": 0.0}
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(postgresql.insert(CrawlBudget).values(row).on_conflict_do_nothing())
            else:
                conn.execute(sqlite.insert(CrawlBudget).values(row).on_conflict_do_nothing())


class DbClock:
    """Maps times on the database's clock onto this process's monotonic clock.

    The database read `now` between the query's start and its answer's arrival here, so
    `arrival - now` bounds the offset from above; the smallest bound of the last minute (the
    fastest round trip) is the tightest, and waiting by it is never early.
    """

    def __init__(self, horizon: float = 60.0) -> None:
        self.horizon = horizon
        # (arrival, bound), bounds increasing: the front holds the window's smallest.
        self._bounds: deque[tuple[float, float]] = deque()

    def observe(self, now: float) -> None:
        """Take the database time `now` of an answer that has just arrived."""
        arrival = time.monotonic()
        bound = arrival - now
        while self._bounds and self._bounds[-1][1] >= bound:
            self._bounds.pop()
        self._bounds.append((arrival, bound))
        # A minute-old bound goes, so drift between the two clocks cannot pile up.
        while self._bounds[0][0] < arrival - self.horizon:
            self._bounds.popleft()

    def local(self, db_time: float) -> float:
        """The monotonic time by which the database's clock has surely reached `db_time`."""
        return db_time + self._bounds[0][1]


class SiteBudget:
    """Downloader middleware: each request waits for its slot in the site-wide schedule.

    At 950, after HttpCacheMiddleware, so cache hits spend nothing; retries and robots.txt book
    like any other request. CRAWL_SITE_RATE=0 turns it off.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        rate = settings.getfloat("CRAWL_SITE_RATE", 0.0)
        if rate == 0:
            raise NotConfigured("CRAWL_SITE_RATE is 0: no site budget")
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.retry_times = settings.getint("STORE_RETRY_TIMES", 5)
        self.pause_codes = {int(c) for c in settings.getlist("RETRY_AFTER_HTTP_CODES", [429, 503])}
        self.max_pause = settings.getfloat("RETRY_AFTER_MAX", 300.0)
        self.retry_backoff = settings.getfloat("STORE_RETRY_BACKOFF", 1.0)
        idle_gap = settings.getfloat("CRAWL_BUDGET_IDLE_GAP", 5.0)
        self.idle_poll = min(idle_gap, 1.0)
        # Sent within half an interval of its slot, a window of n intervals holds n + 1 at most.
        self.lateness = 0.5 / rate
        self.waited = 0.0
        self.clock = DbClock()
        self.schedule = Schedule(
            crawl_engine(crawler),
            rate,
            priority=settings.get("CRAWL_BUDGET_PRIORITY", "list"),
            idle_gap=idle_gap,
        )
        logger.info(
            "site budget: %g requests/s across every job, priority %s", rate, self.schedule.priority
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware from the crawler's settings."""
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Book a slot for the request's host:port and sleep until it comes; book again when
        this process woke too late to use it."""
        site = urlparse_cached(request).netloc
        while True:
            booked = await self._book(site, request)
            if booked is None:
                self.stats.inc_value("budget/yielded")
                await asyncio.sleep(self.idle_poll)
                continue
            slot, now = booked
            self.clock.observe(now)
            due = self.clock.local(slot)
            wait = max(0.0, due - time.monotonic())
            await asyncio.sleep(wait)
            self.waited += wait
            self.stats.set_value("budget/wait_seconds", round(self.waited, 3))
            if time.monotonic() - due <= self.lateness:
                break
            # A busy event loop hands out answers and wakes sleepers late and together: sent at
            # once, they would burst above the rate, so a missed slot is given up.
            self.stats.inc_value("budget/late")
        self.stats.inc_value("budget/requests")

    async def process_response(self, request: Request, response: Response) -> Response:
        """A 429 or 503 with Retry-After pauses the whole schedule, every node's jobs with it;
        RetryAfterMiddleware retries the request itself."""
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if response.status in self.pause_codes and wait is not None:
            wait = min(wait, self.max_pause)
            try:
                await asyncio.to_thread(self.schedule.defer, urlparse_cached(request).netloc, wait)
            except SQLAlchemyError as exc:  # the retry still waits; only the others do not
                logger.warning("could not pause the site budget: %s", exc)
            else:
                self.stats.inc_value("budget/paused")
                logger.info("%s asked to wait %.0fs: every job pauses", request.url, wait)
        return response

    async def _book(self, site: str, request: Request) -> tuple[float, float] | None:
        for attempt in count():
            try:
                return await asyncio.to_thread(self.schedule.book, site)
            except (OperationalError, InterfaceError) as exc:
                if attempt >= self.retry_times:
                    raise self._unavailable(request, exc) from exc
                delay = self.retry_backoff * 2**attempt
                logger.warning(
                    "budget database unreachable (%s); retrying in %.1fs", exc.orig, delay
                )
                await asyncio.sleep(delay)
            except SQLAlchemyError as exc:  # no table, say: retrying will not help
                raise self._unavailable(request, exc) from exc
        raise AssertionError("unreachable")

    def _unavailable(self, request: Request, exc: Exception) -> IgnoreRequest:
        # Never download without a slot: an unbudgeted request could break the site-wide rate.
        self.stats.inc_value("budget/unavailable")
        logger.error("no budget slot for %s, request dropped: %s", request.url, exc)
        return IgnoreRequest(f"site budget unavailable: {exc}")
