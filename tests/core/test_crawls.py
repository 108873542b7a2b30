"""core.crawls: node discovery, the plan, the run report, progress, and when shards are due."""

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core import crawls
from core.models import CrawlRun, utcnow
from core.settings import Settings
from core.vocab import MAKES
from crawler import scheduler

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "carsensor-data" / "catalog.jsonl"


def test_discover_gives_every_ipv4_address_of_a_name() -> None:
    assert crawls.discover("localhost:6900") == ["http://127.0.0.1:6900"]
    assert crawls.discover("127.0.0.1") == ["http://127.0.0.1:6800"]


def test_an_unresolvable_name_is_no_nodes_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="core.crawls")
    assert crawls.discover("scrapyd.invalid:6800") == []
    assert "cannot resolve SCRAPYD_DISCOVER=scrapyd.invalid:6800" in caplog.text


def test_cluster_from_settings_merges_urls_and_discovered_nodes() -> None:
    settings = Settings(
        scrapyd_urls="http://127.0.0.1:6900/, http://node-b:6800",
        scrapyd_discover="localhost:6900",
        scrapyd_username="crawler",
        scrapyd_password=SecretStr("s3cret"),
    )
    cluster = crawls.cluster_from(settings)
    assert cluster.nodes == ("http://127.0.0.1:6900", "http://node-b:6800")
    assert (cluster.username, cluster.password) == ("crawler", "s3cret")
    assert crawls.cluster_from(Settings(scrapyd_urls="")).nodes == ()


def test_progress_has_a_denominator_a_rate_and_an_eta() -> None:
    start = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    run = CrawlRun(
        shard="TO", node="n", job_id="TO-1", status="running", started_at=start,
        progress_at=start + timedelta(seconds=100), pages_crawled=50, pages_expected=200,
    )  # fmt: skip
    assert crawls.progress(run) == crawls.Progress(25.0, 0.5, 300)
    assert crawls.describe(run) == "50 of 200 pages (25%), 0 listings, 0.5 pages/s, ETA 0:05:00"
    run.status, run.pages_crawled = "finished", 200
    assert crawls.progress(run).percent == 100.0 and crawls.progress(run).eta_seconds is None
    unknown = CrawlRun(shard="TO", node="n", job_id="TO-2", status="pending")
    assert crawls.progress(unknown) == crawls.Progress(None, None, None)
    assert crawls.describe(unknown) == "0 of ? pages, 0 listings"


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        ({"list/pages": 3}, ("finished", None)),
        (
            {"store/failed_batches": 1, "store/unsaved_items": 40},
            ("failed", "the database was unreachable; 40 items unsaved"),
        ),
        (
            {"store/stale_sweep_failed": 1},
            ("failed", "stale listings could not be marked inactive"),
        ),
        ({"list/failed": 2}, ("failed", "no list page could be read; is the site reachable?")),
        ({"details/failed": 5}, ("failed", "no detail page could be read; is the site reachable?")),
        (
            {"list/pages": 1, "crawl/incomplete_reason": "TO: empty_page on page 2"},
            ("incomplete", "TO: empty_page on page 2"),
        ),
        (
            {"list/pages": 9, "sweep/guard_reason": "sweep guard: TO: 9 of 10"},
            ("finished", "sweep guard: TO: 9 of 10"),
        ),
    ],
)
def test_the_verdict_of_a_crawl(stats: dict[str, object], expected: tuple[str, str | None]) -> None:
    assert crawls.verdict(stats) == expected


def test_the_report_maps_stats_to_run_columns_and_sums_up_in_one_line() -> None:
    stats = {
        "item_scraped_count": 10, "listings/new": 3, "listings/changed": 2,
        "listings/unchanged": 5, "listings/gone": 1, "details/fetched": 4, "pages/read": 1,
    }  # fmt: skip
    report = crawls.report(stats)
    assert set(report) == set(crawls.REPORT)
    assert {c for c in report if c in CrawlRun.__table__.c} == set(crawls.REPORT)
    assert report["listings_new"] == 3 and report["listings_reappeared"] == 0
    assert crawls.summary(report) == (
        "10 listings seen: 3 new, 2 changed, 5 unchanged, 1 gone, 0 reappeared; "
        "details 4 fetched, 0 failed; 0 dropped"
    )


def test_list_jobs_read_list_pages_only_within_the_site_budget() -> None:
    policy = crawls.Policy(interval=timedelta(hours=1), site_rate=2.5, settings={"X": "1"})
    form = crawls.schedule_form("NI+HO", "NI-HO-1", policy)
    assert ("spider", "carsensor") in form and ("details", "none") in form
    assert ("makes", "NI,HO") in form
    assert {v for k, v in form if k == "setting"} == {
        "CRAWL_SITE_RATE=2.5", "CRAWL_BUDGET_PRIORITY=list", "X=1"
    }  # fmt: skip
    backfill = crawls.schedule_form(crawls.DETAILS, "details-1", policy)
    assert ("spider", "details") in backfill and ("limit", "3600") in backfill
    assert ("max_age_days", "30") in backfill and "makes" not in dict(backfill)
    assert "setting" in dict(backfill) and "CRAWL_BUDGET_PRIORITY=idle" in {
        v for k, v in backfill if k == "setting"
    }
    assert crawls.shard_makes(crawls.DETAILS) == []


def test_policy_from_settings() -> None:
    settings = Settings(crawl_retry_delays="60, 120", crawl_site_rate=3, crawl_interval=7200)
    policy = crawls.policy_from(settings, details=False)
    assert policy.retry_delays == (timedelta(minutes=1), timedelta(minutes=2))
    assert (policy.site_rate, policy.interval, policy.details) == (3, timedelta(hours=2), False)


