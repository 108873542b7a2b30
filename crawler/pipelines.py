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
from core.db import session_factory
from core.models import utcnow
from crawler import normalize, storage
from crawler.db import crawl_engine
from crawler.items import SOURCE, CarItem
from crawler.lists import Walk
from crawler.storage import OUTCOMES, car_row, count_active, deactivate_stale

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


# Normalised field <- what finds an annotation a read value carries (a meter swap, say).
NOTES: dict[str, Callable[[str | None], str | None]] = {"mileage_km": normalize.mileage_note}


class NumbersPipeline(StatsPipeline):
    """Turn 万円, era years, 万km and CC into integers; keep the text of what it cannot read."""

    def process_item(self, item: CarItem) -> CarItem:
        """Fill the numeric fields; an unreadable one stays None with its text in `unparsed`."""
        adapter = ItemAdapter(item)
        for target, (source, parse) in NUMBERS.items():
            raw = adapter.get(source)
            try:
                adapter[target] = parse(raw)
            except ValueError:
                # One odd figure must not cost the listing: the rest of it is still worth having.
                adapter[target] = None
                item.unparsed[target] = raw
                self.stats.inc_value(f"normalize/unreadable/{target}")
                logger.warning(
                    "unreadable %s of %s: %r",
                    target,
                    item.external_id or item.url or "<no id>",
                    raw,
                )
                continue
            if (note := NOTES.get(target)) and note(raw):
                item.unparsed[target] = raw
        item.drive = item.drive_raw
        return item


class VocabularyPipeline(StatsPipeline):
    """Map Japanese makes, models, colours, bodies, gearboxes and fuels to canonical English."""

    def process_item(self, item: CarItem) -> CarItem:
        """Fill the canonical fields; count every value that maps to nothing known."""
        make = vocab.make_from_ja(item.make_ja or "")
        listed_under = vocab.make_by_code(item.make_code or "")  # the list URL's maker code
        if make is None:
            self.unknown("maker", item.make_ja)
            make = listed_under  # carsensor's own filing, not a guess from the name
        elif listed_under is not None and listed_under != make:
            # Sweeps go by the list's code: keep it, so this listing is swept with its list.
            self.stats.inc_value("vocab/maker_code_mismatch")
            logger.info("%s: %s listed under %s", item.external_id, make.code, listed_under.code)
        if make is not None:
            item.make = make.en
            item.make_code = item.make_code or make.code
            item.model = vocab.model_from_ja(make.en, item.model_ja or "")
        if item.model is None:
            self.unknown("model", item.model_ja)
        item.color = vocab.color_from_ja(item.color_ja) if item.color_ja else None
        item.body_type = vocab.body_type_from_ja(item.body_type_ja) if item.body_type_ja else None
        if item.body_type is None and item.make and item.model:
            item.body_type = vocab.catalogue_body_type(item.make, item.model)
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
        self.stats.inc_value(f"vocab/unknown_{kind}")
        level = logging.INFO if kind in ("maker", "model") else logging.DEBUG
        logger.log(level, "unknown %s %r: kept as carsensor writes it", kind, value)


class StoreError(RuntimeError):
    """The database stayed unreachable through every retry."""


