"""core.crawls' pure parts: node discovery, the cluster from settings, progress from a log."""

import logging

import pytest
from pydantic import SecretStr

from core import crawls
from core.settings import Settings


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