def _run(session: Session, shard: str, status: str, ended_ago: timedelta, **counts: int) -> None:
    at = utcnow() - ended_ago
    session.add(
        CrawlRun(
            shard=shard,
            node="n",
            job_id=f"{shard}-{uuid.uuid4().hex}",
            status=status,
            created_at=at - timedelta(minutes=1),
            finished_at=at,
            **counts,
        )  # fmt: skip
    )
    session.commit()


def test_a_failed_shard_is_retried_by_backoff_not_after_the_interval(session: Session) -> None:
    policy = crawls.Policy(interval=timedelta(hours=6))

    def due() -> list[str]:
        return crawls.due_shards(["TO", "NI", "HO", "SZ"], policy, session=session)

    assert due() == ["TO", "NI", "HO", "SZ"]  # never run
    _run(session, "TO", "finished", timedelta(minutes=30))
    _run(session, "NI", "incomplete", timedelta(minutes=4))
    _run(session, "HO", "lost", timedelta(minutes=6))
    _run(session, "SZ", "failed", timedelta(minutes=6))
    _run(session, "SZ", "failed", timedelta(minutes=6))  # the second failure in a row waits 15
    assert due() == ["HO"]
    _run(session, "TO", "finished", timedelta(hours=7))  # an older run's id is newer: ignored
    _run(session, "TO", "running", timedelta(0))
    assert "TO" not in due()
    for _ in range(3):
        _run(session, "NI", "failed", timedelta(minutes=59))
    assert "NI" not in due()  # the 4th failure in a row waits the last delay, an hour
    _run(session, "NI", "failed", timedelta(minutes=61))
    _run(session, "SZ", "finished", timedelta(minutes=20))  # a success resets the backoff
    _run(session, "SZ", "failed", timedelta(minutes=6))
    assert due() == ["NI", "HO", "SZ"]


def test_the_backfill_goes_on_while_it_uses_its_budget(session: Session) -> None:
    policy = crawls.Policy(interval=timedelta(hours=1), details=True, details_budget=100)
    assert crawls.due_shards([crawls.DETAILS], policy, session=session) == [crawls.DETAILS]
    _run(session, crawls.DETAILS, "finished", timedelta(minutes=1), pages_expected=40)
    assert crawls.due_shards([crawls.DETAILS], policy, session=session) == []
    _run(session, crawls.DETAILS, "finished", timedelta(minutes=1), pages_expected=100)
    assert crawls.due_shards([crawls.DETAILS], policy, session=session) == [crawls.DETAILS]
    assert not crawls.lists_busy(["TO"], session=session)
    _run(session, "TO", "pending", timedelta(0))
    assert crawls.lists_busy(["TO", "NI"], session=session)


def test_the_plan_gives_every_maker_one_shard_under_its_own_code() -> None:
    plan = crawls.plan()
    assert [make.code for _, make in plan] == [make.code for make in MAKES]
    for shard, make in plan:
        assert make.code in crawls.shard_makes(shard)
        assert len(crawls.shard_makes(shard)) <= crawls.SHARD_GROUP_SIZE
    own = {shard for shard, make in plan if make.major}
    assert {"TO", "NI", "HO", "SZ", "DA", "ME", "BM", "MN"} <= own
    assert all("+" not in shard for shard in own)


@pytest.mark.skipif(not CATALOGUE.exists(), reason="../shared/carsensor-data is not there")
def test_the_plan_covers_every_maker_of_carsensors_catalogue() -> None:
    named = {
        json.loads(line)["carsensor_code"].split("_")[0]
        for line in CATALOGUE.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["maker"]
    }
    assert {make.code for _, make in crawls.plan()} == named


def test_configured_shards_default_to_the_plan() -> None:
    planned = list(dict.fromkeys(shard for shard, _ in crawls.plan()))
    assert crawls.configured_shards(Settings(crawl_shards=[])) == planned
    assert crawls.configured_shards(Settings(crawl_shards="TO,all")) == ["TO", "all"]
    assert crawls.shard_makes("all") == []
    assert crawls.shard_makes("AA+AT") == ["AA", "AT"]


def test_scheduler_plan_prints_a_line_per_maker_and_starts_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRAPYD_URLS", "http://127.0.0.1:1")  # nothing may be called
    monkeypatch.delenv("CARSENSOR_BASE_URL", raising=False)
    assert scheduler.main(["--plan"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(MAKES)
    assert ["TO", "Toyota", "https://www.carsensor.net/usedcar/bTO/index.html"] in lines
    assert ["AD", "Audi", "https://www.carsensor.net/usedcar/bAD/index.html"] in lines
    for shard, _, url in lines:
        assert url.split("/")[-2][1:] in shard.split("+")


def test_a_lost_claim_undoes_only_itself(session: Session, db_engine: Engine) -> None:
    """The round's other changes survive a claim refused by the unique index, for the caller
    to commit; a claim that wins commits at once."""
    for shard in ("TO", "NI"):
        session.add(CrawlRun(shard=shard, node="n", job_id=f"{shard}-1", status="running"))
    session.commit()
    lost = session.scalars(select(CrawlRun).where(CrawlRun.shard == "NI")).one()
    lost.status = "lost"  # as refresh_runs leaves it
    assert crawls._claim("TO", "http://n1:6800", session=session) is None
    assert lost.status == "lost"
    claimed = crawls._claim("NI", "http://n1:6800", session=session)
    assert claimed is not None
    with Session(db_engine) as other:
        rows = other.execute(select(CrawlRun.job_id, CrawlRun.status).order_by(CrawlRun.id))
        statuses = [tuple(row) for row in rows]
    assert statuses == [("TO-1", "running"), ("NI-1", "lost"), (claimed.job_id, "pending")]
