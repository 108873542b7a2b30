"""Smoke test of the one-command local run (scripts/run_local.py --offline), as `make run` uses it.

It starts the real thing: the replay site, scrapyd with the crawler deployed by scrapyd-deploy,
the scheduler and the API, on free ports and a scratch SQLite database. Then Ctrl-C.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from replay.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def call(url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    """GET (or POST JSON) and decode the JSON answer."""
    request = Request(url, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urlopen(request, timeout=10) as answer:
        return json.load(answer)


def processes_with(marker: str) -> list[int]:
    """PIDs of the live processes whose environment carries `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def fake_bot_api() -> Iterator[tuple[str, list[str]]]:
    """The compose smoke test's fake Bot API in a process: its URL and the lines it printed."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "tests/compose/fake_telegram.py", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    assert server.stdout is not None
    lines.append(server.stdout.readline())  # its start line: listening from here on
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or ()), daemon=True)
    reader.start()
    yield f"http://127.0.0.1:{port}", lines
    server.kill()
    server.wait()


@pytest.mark.slow
@pytest.mark.parametrize("with_bot", [False, True], ids=["no-token", "bot"])
def test_one_command_runs_the_product_offline_and_ctrl_c_stops_it(
    tmp_path: Path, with_bot: bool, request: pytest.FixtureRequest
) -> None:
    marker = f"RUN_LOCAL_TEST={uuid.uuid4().hex}"
    api_port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cars.db'}",
        "API_PORT": str(api_port),
        "SCRAPYD_HTTP_PORT": str(free_port()),
        "REPLAY_PORT": str(free_port()),
        "SCRAPYD_HOME": str(tmp_path / "scrapyd"),
        "CRAWL_SHARDS": "TO,HO",
        "CRAWL_POLL": "1",
        marker.split("=")[0]: marker.split("=")[1],
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if with_bot:
        bot_api, bot_calls = request.getfixturevalue("fake_bot_api")
        env |= {"TELEGRAM_BOT_TOKEN": "123456:fake-token", "TELEGRAM_API_BASE": bot_api}
    run = subprocess.Popen(
        [sys.executable, "scripts/run_local.py", "--offline"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    up = threading.Event()

    def read() -> None:
        assert run.stdout is not None
        for line in run.stdout:
            output.append(line)
            if "Ctrl-C stops everything." in line:
                up.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert up.wait(120), "".join(output)
        banner = "".join(output)
        base = f"http://127.0.0.1:{api_port}"
        assert base in banner and "login admin / carsensor-demo" in banner
        assert ("not started: set TELEGRAM_BOT_TOKEN" in banner) is not with_bot

        token = call(f"{base}/api/login", {"username": "admin", "password": "carsensor-demo"})[
            "access_token"
        ]
        deadline = time.monotonic() + 120
        while (total := call(f"{base}/api/cars", token=token)["total"]) == 0:
            assert time.monotonic() < deadline, "".join(output)
            time.sleep(1)
        assert total > 0
        runs = call(f"{base}/api/crawls", token=token)["runs"]
        # The two maker shards, and the details backfill once no list shard is due.
        assert {run["shard"] for run in runs} <= {"TO", "HO", "details"}
        assert {"TO", "HO"} <= {run["shard"] for run in runs}
        assert not any("Process slot" in line for line in output), "scrapyd debug lines shown"
        if with_bot:
            # The bot long-polls the Bot API it was pointed at; it may start after the crawl
            # has stored cars, so it gets a deadline of its own.
            deadline = time.monotonic() + 60
            while not any("call getUpdates" in line for line in bot_calls):
                assert time.monotonic() < deadline, "".join(output)
                time.sleep(0.5)
        if (ROOT / "web/dist/index.html").is_file():
            # A browser's navigation: the SPA's client routes answer with index.html.
            login_page = Request(f"{base}/login", headers={"Accept": "text/html"})
            with urlopen(login_page, timeout=10) as page:
                assert b'<div id="root">' in page.read()
    finally:
        run.send_signal(signal.SIGINT)
        code = run.wait(60)
        reader.join(10)
    assert code == 0, "".join(output)
    assert output[-1].strip() == "stopped"
    # Every service, and every crawl scrapyd started, inherited the marker: none may be left.
    assert processes_with(marker) == []
