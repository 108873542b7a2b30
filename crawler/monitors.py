"""Spidermon's checks of every crawl (crawler/settings.py turns them on).

Items are validated against a JSON Schema generated from CarItem. When the engine stops, after
the store has judged each list and swept, `CloseMonitors` checks the run: finish reason, errors,
dropped items, completeness, zero items, each field's fill rate against the shard's previous
finished run, the sweep guard, and a stall; `PeriodicMonitors` watches for the stall while the
crawl runs. The results and fill rates go into the stats (`monitors/results`, `fill_rates`),
which RunReport writes into the run's crawl_runs row; a failed check sends one Telegram message
to each chat in CRAWL_ALERT_CHAT_IDS, or without a bot token or chats an ERROR line.
"""

import logging
import warnings
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pydantic import TypeAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import MonitorSuite, monitors
from spidermon import settings as spidermon_settings
from spidermon.contrib.actions.telegram import (
    SendTelegramMessage,
    SimplyTelegramClient,
    TelegramMessageManager,
)
from spidermon.contrib.actions.templates import ActionWithTemplates
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.contrib.scrapy.monitors.monitors import (
    ErrorCountMonitor,
    FinishReasonMonitor,
    ItemCountMonitor,
)
from spidermon.core.actions import Action
from spidermon.exceptions import SkipAction
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from core import crawls
from core.crawls import DETAILS_SPIDER
from core.models import CrawlRun
from core.settings import get_settings
from crawler.db import crawl_engine
from crawler.items import CarItem

logger = logging.getLogger(__name__)
# Spidermon logs its results through Spider.log, which Scrapy deprecates: a warning every run.
warnings.filterwarnings("ignore", "Spider.log", ScrapyDeprecationWarning, r"spidermon\.")


# SPIDERMON_VALIDATION_SCHEMAS points here: the item's one declaration, as JSON Schema.
ITEM_SCHEMA: dict[str, Any] = TypeAdapter(CarItem).json_schema()

TELEGRAM_API = "https://api.telegram.org"
# Stats the monitors and actions keep: the results RunReport stores, the stall watch's state,
# and the failures already alerted (one message per failure per run).
RESULTS = "monitors/results"
FILL_RATES = "fill_rates"
LAST_ITEM_COUNT = "monitors/last_item_count"
LAST_ITEM_AT = "monitors/last_item_at"
STALLED = "monitors/stalled"
ALERTED = "monitors/alerted"
_COVERAGE = f"spidermon_field_coverage/{CarItem.__name__}/"
_ITEMS = f"spidermon_item_scraped_count/{CarItem.__name__}"


def shard_of(spider: Spider) -> str:
    """The shard this crawl covers (core.crawls.shard_of), from the spider's arguments."""
    start_urls = bool(getattr(spider, "start_urls_arg", None))
    return crawls.shard_of(spider.name, getattr(spider, "makes", []), start_urls=start_urls)


def fill_rates(stats: Mapping[str, Any]) -> dict[str, float]:
    """Each CarItem field's share of scraped items that had a value (Spidermon's field
    coverage); empty when no item was scraped."""
    if not stats.get(_ITEMS):
        return {}
    return {f.name: round(float(stats.get(_COVERAGE + f.name, 0.0)), 4) for f in fields(CarItem)}


def previous_fill_rates(engine: Engine, shard: str) -> tuple[int, dict[str, float]] | None:
    """(run id, fill rates) of the shard's latest finished run that recorded them."""
    with engine.connect() as connection:
        row = connection.execute(
            select(CrawlRun.id, CrawlRun.fill_rates)
            .where(
                CrawlRun.shard == shard,
                CrawlRun.status == "finished",
                CrawlRun.fill_rates.is_not(None),
            )
            .order_by(CrawlRun.id.desc())
            .limit(1)
        ).first()
    return None if row is None else (row.id, dict(row.fill_rates))


def _percent(share: float) -> str:
    return f"{share:.0%}"


@monitors.name("finish reason")
class FinishReason(FinishReasonMonitor):
    """The crawl ended as finished (SPIDERMON_EXPECTED_FINISH_REASONS)."""

    def describe(self) -> str:
        """The figures behind the verdict."""
        return f"ended as {self.stats.get('finish_reason')}"


