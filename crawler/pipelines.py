"""Item pipelines, one cleanup concern each; each counts what it drops or cannot map."""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from core import vocab
from core.db import make_engine, session_factory
from core.models import utcnow
from crawler import normalize
from crawler.items import CarItem
from crawler.storage import car_row, deactivate_stale, upsert_cars

logger = logging.getLogger(__name__)


class StatsPipeline:
    """Base for pipelines that count outcomes in the crawl stats."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline with the crawler's stats collector."""
        assert crawler.stats is not None
        return cls(crawler.stats)

    def drop(self, item: CarItem, reason: str, detail: str = "") -> DropItem:
        """Count and log a dropped item; return the exception to raise."""
        self.stats.inc_value(f"item_dropped_reasons_count/{reason}")
        message = f"dropped {item.external_id or item.url or '<no id>'}: {reason} {detail}".strip()
        logger.warning(message)
        return DropItem(message)


class RequiredFieldsPipeline(StatsPipeline):
    """Drop cards that lack what identifies a listing."""

    REQUIRED = ("external_id", "url", "make_ja", "model_ja")

    def process_item(self, item: CarItem) -> CarItem:
        """Drop the item when a required field is empty."""
        adapter = ItemAdapter(item)
        for name in self.REQUIRED:
            if not adapter.get(name):
                raise self.drop(item, f"missing_{name}")
        return item


class FoldTextPipeline:
    """NFKC-fold every raw text field, so full-width text compares and stores as ASCII."""

    def process_item(self, item: CarItem) -> CarItem:
        """Fold the item's string fields in place; empty strings become None."""
        adapter = ItemAdapter(item)
        for name, value in adapter.items():
            if isinstance(value, str):
                adapter[name] = normalize.fold(value) or None
        return item


# Normalised field <- (raw field, normaliser).
NUMBERS: dict[str, tuple[str, Callable[[str | None], object]]] = {
    "price_jpy": ("price_raw", normalize.man_yen_to_yen),
    "total_price_jpy": ("total_price_raw", normalize.man_yen_to_yen),
    "year": ("year_raw", normalize.era_year),
    "mileage_km": ("mileage_raw", normalize.mileage_km),
    "engine_cc": ("engine_raw", normalize.engine_cc),
    "seats": ("seats_raw", normalize.leading_int),
    "doors": ("doors_raw", normalize.leading_int),
    "repair_history": ("repair_raw", normalize.repair_history),
}


class NumbersPipeline(StatsPipeline):
    """Turn 万円, era years, 万km and CC into integers; drop an item whose figures are garbled."""

    def process_item(self, item: CarItem) -> CarItem:
        """Fill the numeric fields; raise DropItem on unreadable text."""
        adapter = ItemAdapter(item)
        for target, (source, parse) in NUMBERS.items():
            try:
                adapter[target] = parse(adapter.get(source))
            except ValueError as exc:
                raise self.drop(item, f"garbled_{target}", str(exc)) from None
        item.drive = item.drive_raw
        return item


class VocabularyPipeline(StatsPipeline):
    """Map Japanese makes, models, colours, bodies, gearboxes and fuels to canonical English."""

    def process_item(self, item: CarItem) -> CarItem:
        """Fill the canonical fields; count every value that maps to nothing known."""
        make = vocab.make_from_ja(item.make_ja or "")
        if make is None:
            self.unknown("make", item.make_ja)
        else:
            item.make, item.make_code = make.en, make.code
            item.model = vocab.model_from_ja(make.en, item.model_ja or "")
        if item.model is None:
            self.unknown("model", item.model_ja)
        item.color = vocab.color_from_ja(item.color_ja) if item.color_ja else None
        item.body_type = vocab.body_type_from_ja(item.body_type_ja) if item.body_type_ja else None
        item.fuel = vocab.fuel_from_ja(item.fuel_ja) if item.fuel_ja else None
        if item.transmission_ja:
            item.transmission = vocab.transmission_from_ja(item.transmission_ja)
        for kind in ("color", "body_type", "fuel"):
            if getattr(item, kind) == "other":
                self.unknown(kind, getattr(item, f"{kind}_ja"))
        if item.transmission_ja and item.transmission is None:
            self.unknown("transmission", item.transmission_ja)
        return item

    def unknown(self, kind: str, value: str | None) -> None:
        """Count a value the dictionaries do not know (the original is kept)."""
        self.stats.inc_value(f"vocab/unknown/{kind}")
        logger.debug("unknown %s: %r", kind, value)


class StoreError(RuntimeError):
    """The database stayed unreachable through every retry."""


