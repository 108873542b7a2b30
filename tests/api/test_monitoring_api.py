"""What an operator watches: /metrics from crawl_runs and cars, /api/health's freshness, request
ids, the sample alert rules, and the API's JSON logs under uvicorn."""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session

import bot.metrics  # noqa: F401 - registers the bot's counters, as `python -m bot` does
from api.app import create_app
from api.observability import access_log
from core import crawls, read
from core.logs import JsonFormatter
from core.models import CrawlRun, utcnow
from core.settings import Settings
from replay import ROOT
from replay.crawl import run_crawl
from replay.ports import free_port
from replay.site import ReplaySite, make_catalog
from tests.api.conftest import TEST_SECRET
from tests.factories import listing as car
from tests.factories import store

RULES = ROOT / "docs" / "prometheus-alerts.yml"
HOUR = timedelta(hours=1)
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:9/carsensor?connect_timeout=2"


@pytest.fixture
def monitored(settings: Settings) -> Settings:
    """Two scheduled shards, crawled every hour."""
    return settings.model_copy(update={"crawl_shards": ["TO", "NI"], "crawl_interval": 3600.0})


@pytest.fixture
def client(monitored: Settings) -> Iterator[TestClient]:
    """A client of the API with the `monitored` settings."""
    with TestClient(create_app(monitored), raise_server_exceptions=False) as client:
        yield client


def run(session: Session, shard: str, status: str, ended: timedelta | None, **values: Any) -> None:
    """Record a run of `shard` that ended `ended` ago (None: still active)."""
    now = utcnow()
    session.add(
        CrawlRun(
            shard=shard,
            node="http://node:6800",
            job_id=f"{shard}-{uuid.uuid4().hex[:8]}",
            status=status,
            created_at=now - (ended or timedelta()) - HOUR,
            finished_at=None if ended is None else now - ended,
            **values,
        )
    )
    session.commit()