@monitors.name("errors")
class Errors(ErrorCountMonitor):
    """At most CRAWL_MONITOR_MAX_ERRORS lines logged at ERROR."""

    threshold_setting = "CRAWL_MONITOR_MAX_ERRORS"

    def describe(self) -> str:
        """The figures behind the verdict."""
        limit = self.crawler.settings.getint(self.threshold_setting)
        errors = self.stats.get(self.stat_name, 0)
        return f"{errors} errors logged ({self.threshold_setting}={limit})"


@monitors.name("items")
class Items(ItemCountMonitor):
    """At least CRAWL_MONITOR_MIN_ITEMS items scraped."""

    threshold_setting = "CRAWL_MONITOR_MIN_ITEMS"

    def describe(self) -> str:
        """The figures behind the verdict."""
        least = self.crawler.settings.getint(self.threshold_setting)
        items = self.stats.get(self.stat_name, 0)
        return f"{items} items scraped ({self.threshold_setting}={least})"


@monitors.name("dropped items")
class DroppedItems(BaseScrapyMonitor):
    """At most CRAWL_MONITOR_MAX_DROPPED_SHARE of the items dropped by the pipelines."""

    def counts(self) -> tuple[int, int]:
        """Items dropped, and items dropped or scraped."""
        dropped = int(self.stats.get("item_dropped_count", 0))
        return dropped, dropped + int(self.stats.get("item_scraped_count", 0))

    def describe(self) -> str:
        """The figures behind the verdict."""
        dropped, total = self.counts()
        share = dropped / total if total else 0.0
        limit = self.crawler.settings.getfloat("CRAWL_MONITOR_MAX_DROPPED_SHARE")
        return (
            f"{dropped} of {total} items dropped ({_percent(share)}; "
            f"CRAWL_MONITOR_MAX_DROPPED_SHARE={_percent(limit)})"
        )

    def test_dropped_share(self) -> None:
        """Few items dropped."""
        dropped, total = self.counts()
        limit = self.crawler.settings.getfloat("CRAWL_MONITOR_MAX_DROPPED_SHARE")
        self.assertLessEqual(dropped, limit * total, self.describe())


@monitors.name("completeness")
class Completeness(BaseScrapyMonitor):
    """Every list walked to its end (the store's verdict: `crawl/incomplete_lists`)."""

    def describe(self) -> str:
        """The figures behind the verdict."""
        incomplete = self.stats.get("crawl/incomplete_lists", 0)
        lists = incomplete + self.stats.get("crawl/complete_lists", 0)
        if not incomplete:
            return f"{lists} of {lists} lists complete"
        return f"{incomplete} of {lists} lists incomplete: {self.stats['crawl/incomplete_reason']}"

    def test_every_list_complete(self) -> None:
        """No list incomplete."""
        self.assertFalse(self.stats.get("crawl/incomplete_lists"), self.describe())


@monitors.name("sweep guard")
class SweepGuard(BaseScrapyMonitor):
    """No sweep refused for unseeing more than SWEEP_MAX_SHARE of its scope."""

    def describe(self) -> str:
        """The figures behind the verdict."""
        reason = str(self.stats.get("sweep/guard_reason") or "not tripped")
        return reason.removeprefix("sweep guard: ")

    def test_guard_not_tripped(self) -> None:
        """The sweep guard did not trip."""
        self.assertFalse(self.stats.get("sweep/guard_tripped"), self.describe())


@monitors.name("fill rates")
class FillRates(BaseScrapyMonitor):
    """No field's fill rate more than CRAWL_MONITOR_FILL_DROP below the shard's previous finished
    run: a selector that silently stopped matching."""

    detail = ""

    def describe(self) -> str:
        """The figures behind the verdict."""
        return self.detail

    def test_no_field_emptied(self) -> None:
        """Each field filled about as often as last time."""
        limit = self.crawler.settings.getfloat("CRAWL_MONITOR_FILL_DROP")
        shard = shard_of(self.spider)
        rates = fill_rates(self.stats)
        if not rates:
            self.detail = "no items to measure"
            return
        try:
            previous = previous_fill_rates(crawl_engine(self.crawler), shard)
        except SQLAlchemyError as exc:
            self.detail = f"the previous run could not be read: {type(exc).__name__}"
            self.skipTest(self.detail)
        if previous is None:
            self.detail = f"no earlier finished run of {shard} to compare with"
            return
        run, before = previous
        drops = [
            f"fill rate of {field}: {_percent(rates.get(field, 0.0))} "
            f"(was {_percent(was)} in run {run})"
            for field, was in before.items()
            if was - rates.get(field, 0.0) > limit
        ]
        self.detail = "; ".join(drops) or (
            f"{len(rates)} fields, none more than {limit * 100:g} points below run {run}"
        )
        self.assertFalse(drops, self.detail)