class StorePipeline(StatsPipeline):
    """Buffer items and upsert them in batches; retry an unreachable database with backoff."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        super().__init__(crawler.stats)
        self.crawler = crawler
        settings = crawler.settings
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.retry_times = settings.getint("STORE_RETRY_TIMES", 5)
        self.retry_backoff = settings.getfloat("STORE_RETRY_BACKOFF", 1.0)
        self.stale_after = timedelta(days=settings.getfloat("CARSENSOR_STALE_AFTER_DAYS", 3))
        self.engine = make_engine(settings.get("DATABASE_URL"))
        self.sessions = session_factory(self.engine)
        self.buffer: list[dict[str, Any]] = []
        self.lock = asyncio.Lock()
        self.failed = False
        self._closing: asyncio.Future[None] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline from the crawler's settings."""
        return cls(crawler)

    async def process_item(self, item: CarItem) -> CarItem:
        """Buffer the item; flush once the buffer holds a full batch."""
        if self.failed:
            self.stats.inc_value("store/unsaved_items")
            return item
        self.buffer.append(car_row(item, now=utcnow()))
        if len(self.buffer) >= self.batch_size:
            await self.flush()
        return item

    async def close_spider(self) -> None:
        """Flush what is left in the buffer."""
        await self.flush(closing=True)

    async def flush(self, *, closing: bool = False) -> None:
        """Write the buffered rows in one transaction, off the reactor thread."""
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        async with self.lock:
            if self.failed:  # an earlier batch failed while this one waited for the lock
                self.stats.inc_value("store/unsaved_items", len(batch))
                return
            try:
                stored, rejected = await asyncio.to_thread(self._write, batch)
            except Exception as exc:  # unreachable, or a bug: stop the crawl and exit non-zero
                self.fail(exc, len(batch), closing=closing)
                return
        for external_id, reason in rejected:
            self.stats.inc_value("store/rejected_items")
            logger.error("the database refused %s: %s", external_id, reason)
        self.stats.inc_value("store/items_stored", stored)
        self.stats.inc_value("store/batches")

    def fail(self, exc: Exception, unsaved: int, *, closing: bool) -> None:
        """Count a batch that could not be stored, and end the crawl."""
        self.failed = True
        self.stats.inc_value("store/failed_batches")
        self.stats.inc_value("store/unsaved_items", unsaved)
        logger.error("store failed: %s; %d items not stored", exc, unsaved, exc_info=exc)
        logger.error("the upsert is idempotent: a later crawl stores them")
        if not closing:
            # Awaiting here would deadlock: closing waits for this very item.
            self._closing = asyncio.ensure_future(
                self.crawler.engine.close_spider_async(reason="store_failed")
            )

    def _write(self, batch: list[dict[str, Any]]) -> tuple[int, list[tuple[str, str]]]:
        """Upsert a batch, retrying an unreachable database; return (stored, rejected rows)."""
        for attempt in range(self.retry_times + 1):
            try:
                with self.sessions.begin() as session:
                    return upsert_cars(batch, session=session), []
            except (OperationalError, InterfaceError) as exc:
                if attempt == self.retry_times:
                    raise StoreError(f"database unreachable after {attempt + 1} attempts") from exc
                delay = self.retry_backoff * 2**attempt
                logger.warning("database unreachable (%s); retrying in %.1fs", exc.orig, delay)
                time.sleep(delay)
            except (DataError, IntegrityError):
                return self._write_one_by_one(batch)
        raise AssertionError("unreachable")

    def _write_one_by_one(self, batch: list[dict[str, Any]]) -> tuple[int, list[tuple[str, str]]]:
        # One row the database refuses must not cost the other rows of its batch.
        stored, rejected = 0, []
        for row in batch:
            try:
                with self.sessions.begin() as session:
                    stored += upsert_cars([row], session=session)
            except (DataError, IntegrityError) as exc:
                rejected.append((row["external_id"], str(exc.orig).splitlines()[0]))
        return stored, rejected

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """After a complete crawl, mark inactive what it has not seen for too long."""
        scope = getattr(spider, "stale_scope", None)
        if reason != "finished" or self.failed or not getattr(spider, "crawl_complete", False):
            logger.info("crawl incomplete (%s): no listing is marked inactive", reason)
        elif scope is not None:
            now = utcnow()
            try:
                with self.sessions.begin() as session:
                    count = deactivate_stale(
                        session=session,
                        source=spider.name,
                        seen_before=now - self.stale_after,
                        now=now,
                        make_codes=None if scope == "all" else scope,
                    )
            except SQLAlchemyError as exc:
                self.stats.set_value("store/stale_sweep_failed", 1)
                logger.error("could not mark stale listings inactive: %s", exc)
            else:
                self.stats.set_value("store/deactivated_stale", count)
        self.engine.dispose()
