"""What details=new knows of stored listings before the first list page, read off the reactor."""

import asyncio
import logging

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from sqlalchemy.orm import Session

from crawler.known import KnownListings
from crawler.spiders.carsensor import CarsensorSpider
from replay.ports import free_port
from tests.factories import listing, store


def crawler_of(db_url: str, **arguments: str) -> Crawler:
    """A crawler with its carsensor spider made from `arguments`, as `scrapy crawl` makes it."""
    crawler = get_crawler(
        CarsensorSpider, {"DATABASE_URL": db_url, "CARSENSOR_BASE_URL": "http://site.test"}
    )
    crawler.spider = CarsensorSpider.from_crawler(crawler, **arguments)
    return crawler


def opened(crawler: Crawler) -> KnownListings:
    known = KnownListings.from_crawler(crawler)
    assert crawler.spider is not None
    asyncio.run(known.spider_opened(crawler.spider))
    return known


def test_a_maker_crawl_knows_its_makers_listings(db_url: str, session: Session) -> None:
    store(session, listing("AU1", detail_fetched=True), listing("AU2"))
    store(session, listing("AU3", make="Honda", make_code="HO"), listing("AU4", make_code="NI"))
    crawler = crawler_of(db_url, makes="TO,HO", details="new")
    known = opened(crawler)
    assert set(known.listings) == {"AU1", "AU2", "AU3"}
    assert known.listings["AU1"].has_detail and not known.listings["AU2"].has_detail
    assert crawler.stats is not None and crawler.stats.get_value("details/known") == 3

    site_wide = opened(crawler_of(db_url, details="new"))
    assert set(site_wide.listings) == {"AU1", "AU2", "AU3", "AU4"}


@pytest.mark.parametrize("details", ["all", "none"])
def test_only_details_new_reads_what_is_stored(details: str) -> None:
    with pytest.raises(NotConfigured):
        KnownListings.from_crawler(crawler_of("sqlite://", details=details))


def test_an_unreadable_database_fetches_every_detail(caplog: pytest.LogCaptureFixture) -> None:
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    crawler = crawler_of(down, makes="TO", details="new")
    with caplog.at_level(logging.WARNING, logger="crawler.known"):
        known = opened(crawler)
    assert known.listings == {}
    assert crawler.stats is not None
    assert crawler.stats.get_value("details/known_unreadable") == 1
    assert "fetching every detail page" in caplog.text
