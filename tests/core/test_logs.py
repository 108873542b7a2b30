"""core.logs: one logging setup, text or JSON lines, for the API, crawler, scheduler and bot."""

import asyncio
import io
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import logs
from crawler.commands.crawl import shard_of
from replay import ROOT
from replay.crawl import run_crawl
from replay.ports import free_port
from replay.site import ReplaySite, make_catalog


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """The root logger and uvicorn's loggers as they were, after the test."""
    root = logging.getLogger()
    uvicorn = [logging.getLogger(name) for name in logs.UVICORN_LOGGERS]
    saved = (list(root.handlers), root.level, [(u.handlers[:], u.propagate) for u in uvicorn])
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for logger, (handlers, propagate) in zip(uvicorn, saved[2], strict=True):
        logger.handlers[:], logger.propagate = handlers, propagate


def record(
    message: str, *args: object, exc_info: Any = None, **fields: object
) -> logging.LogRecord:
    """A WARNING of logger test.logs; `fields` as `extra={"fields": ...}` would give them."""
    made = logging.LogRecord("test.logs", logging.WARNING, __file__, 1, message, args, exc_info)
    if fields:
        made.fields = fields
    return made


def test_a_json_line_carries_the_service_its_fields_and_what_is_bound() -> None:
    formatter = logs.JsonFormatter("crawler", {"shard": "TO+NI", "job": "j1"})
    line = json.loads(formatter.format(record("%d pages of %s", 3, "東京")))
    assert line.pop("ts").endswith("+00:00")
    assert line == {
        "service": "crawler",
        "level": "WARNING",
        "logger": "test.logs",
        "message": "3 pages of 東京",
        "shard": "TO+NI",
        "job": "j1",
    }

    async def one_request() -> str:
        logs.bind(request_id="r-1")
        logs.bind(user="7")
        return formatter.format(record("hello", status=200))

    line = json.loads(asyncio.run(one_request()))
    assert (line["request_id"], line["user"], line["status"]) == ("r-1", "7", 200)
    # Bound in that task's context only.
    assert "request_id" not in json.loads(formatter.format(record("after")))


def test_an_exception_stays_on_its_one_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        failed = record("tick failed", exc_info=sys.exc_info())
    text = logs.JsonFormatter("scheduler").format(failed)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "tick failed"
    assert line["exc_info"].startswith("Traceback") and "ValueError: bad\nvalue" in line["exc_info"]


@pytest.mark.usefixtures("clean_logging")
def test_configure_logging_replaces_its_handler_and_reroutes_uvicorn() -> None:
    # As uvicorn leaves them before importing the app, run without --no-access-log.
    for name in logs.UVICORN_LOGGERS:
        logging.getLogger(name).handlers[:] = [logging.NullHandler()]
        logging.getLogger(name).propagate = False
    text, json_lines = io.StringIO(), io.StringIO()
    logs.configure_logging("api", log_format="text", stream=text)
    assert all(logging.getLogger(n).handlers for n in logs.UVICORN_LOGGERS)
    logs.configure_logging("api", log_format="json", stream=json_lines, level="DEBUG")
    ours = [h for h in logging.getLogger().handlers if h.get_name() == logs.HANDLER_NAME]
    assert len(ours) == 1
    logging.getLogger("api").info("to json only")
    logging.getLogger("uvicorn.error").info("Uvicorn running")
    logging.getLogger("uvicorn.access").info('%s - "%s"', "127.0.0.1:1", "GET / HTTP/1.1")
    assert text.getvalue() == ""
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("api", "to json only"),
        ("uvicorn.error", "Uvicorn running"),
        ("uvicorn.access", '127.0.0.1:1 - "GET / HTTP/1.1"'),
    ]


@pytest.mark.usefixtures("clean_logging")
def test_uvicorn_without_access_log_stays_without() -> None:
    access = logging.getLogger("uvicorn.access")
    access.handlers[:], access.propagate = [], False  # what --no-access-log leaves
    logs.configure_logging("api", log_format="json", stream=io.StringIO())
    assert (access.handlers, access.propagate) == ([], False)


@pytest.mark.usefixtures("clean_logging")
def test_text_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    stream = io.StringIO()
    logs.configure_logging("bot", stream=stream)
    logging.getLogger("bot").info("started")
    assert stream.getvalue().rstrip().endswith(" INFO bot: started")


def test_the_shard_of_a_crawl_from_its_arguments() -> None:
    assert shard_of("carsensor", {"makes": "to, ni", "_job": "x"}) == "TO+NI"
    assert shard_of("carsensor", {}) == "all"
    assert shard_of("details", {"limit": "10", "max_age_days": "30"}) == "details"


def test_the_scheduler_logs_json_lines(tmp_path: Path) -> None:
    env = os.environ | {
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'cars.db'}",  # no tables: tick fails
        "SCRAPYD_URLS": f"http://127.0.0.1:{free_port()}",
        "CRAWL_SHARDS": "TO,NI",
    }
    done = subprocess.run(
        [sys.executable, "-m", "crawler.scheduler", "--once"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert {line["service"] for line in lines} == {"scheduler"}
    assert lines[0]["message"].startswith("scheduling TO,NI on http://127.0.0.1:")
    (failed,) = [line for line in lines if line["level"] == "ERROR"]
    assert failed["message"] == "tick failed" and "Traceback" in failed["exc_info"]


@pytest.mark.slow
def test_a_crawl_logs_json_lines_to_stderr(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "cars.db"
    shutil.copy(sqlite_template, database)
    monkeypatch.setenv("LOG_FORMAT", "json")
    with ReplaySite(make_catalog(12, seed=5)) as site:
        crawl = run_crawl(f"sqlite:///{database}", site.base_url, tmp_path, "-a", "details=none")
    assert crawl.returncode == 0, crawl.log
    lines = [json.loads(line) for line in crawl.log.splitlines()]
    assert {(line["service"], line["shard"]) for line in lines} == {("crawler", "all")}
    assert not any("job" in line for line in lines)  # not started by scrapyd
    assert lines[-1]["message"].startswith("crawl finished: 12 listings seen")
