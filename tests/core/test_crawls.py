"""core.crawls' pure parts: node discovery, the cluster from settings, progress from a log."""

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import SecretStr

from core import crawls
from core.models import CrawlRun
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


def test_progress_is_the_last_logstats_line() -> None:
    log = (
        "2026-11-25 00:00:10 [scrapy.extensions.logstats] INFO: Crawled 3 pages (at 3 pages/min),"
        " scraped 60 items (at 60 items/min)\n"
        "2026-11-25 00:00:20 [scrapy.extensions.logstats] INFO: Crawled 7 pages (at 24 pages/min),"
        " scraped 150 items (at 540 items/min)\n"
    )
    assert crawls.parse_progress(log) == (7, 150)
    assert crawls.parse_progress("2026-11-25 INFO: Spider opened\n") is None


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


def test_an_incomplete_run_keeps_its_reason() -> None:
    log = (
        "2026-12-06 [crawler.pipelines] ERROR: list incomplete: TO: empty_page on page 1; none\n"
        "2026-12-06 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n"
        "{'crawl/complete_lists': 0,\n 'crawl/incomplete_lists': 1,\n 'list/pages': 0}\n"
        "2026-12-06 [crawler.commands.crawl] ERROR: crawl incomplete: TO: empty_page on page 1\n"
    )

    class OneLog(crawls.Cluster):
        def call(
            self, node: str, path: str, form: Sequence[tuple[str, str]] | None = None
        ) -> bytes:
            return log.encode()

    run = CrawlRun(shard="TO", node="http://n", job_id="TO-1", status="running")
    crawls._record_stats(OneLog(nodes=("http://n",)), run, {})
    assert run.status == "incomplete"
    assert run.reason == "crawl incomplete: TO: empty_page on page 1"
