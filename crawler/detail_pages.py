"""Detail pages, for every spider that fetches them: the request, and what its answer means."""

from collections.abc import Iterator

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.items import CarItem
from crawler.parsing import apply_detail, parse_detail_page

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


class DetailPages(scrapy.Spider):
    """Base of the spiders that fetch detail pages: the list spider and the details backfill.

    Counts each listing's outcome once: `details/fetched`, `details/gone` (404, or a redirect to
    the search page) or `details/failed` (of which `details/unparsed`: a 200 that stayed no
    detail page through its retries, and `details/status_<code>`: another redirect).
    """

    use_playwright: bool = False

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Route downloads through Chromium when CARSENSOR_PLAYWRIGHT is on."""
        super().update_settings(settings)
        if settings.getbool("CARSENSOR_PLAYWRIGHT"):
            handlers = {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
            settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")

    def detail_request(self, item: CarItem, *, priority: int = 0) -> scrapy.Request:
        """The request of a listing's detail page; a 404 or a redirect reaches parse_detail."""
        assert item.url is not None
        return scrapy.Request(
            item.url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"item": item},
            priority=priority,
            meta={
                "dont_redirect": True,
                "handle_httpstatus_list": [301, 302, 303, 307, 308, 404],
                "playwright": self.use_playwright,
            },
        )

    def parse_detail(self, response: Response, item: CarItem) -> Iterator[CarItem | scrapy.Request]:
        """Enrich the listing; a 404 or a redirect to the search page marks it inactive.

        A 200 that is no detail page (a block page, a captcha, a cut body) is retried; after the
        last retry the listing goes on without details, not marked fetched, so it is asked again.
        """
        stats = self.crawler.stats
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        if response.status == 404 or "search.php" in location:
            item.is_active = False
            outcome = "gone"
        elif response.status != 200:
            stats.inc_value(f"details/status_{response.status}")
            outcome = "failed"
        else:
            encoding = getattr(response, "encoding", None)  # a plain Response has none
            detail = parse_detail_page(response.body, response.url, encoding=encoding)
            if detail.parsed:
                apply_detail(item, detail)
                outcome = "fetched"
            else:
                retry = get_retry_request(
                    response.request,  # type: ignore[arg-type]
                    spider=self,
                    reason="detail_unparsed",
                )
                if retry is not None:
                    yield retry
                    return
                self.logger.warning(
                    "detail %s did not parse after retries (title %s, specs %s, %d bytes); "
                    "storing the card alone",
                    response.url,
                    "found" if detail.title else "missing",
                    "found" if detail.specs else "missing",
                    len(response.body),
                )
                stats.inc_value("details/unparsed")
                outcome = "failed"
        yield self.detail_done(item, outcome)

    def detail_failed(self, failure: Failure) -> Iterator[CarItem]:
        """A detail page that failed after retries: the listing goes on without details."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning(
            "detail %s failed (%s); storing the card alone", request.url, failure.value
        )
        yield self.detail_done(request.cb_kwargs["item"], "failed")

    def detail_done(self, item: CarItem, outcome: str) -> CarItem:
        """Count a listing's detail outcome (fetched, gone or failed) and pass the listing on."""
        self.crawler.stats.inc_value(f"details/{outcome}")
        return item
