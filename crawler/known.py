"""What the database knows of the listings a list crawl walks: details=new fetches a detail page
only for a listing it does not know, knows without details, or knows at another price."""

import asyncio
import logging
from collections.abc import Mapping
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from core.db import session_factory
from crawler.db import crawl_engine
from crawler.items import SOURCE
from crawler.lists import Walk
from crawler.storage import Known, known_listings

logger = logging.getLogger(__name__)


class KnownListings:
    """Extension: the stored listings of the makers the spider's lists cover (every maker for a
    list under none), read off the reactor thread when the spider opens; the engine awaits that
    before the first request.

    Only for details=new. A listing costs about 210 bytes (its id, a `Known`, the dict's slot):
    20 MiB for a maker of 100k listings, read in about a second. A failed read counts
    `details/known_unreadable` and leaves it empty, so every detail page is fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.listings: Mapping[str, Known] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Listen for the spider's start, if it fetches only the details it needs."""
        if getattr(crawler.spider, "details", None) != "new":
            raise NotConfigured("only details=new compares listings with what is stored")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        """Load the listings of the spider's list walks."""
        walks: dict[str, Walk] = getattr(spider, "walks", {})
        makers = {walk.target.maker for walk in walks.values()}
        make_codes = None if None in makers else sorted(m for m in makers if m)
        sessions = session_factory(crawl_engine(self.crawler))

        def load() -> dict[str, Known]:
            with sessions() as session:
                return known_listings(session=session, source=SOURCE, make_codes=make_codes)

        try:
            self.listings = await asyncio.to_thread(load)
        except SQLAlchemyError as exc:
            self.stats.inc_value("details/known_unreadable")
            logger.warning("cannot read the known listings (%s); fetching every detail page", exc)
            return
        self.stats.set_value("details/known", len(self.listings))
        logger.info("%d listings known of makers %s", len(self.listings), make_codes or "all")
