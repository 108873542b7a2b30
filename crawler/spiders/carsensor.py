"""The carsensor spider: path-style list pages, then detail pages only where needed."""

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.detail_pages import DetailPages
from crawler.items import CarItem
from crawler.known import KnownListings
from crawler.lists import ListTarget, Walk, list_target
from crawler.normalize import man_yen_to_yen
from crawler.parsing import ListPage, page_number, page_url, parse_list_page
from crawler.storage import Known

DETAIL_MODES = ("new", "all", "none")


def make_codes(makes: str | None) -> list[str]:
    """The maker codes of the `makes` argument: comma-separated, any case."""
    return [m.strip().upper() for m in (makes or "").split(",") if m.strip()]


class CarsensorSpider(DetailPages):
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
        self.makes = make_codes(makes)
        # One walk per start URL: the evidence that the crawl saw (or missed) its whole list.
        self.walks: dict[str, Walk] = {}
        self.known: Mapping[str, Known] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Bind the spider to the configured site."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = settings.get("CARSENSOR_BASE_URL").rstrip("/")
        spider.allowed_domains = [urlsplit(spider.base_url).hostname or ""]
        spider.walks = {target.url: Walk(target) for target in spider.build_targets()}
        spider.start_urls = list(spider.walks)
        spider.anomaly_retries = settings.getint("LIST_ANOMALY_RETRY_TIMES", 3)
        spider.anomaly_backoff = settings.getfloat("LIST_ANOMALY_BACKOFF", 10.0)
        spider.use_playwright = settings.getbool("CARSENSOR_PLAYWRIGHT")
        return spider

    def build_targets(self) -> list[ListTarget]:
        """List URLs from `start_urls` and `makes`; the site-wide list by default."""
        urls = [urljoin(self.base_url + "/", u) for u in self.start_urls_arg]
        urls += [f"{self.base_url}/usedcar/b{code}/index.html" for code in self.makes]
        urls = urls or [f"{self.base_url}/usedcar/index.html"]
        return [list_target(url) for url in dict.fromkeys(urls)]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Start at the first page of every list, knowing by now what is stored (details=new)."""
        if self.details == "new":
            known = self.crawler.get_extension(KnownListings)
            if known is None:
                self.logger.warning("KnownListings is off; fetching every detail page")
            self.known = known.listings if known else {}
        for url in self.walks:
            yield self.list_request(url, walk=url)

    def list_request(self, url: str, *, walk: str) -> scrapy.Request:
        """A list-page request; a 404 reaches the callback, as the end of the list."""
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"walk": walk},
            meta={"handle_httpstatus_list": [404], "playwright": self.use_playwright},
        )

    async def parse_list(self, response: Response, walk: str) -> AsyncIterator[Any]:
        """Yield the page's listings (or their detail requests) and the next page."""
        stats = self.crawler.stats
        assert stats is not None
        state = self.walks[walk]
        number = _page_number(response)
        if response.status == 404:
            stats.inc_value("list/not_found")
            state.ended = True
            if state.last_page is not None and number <= state.last_page:
                state.fail(f"page {number} answered 404 while the pager promised {state.last_page}")
            return
        listing = parse_list_page(
            response.body, response.url, encoding=getattr(response, "encoding", None)
        )
        if trouble := _anomaly(listing, number):
            retry = await self.retry_later(response, trouble)
            if retry is not None:
                yield retry
                return
            if listing.cards:  # a truncated page: keep the cards it has
                self.logger.warning(
                    "%s stays truncated after retries; keeping its cards", response.url
                )
            else:
                self.logger.error(
                    "%s: %s after retries; the list stops here", response.url, trouble
                )
                stats.inc_value(f"list/anomaly/{trouble}")
                state.fail(f"{trouble} on page {number} ({response.url})")
                return
            stats.inc_value("list/truncated")
            state.fail(f"page {number} stayed truncated ({response.url})")
        stats.inc_value("list/pages")
        stats.inc_value("list/cards", len(listing.cards))
        state.read(number, listing)
        # Progress: pages read of the pages every list's pager (or stated total) promises.
        stats.inc_value("pages/read")
        stats.set_value("pages/expected", sum(w.expected_pages for w in self.walks.values()))
        for card in listing.cards:
            card.make_code = state.target.maker
        for output in self.listings(listing.cards):
            yield output
        if listing.is_last or not listing.cards:
            state.ended = True
            return
        if self.max_pages is not None and number >= self.max_pages:
            stats.inc_value("list/max_pages_reached")
            state.fail(f"stopped at max_pages={self.max_pages}")
            return
        yield self.list_request(listing.next_url or page_url(response.url, number + 1), walk=walk)

    async def retry_later(self, response: Response, reason: str) -> scrapy.Request | None:
        """The request again after an exponential pause, or None when its retries are spent."""
        attempt = int(response.meta.get("retry_times", 0))
        retry = get_retry_request(
            response.request,  # type: ignore[arg-type]
            spider=self,
            reason=reason,
            max_retry_times=self.anomaly_retries,
        )
        if retry is not None:
            # A block page or an overloaded site needs time; hammering it makes it worse.
            await asyncio.sleep(self.anomaly_backoff * 2**attempt)
        return retry

    def listings(self, cards: list[CarItem]) -> Iterator[Any]:
        """Yield each card as an item, or a detail request for the cards that need one."""
        if self.details == "none":
            yield from cards
            return
        for card in cards:
            if card.external_id and card.url and self.needs_detail(card):
                # Details first: the queue drains before more list pages pile up.
                yield self.detail_request(card, priority=1)
            else:
                self.crawler.stats.inc_value("details/skipped")
                yield card

    def needs_detail(self, card: CarItem) -> bool:
        """details=new: a detail page only for a new listing, a changed price or no details yet."""
        if self.details == "all":
            return True
        stored = self.known.get(card.external_id or "")
        if stored is None or not stored.has_detail:
            return True
        try:
            prices = (man_yen_to_yen(card.price_raw), man_yen_to_yen(card.total_price_raw))
        except ValueError:
            return False  # stored with its price NULL; the detail page has no other price
        return prices != (stored.price_jpy, stored.total_price_jpy)

    def list_failed(self, failure: Failure) -> None:
        """A list page that failed after retries cuts its walk short."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.error("list page %s failed: %s", request.url, failure.value)
        self.crawler.stats.inc_value("list/failed")  # type: ignore[union-attr]
        self.walks[request.cb_kwargs["walk"]].fail(f"{request.url} failed: {failure.value}")


def _page_number(response: Response) -> int:
    # A redirect may have moved the URL; the page asked for is the one that counts.
    return page_number(response.request.url if response.request else response.url)


def _anomaly(listing: ListPage, number: int) -> str | None:
    """Why a list page answered 200 cannot be trusted, or None."""
    if not listing.complete:
        return "truncated_page"
    if listing.cards or (number == 1 and listing.total == 0):
        return None  # cards, or the site saying the list is empty
    # No cards where cards were promised: a block page, a captcha, maintenance, a new layout.
    return "no_cards_under_pager" if listing.has_pager else "empty_page"
