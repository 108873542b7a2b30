"""The details backfill: detail pages of the listings list crawls stored without them."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Self

import scrapy
from scrapy.crawler import Crawler
from sqlalchemy.orm import Session, sessionmaker

from core.db import session_factory
from core.models import utcnow
from crawler.db import crawl_engine
from crawler.detail_pages import DetailPages
from crawler.items import SOURCE, CarItem
from crawler.storage import details_due


class DetailsSpider(DetailPages):
    """Fetch the detail pages of active listings without details, or with details older than
    `max_age_days`: those without first, each newest first, at most `limit` listings a run.

    The store fills only their detail columns (`details_only`): a list crawl may have re-priced
    a listing since it was read here.
    """

    name = "details"
    details_only = True

    def __init__(self, *args: Any, limit: int, max_age_days: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if limit < 1:
            raise ValueError("limit must be positive")
        if max_age_days <= 0:
            raise ValueError("max_age_days must be positive")
        self.limit = limit
        self.max_age = timedelta(days=max_age_days)

    @classmethod
    def from_crawler(
        cls,
        crawler: Crawler,
        *args: Any,
        limit: str | int | None = None,
        max_age_days: str | float | None = None,
        **kwargs: Any,
    ) -> Self:
        """Read the arguments, CRAWL_DETAILS_BUDGET and CRAWL_DETAILS_MAX_AGE_DAYS by default."""
        settings = crawler.settings
        spider = super().from_crawler(
            crawler,
            *args,
            limit=int(limit or settings.getint("CRAWL_DETAILS_BUDGET", 3600)),
            max_age_days=float(
                max_age_days or settings.getfloat("CRAWL_DETAILS_MAX_AGE_DAYS", 30.0)
            ),
            **kwargs,
        )
        spider.use_playwright = settings.getbool("CARSENSOR_PLAYWRIGHT")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """One detail request per due listing; the database is read off the reactor thread."""
        due = await asyncio.to_thread(self.due, session_factory(crawl_engine(self.crawler)))
        self.crawler.stats.set_value("pages/expected", len(due))
        self.logger.info("%d listings due for their details", len(due))
        for item in due:
            yield self.detail_request(item)

    def due(self, sessions: sessionmaker[Session]) -> list[CarItem]:
        """The listings whose details are due, at most `limit`."""
        with sessions() as session:
            return details_due(
                session=session,
                source=SOURCE,
                limit=self.limit,
                fetched_before=utcnow() - self.max_age,
            )

    def detail_done(self, item: CarItem, outcome: str) -> CarItem:
        """Count the listing among the pages read, the progress against `pages/expected`."""
        self.crawler.stats.inc_value("pages/read")
        return super().detail_done(item, outcome)