@monitors.name("stall")
class Stall(BaseScrapyMonitor):
    """No CRAWL_MONITOR_STALL_MINUTES without a new item, as the periodic watch saw it."""

    stalled = ""

    def describe(self) -> str:
        """The figures behind the verdict."""
        minutes = self.crawler.settings.getfloat("CRAWL_MONITOR_STALL_MINUTES")
        default = f"a new item at least every {minutes:g} minutes"
        return self.stalled or str(self.stats.get(STALLED) or default)

    def test_no_stall(self) -> None:
        """The crawl never stalled."""
        self.assertFalse(self.stats.get(STALLED), self.describe())


@monitors.name("stall")
class StallWatch(Stall):
    """The periodic half of `Stall`: time since the item count last grew, kept in the stats."""

    def test_no_stall(self) -> None:
        """Fail, once, when the item count has not grown for too long."""
        if self.stats.get(STALLED):
            self.skipTest("already reported")
        stats = self.crawler.stats
        now = datetime.now(UTC)
        count = self.stats.get("item_scraped_count", 0)
        since: datetime = self.stats.get(LAST_ITEM_AT) or now
        if count != self.stats.get(LAST_ITEM_COUNT):
            since = now if count else self.stats["start_time"]
            stats.set_value(LAST_ITEM_COUNT, count)
            stats.set_value(LAST_ITEM_AT, since)
        minutes = self.crawler.settings.getfloat("CRAWL_MONITOR_STALL_MINUTES")
        idle = now - since
        if idle > timedelta(minutes=minutes):
            # On the instance too: this check's stats are a copy taken before it ran.
            self.stalled = (
                f"no new item for {timedelta(seconds=int(idle.total_seconds()))} "
                f"(CRAWL_MONITOR_STALL_MINUTES={minutes:g})"
            )
            stats.set_value(STALLED, self.stalled)
            self.fail(self.stalled)


class BotApiClient(SimplyTelegramClient):
    """Spidermon's client, but through TELEGRAM_API_BASE and as JSON in a POST, as the bot
    sends its messages (Spidermon's GETs api.telegram.org with the text in the query)."""

    def __init__(self, token: str, api_base: str) -> None:
        super().__init__(token)
        self.url = f"{api_base.rstrip('/')}/bot{token}/sendMessage"

    def send_message(self, message: str, recipient: str) -> None:
        """Send `message` to the chat `recipient`; a failure is logged with the message."""
        try:
            answer = requests.post(
                self.url, json={"chat_id": recipient, "text": message}, timeout=30
            ).json()
        except (requests.RequestException, ValueError) as exc:
            # Only the exception's type: requests puts the URL, and so the token, in its text.
            answer = {"description": type(exc).__name__}
        if not answer.get("ok"):
            logger.error(
                "the crawl alert to chat %s was not sent (%s):\n%s",
                recipient,
                answer.get("description"),
                message,
            )


class BotApiMessages(TelegramMessageManager):
    """Spidermon's Telegram manager with our client."""

    def __init__(self, token: str, api_base: str) -> None:
        super().__init__(sender_token=token)
        self._client = BotApiClient(token, api_base)


