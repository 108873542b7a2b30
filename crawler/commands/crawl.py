"""`scrapy crawl` that ends with one line of the run's accounting, exits non-zero when the crawl
could not store what it scraped, or could not show it saw every list it was given, and logs JSON
lines (with its job and shard) when CRAWL_LOG_JSON says so."""

import argparse
import logging
from collections.abc import Mapping

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from core import crawls
from core.logs import configure_logging
from crawler.spiders.carsensor import make_codes

logger = logging.getLogger(__name__)


def shard_of(spider: str, spider_args: Mapping[str, str]) -> str:
    """The shard a crawl's arguments make (core.crawls.shard_of)."""
    makes = make_codes(spider_args.get("makes"))
    return crawls.shard_of(spider, makes, start_urls=bool(spider_args.get("start_urls")))


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, plus a summary line and an exit status that reports failure."""

    crawler: Crawler | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's options; then, for JSON logs, our root handler in place of Scrapy's."""
        super().process_options(args, opts)
        assert self.settings is not None
        if args and self.settings.getbool("CRAWL_LOG_JSON"):
            self._log_json(args[0], opts.spargs)

    def _log_json(self, spider: str, spider_args: Mapping[str, str]) -> None:
        # Installed before the crawler process exists, so its first line ("Scrapy … started")
        # is JSON too; Scrapy's own root handler, which would repeat every line as text, is off.
        assert self.settings is not None
        settings = self.settings
        filename = settings.get("LOG_FILE")
        if not filename and not settings.getbool("LOG_ENABLED"):
            return
        fields = {"shard": shard_of(spider, spider_args)}
        if job := spider_args.get("_job"):  # scrapyd's job id
            fields["job"] = job
        # A stream, not a FileHandler: Scrapy's logging set-up closes every handler there is,
        # and a closed FileHandler opened with "w" never writes again.
        stream = (
            open(  # noqa: SIM115 - written to until the process exits
                filename,
                "a" if settings.getbool("LOG_FILE_APPEND") else "w",
                encoding=settings.get("LOG_ENCODING"),
            )
            if filename
            else None
        )
        configure_logging(
            "crawler",
            log_format="json",
            level=settings.get("LOG_LEVEL"),
            stream=stream,
            fields=fields,
        )
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Run the crawl; exit 1 when it failed or could not show it was complete."""
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler else None
        if stats is None:
            return
        status, reason = crawls.verdict(stats.get_stats())
        if status != "finished":
            logger.error("crawl %s: %s", status, reason)
            self.exitcode = 1
        logger.info("crawl %s: %s", status, crawls.summary(crawls.report(stats.get_stats())))
