"""Spidermon's checks of real `scrapy crawl` runs (crawler.monitors), alerting a fake Bot API."""

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.models import Car, CrawlRun
from crawler import settings as crawler_settings
from crawler.items import CarItem
from replay.crawl import run_crawl
from replay.ports import free_port
from replay.site import FakeCar, Fault, ReplaySite, make_catalog
from replay.telegram_api import FakeTelegram
from tests.crawler.test_crawl import age_every_listing

pytestmark = pytest.mark.slow

CHAT = 42
WEB = "http://web.test"


@pytest.fixture
def cars() -> list[FakeCar]:
    """72 cars: three list pages of 30, 30 and 12."""
    return make_catalog(72, seed=7)


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    """The bot tests' fake Bot API on its own event loop thread, and the environment that
    points every crawl's alerts at it (chat 42)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeTelegram()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    monkeypatch.setenv("TELEGRAM_API_BASE", server.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:test")
    monkeypatch.setenv("CRAWL_ALERT_CHAT_IDS", str(CHAT))
    monkeypatch.setenv("WEB_BASE_URL", WEB)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def alerts(telegram: FakeTelegram) -> list[list[str]]:
    """The lines of each message sent, each to the alert chat and nothing else called."""
    assert {call.method for call in telegram.calls} <= {"sendMessage"}
    assert all(call.params["chat_id"] == str(CHAT) for call in telegram.calls)
    return [call.params["text"].splitlines() for call in telegram.calls]


def results(stats: dict[str, object]) -> dict[str, bool]:
    """Each check's name and whether it passed, from a crawl's final stats."""
    checks = stats["monitors/results"]
    assert isinstance(checks, list)
    return {check["name"]: check["ok"] for check in checks}


def start_run(engine: Engine, shard: str) -> CrawlRun:
    """A running crawl_runs row, as the scheduler records one before scrapyd starts the job."""
    run = CrawlRun(
        shard=shard,
        node="http://127.0.0.1:6800",
        job_id=f"{shard.replace('+', '-')}-{uuid.uuid4().hex}",
        status="running",
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(run)
        session.commit()
    return run


def reread(engine: Engine, run: CrawlRun) -> CrawlRun:
    with Session(engine) as session:
        row = session.get(CrawlRun, run.id)
        assert row is not None
        return row


LIST_CHECKS = [
    "finish reason",
    "errors",
    "dropped items",
    "completeness",
    "items",
    "fill rates",
    "sweep guard",
    "stall",
]


def test_a_clean_crawl_sends_nothing_and_a_tripped_sweep_guard_alerts(
    db_url: str,
    engine: Engine,
    site: ReplaySite,
    cars: list[FakeCar],
    tmp_path: Path,
    telegram: FakeTelegram,
) -> None:
    clean = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert clean.returncode == 0, clean.log[-3000:]
    assert results(clean.stats) == dict.fromkeys(LIST_CHECKS, True)
    assert alerts(telegram) == []

    age_every_listing(engine)
    for car in cars[:10]:  # 10 of 72: 14% > SWEEP_MAX_SHARE
        car.listed = False
    guarded = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert guarded.returncode == 0, guarded.log[-3000:]
    assert guarded.stat("sweep/guard_tripped") == 1
    assert alerts(telegram) == [
        [
            "Crawl alert: carsensor shard all, run (manual)",
            "✗ sweep guard: all: 10 of 72 active listings unseen, over SWEEP_MAX_SHARE=10%; "
            "none marked inactive",
        ]
    ]
    assert results(guarded.stats) == dict.fromkeys(LIST_CHECKS, True) | {"sweep guard": False}


def test_a_redesigned_site_alerts_naming_the_failed_checks(
    db_url: str, site: ReplaySite, tmp_path: Path, telegram: FakeTelegram
) -> None:
    site.layout = "carCard"  # the cards' classes renamed: no list page shows a card
    result = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none", "-a", "makes=TO,NI")
    assert result.returncode == 1, result.log[-3000:]
    [alert] = alerts(telegram)
    assert alert[0] == "Crawl alert: carsensor shard TO+NI, run (manual)"
    assert alert[1].startswith("✗ completeness: 2 of 2 lists incomplete: TO: no_cards_under_pager")
    assert alert[2:] == ["✗ items: 0 items scraped (CRAWL_MONITOR_MIN_ITEMS=1)"]
    assert results(result.stats) == dict.fromkeys(LIST_CHECKS, True) | {
        "completeness": False,
        "items": False,
    }


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "unsent",
    [
        {"TELEGRAM_BOT_TOKEN": ""},
        {"CRAWL_ALERT_CHAT_IDS": ""},
        {"TELEGRAM_API_BASE": f"http://127.0.0.1:{free_port()}"},
    ],
    ids=["no token", "no chats", "api down"],
)
def test_an_alert_that_cannot_be_sent_is_logged(
    db_url: str,
    site: ReplaySite,
    tmp_path: Path,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    unsent: dict[str, str],
) -> None:
    for name, value in unsent.items():
        monkeypatch.setenv(name, value)
    site.layout = "carCard"
    result = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert result.returncode == 1, result.log[-3000:]
    assert telegram.calls == []
    logged = result.log.split("[crawler.monitors] ERROR: ", 1)[1].splitlines()
    alert = logged[logged.index("Crawl alert: carsensor shard all, run (manual)") :]
    assert alert[1].startswith("✗ completeness: 1 of 1 lists incomplete: all: ")
    assert alert[2] == "✗ items: 0 items scraped (CRAWL_MONITOR_MIN_ITEMS=1)"
    assert "123:test" not in result.log  # the token is in the URL of a request that failed


def test_a_field_gone_empty_alerts_against_the_shards_last_finished_run(
    db_url: str,
    engine: Engine,
    site: ReplaySite,
    cars: list[FakeCar],
    tmp_path: Path,
    telegram: FakeTelegram,
) -> None:
    first = start_run(engine, "TO+NI")
    args = ("-a", "details=none", "-a", "makes=TO,NI")
    result = run_crawl(db_url, site.base_url, tmp_path, *args, "-a", f"_job={first.job_id}")
    assert result.returncode == 0, result.log[-3000:]
    assert alerts(telegram) == []
    row = reread(engine, first)
    assert row.monitors == result.stats["monitors/results"]
    assert row.fill_rates is not None and row.fill_rates == result.stats["fill_rates"]
    assert row.fill_rates["city"] == 1.0 and row.fill_rates["photos"] == 0.0
    with engine.begin() as conn:  # the scheduler adopts the crawl's outcome
        conn.execute(update(CrawlRun).where(CrawlRun.id == first.id).values(status="finished"))
    # A later finished run of another shard, whose cities were empty: no yardstick for TO+NI.
    other = start_run(engine, "all")
    with engine.begin() as conn:
        conn.execute(
            update(CrawlRun)
            .where(CrawlRun.id == other.id)
            .values(status="finished", fill_rates={"city": 0.0})
        )

    for car in cars:
        car.city = ""  # the site stops printing the city: its selector finds nothing
    second = start_run(engine, "TO+NI")
    result = run_crawl(db_url, site.base_url, tmp_path, *args, "-a", f"_job={second.job_id}")
    assert result.returncode == 0, result.log[-3000:]
    assert alerts(telegram) == [
        [
            f"Crawl alert: carsensor shard TO+NI, run {second.job_id}",
            f"✗ fill rates: fill rate of city: 0% (was 100% in run {first.id})",
            f"{WEB}/crawls?run={second.job_id}",
        ]
    ]
    row = reread(engine, second)
    assert row.outcome == "finished"  # the verdict stands; the checks are reported beside it
    assert row.fill_rates is not None and row.fill_rates["city"] == 0.0
    assert {check["name"]: check["ok"] for check in row.monitors or []} == dict.fromkeys(
        LIST_CHECKS, True
    ) | {"fill rates": False}


class WrongTypes:
    """A pipeline bug: numbers written into two text fields that are not stored."""

    def process_item(self, item: CarItem) -> CarItem:
        item.year_raw = item.year  # type: ignore[assignment]
        item.mileage_raw = item.mileage_km  # type: ignore[assignment]
        return item


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_validation_errors_are_counted_per_field_and_the_items_still_stored(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    cars[0].mileage = "不明"  # no mileage: None, which the schema allows
    pipelines = crawler_settings.ITEM_PIPELINES | {f"{__name__}.WrongTypes": 700}
    result = run_crawl(
        db_url,
        site.base_url,
        tmp_path,
        "-a",
        "details=none",
        settings={"ITEM_PIPELINES": json.dumps(pipelines)},
    )
    assert result.returncode == 0, result.log[-3000:]
    prefix = "spidermon/validation/fields/errors/"
    per_field = {
        key.rsplit("/", 1)[1]: count
        for key, count in result.stats.items()
        if key.startswith(prefix) and key.count("/") == prefix.count("/") + 1
    }
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Car))
        known_mileage = conn.scalar(
            select(func.count()).select_from(Car).where(Car.mileage_km.is_not(None))
        )
    assert per_field == {"year_raw": len(cars), "mileage_raw": len(cars) - 1}
    assert known_mileage == len(cars) - 1
    assert result.stat("spidermon/validation/items/errors") == len(cars)
    assert stored == result.stat("store/items_stored") == len(cars)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_stall_is_alerted_once_while_the_crawl_runs(
    db_url: str, site: ReplaySite, tmp_path: Path, telegram: FakeTelegram
) -> None:
    site.add_fault("/usedcar/index2.html", Fault(delay=5))  # 4 times the stall limit
    result = run_crawl(
        db_url,
        site.base_url,
        tmp_path,
        "-a",
        "details=none",
        settings={
            "SPIDERMON_PERIODIC_MONITORS": json.dumps({"crawler.monitors.PeriodicMonitors": 0.2}),
            "CRAWL_MONITOR_STALL_MINUTES": "0.02",
            "DOWNLOAD_TIMEOUT": "20",
        },
    )
    assert result.returncode == 0, result.log[-3000:]
    [alert] = alerts(telegram)  # one, though the stall outlasted many checks and the run ended
    assert alert[0] == "Crawl alert: carsensor shard all, run (manual)"
    assert alert[1].startswith("✗ stall: no new item for 0:00:0")
    assert alert[1].endswith(" (CRAWL_MONITOR_STALL_MINUTES=0.02)")
    assert len(alert) == 2
    assert results(result.stats) == dict.fromkeys(LIST_CHECKS, True) | {"stall": False}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_details_backfill_is_checked_as_its_own_shard(
    db_url: str, site: ReplaySite, tmp_path: Path, telegram: FakeTelegram
) -> None:
    lists = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert lists.returncode == 0, lists.log[-3000:]
    backfill = run_crawl(db_url, site.base_url, tmp_path, "-a", "limit=5", spider="details")
    assert backfill.returncode == 0, backfill.log[-3000:]
    checks = backfill.stats["monitors/results"]
    assert [(check["name"], check["ok"]) for check in checks] == [
        ("finish reason", True),
        ("errors", True),
        ("dropped items", True),
        ("fill rates", True),
    ]
    assert checks[-1]["detail"] == "no earlier finished run of details to compare with"
    assert backfill.stats["fill_rates"]["photos"] == 1.0
    assert alerts(telegram) == []
