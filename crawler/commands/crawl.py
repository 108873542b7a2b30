"""`scrapy crawl` that exits non-zero when the crawl could not store what it scraped, or could not
show it saw every list it was given."""

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, plus an exit status that reports a failed store."""

    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Run the crawl; exit 1 when it could not store, or could not show it was complete."""
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler else None
        if stats is None:
            return
        if stats.get_value("store/failed_batches"):
            unsaved = stats.get_value("store/unsaved_items", 0)
            logger.error("crawl failed: the database was unreachable; %s items unsaved", unsaved)
            self.exitcode = 1
        elif stats.get_value("store/stale_sweep_failed"):
            logger.error("crawl failed: stale listings could not be marked inactive")
            self.exitcode = 1
        elif stats.get_value("list/failed") and not stats.get_value("list/pages"):
            logger.error("crawl failed: no list page could be read; is the site reachable?")
            self.exitcode = 1
        elif reason := stats.get_value("crawl/incomplete_reason"):
            logger.error("crawl incomplete: %s", reason)
            self.exitcode = 1