class StorePipeline(StatsPipeline):
    """Buffer items and upsert them in batches; retry an unreachable database with backoff.

    Counts what each listing did (`listings/new`, `changed`, `unchanged`, `reappeared`, and
    `gone` for those its sweep marks inactive), each listing once per crawl.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        super().__init__(crawler.stats)
        self.crawler = crawler
        settings = crawler.settings
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.retry_times = settings.getint("STORE_RETRY_TIMES", 5)
        self.retry_backoff = settings.getfloat("STORE_RETRY_BACKOFF", 1.0)
        self.stale_after = timedelta(days=settings.getfloat("CARSENSOR_STALE_AFTER_DAYS", 3))
        self.total_share = settings.getfloat("CRAWL_COMPLETE_TOTAL_SHARE", 0.98)
        self.active_share = settings.getfloat("CRAWL_COMPLETE_ACTIVE_SHARE", 0.90)
        self.sweep_max_share = settings.getfloat("SWEEP_MAX_SHARE", 0.10)
        # Per sweep scope ("all" or a maker code): listings active before this crawl.
        self.active_before: dict[str, int] = {}
        self.sessions = session_factory(crawl_engine(crawler))
        self.buffer: list[dict[str, Any]] = []
        # The details backfill only fills detail columns: a list crawl may have re-priced since.
        details_only = getattr(crawler.spidercls, "details_only", False)
        self.write = storage.store_details if details_only else storage.upsert_cars
        self.counted: set[str] = set()
        self.lock = asyncio.Lock()
        self.failed = False
        self._closing: asyncio.Future[None] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline from the crawler's settings."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Count each sweep scope's active listings, the yardstick of a list without a total."""
        walks: dict[str, Walk] = getattr(self.crawler.spider, "walks", {})
        scopes = {walk.target.scope for walk in walks.values()} - {None}
        try:
            with self.sessions() as session:
                for scope in scopes:
                    self.active_before[str(scope)] = count_active(
                        session=session, source=SOURCE, make_codes=_makers(scope)
                    )
        except SQLAlchemyError as exc:  # the first flush retries and reports an outage
            logger.warning("cannot count the listings active before the crawl: %s", exc)

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
        # A listing that moved between pages during the crawl is stored twice, counted once.
        for external_id, outcome in stored.items():
            if outcome in OUTCOMES and external_id not in self.counted:
                self.counted.add(external_id)
                self.stats.inc_value(f"listings/{outcome}")
        self.stats.inc_value("store/items_stored", len(stored))
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

    def _write(self, batch: list[dict[str, Any]]) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """Store a batch, retrying an unreachable database; return (outcomes, rejected rows)."""
        for attempt in range(self.retry_times + 1):
            try:
                with self.sessions.begin() as session:
                    return self.write(batch, session=session), []
            except (OperationalError, InterfaceError) as exc:
                if attempt == self.retry_times:
                    raise StoreError(f"database unreachable after {attempt + 1} attempts") from exc
                delay = self.retry_backoff * 2**attempt
                logger.warning("database unreachable (%s); retrying in %.1fs", exc.orig, delay)
                time.sleep(delay)
            except (DataError, IntegrityError):
                return self._write_one_by_one(batch)
        raise AssertionError("unreachable")

    def _write_one_by_one(
        self, batch: list[dict[str, Any]]
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        # One row the database refuses must not cost the other rows of its batch.
        stored: dict[str, str] = {}
        rejected = []
        for row in batch:
            try:
                with self.sessions.begin() as session:
                    stored |= self.write([row], session=session)
            except (DataError, IntegrityError) as exc:
                rejected.append((row["external_id"], str(exc.orig).splitlines()[0]))
        return stored, rejected

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Judge every list walk; sweep the scopes of those that showed they saw everything."""
        walks: dict[str, Walk] = getattr(spider, "walks", {})
        incomplete = []
        for walk in walks.values():
            why = walk.verdict(
                active_before=self.active_before.get(str(walk.target.scope)),
                total_share=self.total_share,
                active_share=self.active_share,
            )
            if why is None and reason != "finished":
                why = f"the crawl ended as {reason}"
            if why is None and self.failed:
                why = "listings could not be stored"
            if why is not None:
                incomplete.append(f"{walk.label}: {why}")
                logger.error("list incomplete: %s: %s; none of it marked inactive", walk.label, why)
            elif walk.target.scope is not None:
                self.sweep(spider.name, walk.target.scope)
        self.stats.set_value("crawl/complete_lists", len(walks) - len(incomplete))
        if incomplete:
            self.stats.set_value("crawl/incomplete_lists", len(incomplete))
            self.stats.set_value("crawl/incomplete_reason", "; ".join(incomplete))

    def sweep(self, source: str, scope: str) -> None:
        """Mark inactive what a complete crawl of `scope` has not seen for too long, if few."""
        now = utcnow()
        try:
            with self.sessions.begin() as session:
                swept = deactivate_stale(
                    session=session,
                    source=source,
                    seen_before=now - self.stale_after,
                    now=now,
                    make_codes=_makers(scope),
                    max_share=self.sweep_max_share,
                )
        except SQLAlchemyError as exc:
            self.stats.set_value("store/stale_sweep_failed", 1)
            logger.error("could not mark stale listings of %s inactive: %s", scope, exc)
            return
        self.stats.inc_value("listings/gone", swept.deactivated)
        if swept.unseen and not swept.deactivated:
            self.stats.inc_value("sweep/guard_tripped")
            guard = (
                f"sweep guard: {scope}: {swept.unseen} of {swept.active} active listings unseen, "
                f"over SWEEP_MAX_SHARE={self.sweep_max_share:.0%}; none marked inactive"
            )
            self.stats.set_value("sweep/guard_reason", guard)
            logger.error(guard)


def _makers(scope: str) -> list[str] | None:
    return None if scope == "all" else [scope]
