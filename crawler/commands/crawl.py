"""`scrapy crawl` that ends with one line of the run's accounting, and exits non-zero when the crawl
could not store what it scraped, or could not show it saw every list it was given."""

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from core import crawls

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, plus a summary line and an exit status that reports failure."""

    crawler: Crawler | None = None

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
