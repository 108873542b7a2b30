"""The crawl's one database engine, shared by its spiders, pipeline, extensions, middleware and
monitors."""

from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine

from core.db import make_engine
from core.settings import get_settings

_ENGINES: WeakKeyDictionary[Crawler, Engine] = WeakKeyDictionary()


def crawl_engine(crawler: Crawler) -> Engine:
    """The crawler's engine on DATABASE_URL (the Scrapy setting, else core.settings'), made on
    first use and disposed once the Scrapy engine has stopped."""
    engine = _ENGINES.get(crawler)
    if engine is None:
        url = crawler.settings.get("DATABASE_URL") or get_settings().database_url
        engine = _ENGINES[crawler] = make_engine(url)
        # First used once the extensions are built, so this runs after the engine_stopped
        # handlers they connected (the final report, the monitors): their writes come first.
        crawler.signals.connect(engine.dispose, signal=signals.engine_stopped)
    return engine