def samples(text: str) -> dict[tuple[str, str], float]:
    """(sample name, its shard label or "") -> value, from Prometheus text."""
    return {
        (sample.name, sample.labels.get("shard", "")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def seed_two_shards(session: Session) -> None:
    """TO: crawled half an hour ago, running again now; NI: last complete 3 hours ago, failed
    since; "all" (not scheduled) 10 minutes ago; the details backfill a minute ago."""
    checks = [{"name": "fill", "ok": True}, {"name": "count", "ok": False, "detail": "-40%"}]
    run(session, "TO", "finished", HOUR * 2, items_stored=90, items_dropped=9, errors=9)
    run(session, "TO", "finished", HOUR / 2, items_stored=100, items_dropped=2, errors=1,
        monitors=checks + [{"name": "age", "ok": False}])  # fmt: skip
    run(session, "TO", "running", None, items_stored=5, items_dropped=5, errors=5)
    run(session, "NI", "finished", HOUR * 3, items_stored=50)
    run(session, "NI", "failed", HOUR, items_stored=10, items_dropped=7, errors=3)
    run(session, crawls.ALL, "finished", timedelta(minutes=10), items_stored=300)
    run(session, crawls.DETAILS, "finished", timedelta(minutes=1), items_stored=20)


def test_metrics_report_each_shard_from_the_database(client: TestClient, session: Session) -> None:
    seed_two_shards(session)
    store(session, car("A1"), car("A2"), car("A3"), car("G1", is_active=False))
    before = utcnow().timestamp()

    got = samples(client.get("/metrics").text)

    to_ended = got[("carsensor_crawl_last_complete_timestamp_seconds", "TO")]
    assert before - 1800 - 5 < to_ended < before - 1800 + 5
    ni_ended = got[("carsensor_crawl_last_complete_timestamp_seconds", "NI")]
    assert abs(ni_ended - (before - 3 * 3600)) < 5
    # The last *ended* run's counts: TO's running one is not done yet, NI's failed one is.
    assert [
        [got[(f"carsensor_crawl_last_run_{name}", shard)] for name in ("items_stored",
         "items_dropped", "errors", "monitor_failures")]
        for shard in ("TO", "NI", "all", "details")
    ] == [[100, 2, 1, 2], [10, 7, 3, 0], [300, 0, 0, 0], [20, 0, 0, 0]]  # fmt: skip
    assert {
        shard: got[("carsensor_crawl_shard_scheduled", shard)]
        for shard in ("TO", "NI", "all", "details")
    } == {"TO": 1, "NI": 1, "all": 0, "details": 0}
    assert got[("carsensor_crawl_interval_seconds", "")] == 3600
    # The newest complete *list* crawl: "all", 10 minutes ago (the backfill reads no lists).
    assert 600 <= got[("carsensor_data_age_seconds", "")] < 610
    assert got[("carsensor_active_listings", "")] == 3
    assert got[("carsensor_database_up", "")] == 1


def test_metrics_before_any_crawl(client: TestClient) -> None:
    got = samples(client.get("/metrics").text)
    # Every scheduled shard is there, never having finished a crawl.
    assert got[("carsensor_crawl_last_complete_timestamp_seconds", "TO")] == 0
    assert got[("carsensor_crawl_last_complete_timestamp_seconds", "NI")] == 0
    assert got[("carsensor_crawl_last_run_items_stored", "NI")] == 0
    assert got[("carsensor_data_age_seconds", "")] == float("inf")
    assert got[("carsensor_active_listings", "")] == 0


def test_metrics_without_the_database_keep_the_api_counters() -> None:
    settings = Settings(database_url=DOWN_URL, secret_key=TEST_SECRET)
    with TestClient(create_app(settings)) as client:
        client.get("/api/health")
        response = client.get("/metrics")
    assert response.status_code == 200
    got = samples(response.text)
    assert got[("carsensor_database_up", "")] == 0
    assert not any(name.startswith("carsensor_crawl") for name, _ in got)
    assert any(name == "api_requests_total" for name, _ in got)


def health(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/health")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_health_is_ok_while_every_scheduled_shard_is_fresh(
    client: TestClient, session: Session
) -> None:
    run(session, "TO", "finished", HOUR)
    run(session, "NI", "finished", HOUR * 1.5)
    run(session, "NI", "failed", HOUR / 2)  # a failure within the interval is no news yet
    run(session, "SB", "finished", HOUR * 30)  # no longer scheduled: not a reason
    body = health(client)
    assert body["status"] == "ok" and body["reasons"] == []
    assert 3600 <= body["data_age_seconds"] < 3610


def test_health_is_degraded_naming_each_stale_shard(client: TestClient, session: Session) -> None:
    seed_two_shards(session)  # NI's last complete crawl: 3 hours ago, over 2 × 1 hour
    body = health(client)
    assert body["status"] == "degraded"
    assert body["reasons"] == [
        "shard NI: last complete crawl 3:00:00 ago, more than 2 × CRAWL_INTERVAL (2:00:00)"
    ]
    assert 600 <= body["data_age_seconds"] < 610
    assert body["database"] == "ok"


def test_health_is_degraded_before_any_crawl_completed(
    client: TestClient, session: Session
) -> None:
    assert health(client) | {"last_crawl_at": None} == {
        "status": "degraded",
        "database": "ok",
        "last_crawl_at": None,
        "data_age_seconds": None,
        "reasons": ["no crawl has completed yet"],
    }
    run(session, "TO", "failed", HOUR / 4)
    run(session, crawls.DETAILS, "finished", HOUR / 4)  # no list is fresher for it
    assert health(client)["reasons"] == ["no crawl has completed yet"]
    run(session, "TO", "finished", HOUR / 2)
    body = health(client)
    assert body["reasons"] == ["shard NI: no complete crawl yet"]
    assert 1800 <= body["data_age_seconds"] < 1810


def test_health_is_degraded_when_everything_is_stale(client: TestClient, session: Session) -> None:
    run(session, "TO", "finished", HOUR * 49)
    run(session, "NI", "finished", HOUR * 2.5)
    body = health(client)
    assert body["status"] == "degraded"
    assert body["reasons"] == [
        "shard NI: last complete crawl 2:30:00 ago, more than 2 × CRAWL_INTERVAL (2:00:00)",
        "shard TO: last complete crawl 2 days, 1:00:00 ago, more than 2 × CRAWL_INTERVAL (2:00:00)",
    ]
    assert 9000 <= body["data_age_seconds"] < 9010


@pytest.fixture
def access_lines() -> Iterator[list[dict[str, Any]]]:
    """The access log's records, as the JSON lines it writes."""
    lines: list[dict[str, Any]] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Capture()
    handler.setFormatter(JsonFormatter("api"))
    access_log.addHandler(handler)
    yield lines
    access_log.removeHandler(handler)


def test_each_request_has_an_id_echoed_and_logged(
    client: TestClient, access_lines: list[dict[str, Any]]
) -> None:
    given = client.get("/api/health", headers={"X-Request-ID": "edge-7f3a:42"})
    fresh = client.get("/api/health")
    insane = client.get("/api/health", headers={"X-Request-ID": 'a b"<script>' + "x" * 200})
    assert given.headers["X-Request-ID"] == "edge-7f3a:42"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", insane.headers["X-Request-ID"])
    assert fresh.headers["X-Request-ID"] != insane.headers["X-Request-ID"]
    assert [line["request_id"] for line in access_lines] == [
        response.headers["X-Request-ID"] for response in (given, fresh, insane)
    ]
    assert re.fullmatch(r"GET /api/health 200 [\d.]+ms", access_lines[0]["message"])
    assert access_lines[0] | {"ts": "", "message": "", "duration_ms": 0} == {
        "ts": "",
        "service": "api",
        "level": "INFO",
        "logger": "api.access",
        "message": "",
        "request_id": "edge-7f3a:42",
        "method": "GET",
        "path": "/api/health",
        "status": 200,
        "duration_ms": 0,
        "client": "testclient",
    }


def test_a_crash_is_logged_and_answered_under_the_request_id(
    client: TestClient,
    auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    access_lines: list[dict[str, Any]],
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    errors: list[dict[str, Any]] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(json.loads(self.format(record)))

    handler = Capture()
    handler.setFormatter(JsonFormatter("api"))
    logging.getLogger("api").addHandler(handler)
    monkeypatch.setattr(read, "facets", explode)
    try:
        response = client.get("/api/cars/facets", headers={**auth, "X-Request-ID": "crash-1"})
    finally:
        logging.getLogger("api").removeHandler(handler)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "crash-1"
    (error,) = errors
    assert error["request_id"] == "crash-1" and error["level"] == "ERROR"
    assert "RuntimeError: boom" in error["exc_info"]
    assert [(line["status"], line["request_id"]) for line in access_lines] == [(500, "crash-1")]


# PromQL: strings, label matchers, ranges, and the label lists of by/on/ignoring/group_*.
PROMQL_NOISE = (
    r'"(?:[^"\\]|\\.)*"',
    r"\{[^}]*\}",
    r"\[[^\]]*\]",
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
)
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (identifiers that are not functions)."""
    for noise in PROMQL_NOISE:
        expr = re.sub(noise, " ", expr)
    names = re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", expr)
    return set(names) - PROMQL_KEYWORDS


def test_every_alert_rule_reads_metrics_the_services_expose(
    client: TestClient, session: Session
) -> None:
    seed_two_shards(session)
    client.get("/api/health")
    exposed = {name for name, _ in samples(client.get("/metrics").text)}
    exposed |= {name for name, _ in samples(generate_latest(REGISTRY).decode())}
    assert {"carsensor_bot_updates_total", "carsensor_bot_errors_total"} <= exposed

    rules = [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]
    assert {rule["alert"] for rule in rules} == {
        "CarsensorDataStale",
        "CarsensorShardNotCrawled",
        "CarsensorMonitorFailed",
        "CarsensorItemsDropped",
        "CarsensorDatabaseDown",
        "CarsensorApiErrors",
        "CarsensorBotErrors",
    }
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]) and rule["annotations"]["summary"]
        names = metric_names(rule["expr"])
        assert names and names <= exposed, (rule["alert"], names - exposed)
    assert metric_names('rate(api_requests_total{status=~"5.."}[5m]) > on(job) x') == {
        "api_requests_total",
        "x",
    }


@dataclass
class Uvicorn:
    """`uvicorn api.main:app` in a subprocess."""

    url: str
    process: subprocess.Popen[str]


@pytest.fixture
def uvicorn_json(sqlite_template: Path, tmp_path: Path) -> Iterator[Uvicorn]:
    """The API as Docker runs it (its access log only, not uvicorn's), with LOG_FORMAT=json, on a
    copy of the migrated SQLite file."""
    database = tmp_path / "cars.db"
    shutil.copy(sqlite_template, database)
    port = free_port()
    env = os.environ | {
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": TEST_SECRET,
        "CRAWL_SHARDS": "TO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urlopen(f"{url}/metrics", timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "the API did not start"
            time.sleep(0.1)
    yield Uvicorn(url, process)
    process.kill()
    process.wait()


def test_api_logs_json_lines_with_the_request_id(uvicorn_json: Uvicorn) -> None:
    request = Request(f"{uvicorn_json.url}/api/health", headers={"X-Request-ID": "probe-1"})
    with urlopen(request, timeout=10) as response:
        assert response.headers["X-Request-ID"] == "probe-1"
        assert json.load(response)["status"] == "degraded"
    uvicorn_json.process.terminate()
    stdout, stderr = uvicorn_json.process.communicate(timeout=30)
    lines = [json.loads(line) for line in (stdout + stderr).splitlines()]
    assert all({"ts", "service", "level", "logger", "message"} <= set(line) for line in lines)
    assert {line["service"] for line in lines} == {"api"}
    # uvicorn's own lines (start-up, shutdown) are JSON too; --no-access-log still holds.
    assert any(line["logger"] == "uvicorn.error" for line in lines)
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
    probe = [line for line in lines if line.get("request_id") == "probe-1"]
    assert {line["logger"] for line in probe} == {"api.access"}


@pytest.mark.slow
def test_a_real_crawl_logs_json_and_shows_in_the_metrics(
    db_url: str,
    session: Session,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crawl as scrapyd starts it (a job id and a log file), with LOG_FORMAT=json; then the
    scheduler's refresh, and /metrics."""
    run(session, "TO", "running", None)
    job = session.scalars(select(CrawlRun.job_id)).one()
    log = tmp_path / "job.log"
    monkeypatch.setenv("LOG_FORMAT", "json")
    with ReplaySite(make_catalog(40, seed=3)) as site:
        crawl = run_crawl(
            db_url, site.base_url, tmp_path, "-a", "makes=TO", "-a", "details=none",
            "-a", f"_job={job}", settings={"LOG_FILE": str(log)},
        )  # fmt: skip
    assert crawl.returncode == 0, crawl.log
    assert crawl.log.strip() == ""  # every line went to the job's log file
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) > 5
    assert {(line["service"], line["shard"], line["job"]) for line in lines} == {
        ("crawler", "TO", job)
    }
    assert lines[0]["message"].startswith("Scrapy ")
    assert lines[-1]["message"].startswith("crawl finished: ")

    class Finished(crawls.Cluster):
        def api(self, node: str, endpoint: str, form: Any = None) -> dict[str, Any]:
            return {"pending": [], "running": [], "finished": [{"id": job}]}

    crawls.refresh_runs(Finished(nodes=()), ["http://node:6800"], session=session)
    session.commit()
    stored = crawl.stat("store/items_stored")
    got = samples(client.get("/metrics").text)
    assert stored > 0 and got[("carsensor_crawl_last_run_items_stored", "TO")] == stored
    assert got[("carsensor_crawl_last_complete_timestamp_seconds", "TO")] > time.time() - 60
    assert got[("carsensor_data_age_seconds", "")] < 60
    checks = session.scalars(select(CrawlRun.monitors)).one() or []
    failed = sum(1 for check in checks if check["ok"] is False)
    assert got[("carsensor_crawl_last_run_monitor_failures", "TO")] == failed