class TelegramAlert(SendTelegramMessage):
    """One message per failed check to each chat of CRAWL_ALERT_CHAT_IDS: the shard, each
    failure with its figures, and the run's page in the web app. No bot token or no chats: an
    ERROR line with the same text."""

    def __init__(self, *, token: str, chat_ids: list[str], api_base: str, web_base: str) -> None:
        # Not SendTelegramMessage.__init__: it refuses to start without a token or chats.
        ActionWithTemplates.__init__(self)
        self.recipients = chat_ids
        self.manager = BotApiMessages(token, api_base) if token and chat_ids else None
        self.web_base = web_base.rstrip("/")

    @classmethod
    def from_crawler_kwargs(cls, crawler: Crawler) -> dict[str, Any]:
        """The bot's token and API server, the alert chats and the web app's address: from the
        environment (core.settings), as the bot reads them, never from Scrapy settings, which
        Scrapy logs."""
        settings = get_settings()
        token = settings.telegram_bot_token
        return {
            "token": token.get_secret_value() if token else "",
            "chat_ids": settings.crawl_alert_chat_ids,
            "api_base": settings.telegram_api_base or TELEGRAM_API,
            "web_base": settings.web_base_url,
        }

    def run_action(self) -> None:
        """Alert the failures not alerted before in this run."""
        stats = self.data.crawler.stats
        alerted: list[str] = stats.get_value(ALERTED, [])
        failed = [
            r for r in self.result.monitors_failed_results if r.monitor.monitor_name not in alerted
        ]
        if not failed:
            raise SkipAction("every failure was alerted already")
        stats.set_value(ALERTED, [*alerted, *(r.monitor.monitor_name for r in failed)])
        text = self.message_for(failed)
        if self.manager is None:
            logger.error("%s", text)
        else:
            self.manager.send_message(to=self.recipients, text=text)

    def message_for(self, failed: list[Any]) -> str:
        """The alert's text: shard and job, one line per failure, the link to the run."""
        spider = self.data.spider
        job = getattr(spider, "_job", None)
        lines = [f"Crawl alert: {spider.name} shard {shard_of(spider)}, run {job or '(manual)'}"]
        lines += [f"✗ {r.monitor.monitor_name}: {result_detail(r)}" for r in failed]
        if job:
            lines.append(f"{self.web_base}/crawls?run={job}")
        return "\n".join(lines)


def result_detail(result: Any) -> str:
    """A monitor result's figures; for a monitor that crashed, the last line of its error."""
    if result.status == spidermon_settings.MONITOR.STATUS.ERROR:
        return str(result.error).strip().splitlines()[-1]
    return str(result.monitor.describe())


class RecordResults(Action):
    """Put the results and this run's fill rates into the stats, for RunReport to store."""

    def run_action(self) -> None:
        """[{"name", "ok", "detail"}] in the suite's order, and {field: share}."""
        stats = self.data.crawler.stats
        stats.set_value(
            RESULTS,
            [
                {
                    "name": r.monitor.monitor_name,
                    "ok": r.status in spidermon_settings.MONITOR.STATUSES.SUCCESSFUL,
                    "detail": result_detail(r),
                }
                for r in self.result.monitor_results
            ],
        )
        stats.set_value(FILL_RATES, fill_rates(self.data.stats) or None)


# What each spider is checked for. The details backfill lists nothing, sweeps nothing, may have
# nothing due, and waits whenever list crawls use the request budget: none of those apply.
CLOSE_CHECKS: dict[str, list[type[BaseScrapyMonitor]]] = {
    DETAILS_SPIDER: [FinishReason, Errors, DroppedItems, FillRates],
}
LIST_CHECKS = [
    FinishReason,
    Errors,
    DroppedItems,
    Completeness,
    Items,
    FillRates,
    SweepGuard,
    Stall,
]
PERIODIC_CHECKS: dict[str, list[type[BaseScrapyMonitor]]] = {DETAILS_SPIDER: []}


class CloseMonitors(MonitorSuite):
    """The checks of a run once its engine has stopped (SPIDERMON_ENGINE_STOP_MONITORS: by
    spider_closed the store has not yet judged the lists nor swept)."""

    monitors_finished_actions = [RecordResults]
    monitors_failed_actions = [TelegramAlert]

    def __init__(self, *, crawler: Crawler, **kwargs: Any) -> None:
        checks = CLOSE_CHECKS.get(crawler.spidercls.name, LIST_CHECKS)
        super().__init__(monitors=checks, crawler=crawler, **kwargs)


class PeriodicMonitors(MonitorSuite):
    """The checks of a running crawl (SPIDERMON_PERIODIC_MONITORS): the stall watch."""

    monitors_failed_actions = [TelegramAlert]

    def __init__(self, *, crawler: Crawler, **kwargs: Any) -> None:
        checks = PERIODIC_CHECKS.get(crawler.spidercls.name, [StallWatch])
        super().__init__(monitors=checks, crawler=crawler, **kwargs)
