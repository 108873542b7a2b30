"""The carsensor spider: path-style list pages, then detail pages only where needed."""

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Literal, Self
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from core.db import make_engine, session_factory
from crawler.items import CarItem
from crawler.normalize import man_yen_to_yen
from crawler.parsing import apply_detail, parse_detail_page, parse_list_page
from crawler.storage import Known, known_listings

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
DETAIL_MODES = ("new", "all", "none")
_MAKE_CODE = re.compile(r"^[A-Z]{2,3}$")
_LIST_PATH = re.compile(
    r"^/usedcar/(?:b(?P<make>[A-Z]{2,3})/(?:(?P<model>s\w+)/)?)?index\d*\.html$"
)
_PAGE_NUMBER = re.compile(r"index(\d*)\.html$")

# "all" marks stale anything of this source; a tuple limits it to those makers; None marks nothing.
StaleScope = Literal["all"] | tuple[str, ...] | None


class CarsensorSpider(scrapy.Spider):
    """Crawl carsensor.net used-car listings into the `cars` table."""

    name = "carsensor"

    def __init__(
        self,
        *args: Any,
        start_urls: str | None = None,
        makes: str | None = None,
        max_pages: str | int | None = None,
        details: str = "new",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if details not in DETAIL_MODES:
            raise ValueError(f"details must be one of {', '.join(DETAIL_MODES)}, not {details!r}")
        self.details = details
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be a positive number")
        self.start_urls_arg = [u.strip() for u in (start_urls or "").split(",") if u.strip()]
        self.makes = [m.strip().upper() for m in (makes or "").split(",") if m.strip()]
        if bad := [m for m in self.makes if not _MAKE_CODE.match(m)]:
            raise ValueError(f"makes must be maker codes such as TO,NI: {bad}")
        # Cleared by anything that cuts the crawl short; only a complete crawl marks stale.
        self.crawl_complete = True

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Route downloads through Chromium when CARSENSOR_PLAYWRIGHT is on."""
        super().update_settings(settings)
        if settings.getbool("CARSENSOR_PLAYWRIGHT"):
            handlers = {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
            settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Bind the spider to the configured site and, for details=new, the database."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = crawler.settings.get("CARSENSOR_BASE_URL").rstrip("/")
        spider.allowed_domains = [urlsplit(spider.base_url).hostname or ""]
        spider.start_urls = spider.build_start_urls()
        spider.stale_scope = spider.scope_of(spider.start_urls)
        spider.use_playwright = crawler.settings.getbool("CARSENSOR_PLAYWRIGHT")
        database_url = crawler.settings.get("DATABASE_URL")
        spider.engine = make_engine(database_url) if spider.details == "new" else None
        spider.sessions = session_factory(spider.engine) if spider.engine else None
        return spider

    def build_start_urls(self) -> list[str]:
        """List-page URLs from `start_urls` and `makes`; the site-wide list by default."""
        urls = [urljoin(self.base_url + "/", u) for u in self.start_urls_arg]
        urls += [f"{self.base_url}/usedcar/b{code}/index.html" for code in self.makes]
        for url in urls:
            if not _LIST_PATH.match(urlsplit(url).path):
                raise ValueError(
                    f"not a path-style list page (robots.txt allows only those): {url}"
                )
        return urls or [f"{self.base_url}/usedcar/index.html"]

    @staticmethod
    def scope_of(urls: Iterable[str]) -> StaleScope:
        """Which stored listings a complete crawl of these list pages may mark stale."""
        makes: list[str] = []
        for url in urls:
            match = _LIST_PATH.match(urlsplit(url).path)
            assert match is not None
            if match["model"]:
                return None  # a model list does not show all of a maker's cars
            if not match["make"]:
                return "all"
            makes.append(match["make"])
        return tuple(makes)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Start at page 1 of every start URL."""
        for url in self.start_urls:
            yield self.list_request(url, page=1)

    def list_request(self, url: str, *, page: int) -> scrapy.Request:
        """A list-page request; a 404 reaches the callback, as the end of the list."""
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"page": page},
            meta={"handle_httpstatus_list": [404], "playwright": self.use_playwright},
        )

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        """Yield the page's listings (or their detail requests) and the next page."""
        stats = self.crawler.stats
        assert stats is not None
        if response.status == 404:
            stats.inc_value("list/not_found")
            return
        listing = parse_list_page(response.body, response.url)
        if not listing.complete:
            retry = get_retry_request(response.request, spider=self, reason="truncated_page")
            if retry is not None:
                yield retry
                return
            self.logger.warning("%s stays truncated after retries; keeping its cards", response.url)
            stats.inc_value("list/truncated")
            self.crawl_complete = False
        stats.inc_value("list/pages")
        stats.inc_value("list/cards", len(listing.cards))
        yield from self.listings(listing.cards)
        if not listing.cards:
            return
        next_url = listing.next_url
        if next_url is None and not listing.has_pager:
            next_url = self.following_page(response.url)
        if next_url is None:
            return
        if self.max_pages is not None and page >= self.max_pages:
            stats.inc_value("list/max_pages_reached")
            self.crawl_complete = False
            return
        yield self.list_request(next_url, page=page + 1)

    @staticmethod
    def following_page(url: str) -> str:
        """index.html -> index2.html, indexN.html -> index(N+1).html."""
        match = _PAGE_NUMBER.search(url)
        number = int(match.group(1) or 1) if match else 1
        return _PAGE_NUMBER.sub(f"index{number + 1}.html", url)

    def listings(self, cards: list[CarItem]) -> Iterator[Any]:
        """Yield each card as an item, or a detail request for the cards that need one."""
        if self.details == "none":
            yield from cards
            return
        known = self.lookup([c.external_id for c in cards if c.external_id])
        for card in cards:
            if card.external_id and card.url and self.needs_detail(card, known):
                yield scrapy.Request(
                    card.url,
                    callback=self.parse_detail,
                    errback=self.detail_failed,
                    cb_kwargs={"item": card},
                    # Details first: the queue drains before more list pages pile up.
                    priority=1,
                    meta={
                        "dont_redirect": True,
                        "handle_httpstatus_list": [301, 302, 303, 307, 308, 404],
                        "playwright": self.use_playwright,
                    },
                )
            else:
                self.crawler.stats.inc_value("detail/skipped")  # type: ignore[union-attr]
                yield card

    def lookup(self, ids: list[str]) -> dict[str, Known]:
        """Stored prices of these listings; empty when details=all or the database is down."""
        if self.sessions is None or not ids:
            return {}
        try:
            with self.sessions() as session:
                return known_listings(ids, session=session, source=self.name)
        except SQLAlchemyError as exc:
            self.logger.warning("cannot read known listings (%s); fetching their details", exc)
            return {}

    def needs_detail(self, card: CarItem, known: dict[str, Known]) -> bool:
        """details=new: a detail page only for a new listing, a changed price or no details yet."""
        if self.details == "all":
            return True
        stored = known.get(card.external_id or "")
        if stored is None or not stored.has_detail:
            return True
        try:
            prices = (man_yen_to_yen(card.price_raw), man_yen_to_yen(card.total_price_raw))
        except ValueError:
            return False  # the pipeline drops this card; a detail page would not save it
        return prices != (stored.price_jpy, stored.total_price_jpy)

    def parse_detail(self, response: Response, item: CarItem) -> Iterator[CarItem]:
        """Enrich the listing; a 404 or a redirect to the search page marks it inactive."""
        stats = self.crawler.stats
        assert stats is not None
        location = response.headers.get(b"Location", b"").decode("latin-1")
        if response.status == 404 or "search.php" in location:
            stats.inc_value("detail/gone")
            item.is_active = False
        elif response.status != 200:
            stats.inc_value(f"detail/status_{response.status}")
        else:
            apply_detail(item, parse_detail_page(response.body, response.url))
            stats.inc_value("detail/parsed")
        yield item

    def detail_failed(self, failure: Failure) -> Iterator[CarItem]:
        """A detail page that failed after retries: keep the list-page data."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning(
            "detail %s failed (%s); storing the card alone", request.url, failure.value
        )
        self.crawler.stats.inc_value("detail/failed")  # type: ignore[union-attr]
        yield request.cb_kwargs["item"]

    def list_failed(self, failure: Failure) -> None:
        """A list page that failed after retries cuts the crawl short."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.error("list page %s failed: %s", request.url, failure.value)
        self.crawler.stats.inc_value("list/failed")  # type: ignore[union-attr]
        self.crawl_complete = False

    def closed(self, reason: str) -> None:
        """Release the database connections."""
        if self.engine is not None:
            self.engine.dispose()
