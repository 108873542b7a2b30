"""The bot's Prometheus counters (every update, and those whose handling raised), served by
`python -m bot` on BOT_METRICS_PORT, and its JSON logs."""

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY

from bot.app import build_bot, build_dispatcher
from bot.parser import ParseResult
from core.db import async_session_factory, make_async_engine
from core.money import Rates
from core.settings import Settings
from replay.ports import free_port
from replay.telegram_api import FakeTelegram
from tests.bot.chat import ANNA, TOKEN, Conversation, only_message

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.anyio


def counted() -> tuple[float, float]:
    """The bot's updates and errors so far (the counters are the process's)."""
    updates = REGISTRY.get_sample_value("carsensor_bot_updates_total")
    errors = REGISTRY.get_sample_value("carsensor_bot_errors_total")
    assert updates is not None and errors is not None
    return updates, errors


@pytest.fixture
async def chat(cars_db: str, telegram: FakeTelegram) -> AsyncIterator[Conversation]:
    """A chat whose interpreter fails on "explode"; only user 111 is allowed."""
    settings = Settings(
        _env_file=None, database_url=cars_db, telegram_bot_token=TOKEN, bot_allowed_users=[111]
    )

    async def interpret(text: str, previous: Mapping[str, Any] | None, rates: Rates) -> ParseResult:
        raise RuntimeError("the model is down")

    engine = make_async_engine(Settings(_env_file=None, database_url=cars_db))
    bot = build_bot(TOKEN, telegram.url)
    dispatcher = build_dispatcher(settings, async_session_factory(engine), interpret=interpret)
    yield Conversation(dispatcher, bot, telegram)
    await bot.session.close()
    await engine.dispose()


async def test_updates_and_errors_are_counted(chat: Conversation) -> None:
    updates, errors = counted()
    only_message(await chat.say("/help"))
    assert counted() == (updates + 1, errors)
    only_message(await chat.say("/help", user=999))  # refused: counted all the same
    assert counted() == (updates + 2, errors)
    with pytest.raises(RuntimeError, match="the model is down"):
        await chat.say("red BMW under 2 million")
    assert counted() == (updates + 3, errors + 1)


async def test_python_m_bot_serves_its_metrics_and_logs_json(
    telegram: FakeTelegram, tmp_path: Path, sqlite_template: Path
) -> None:
    """`python -m bot` in webhook mode with BOT_METRICS_PORT and LOG_FORMAT=json."""
    hook, metrics = free_port(), free_port()
    # A migrated database: every update reads the chat's state from chat_states.
    shutil.copy(sqlite_template, tmp_path / "cars.db")
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cars.db'}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": telegram.url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{hook}/hook",
        "TELEGRAM_WEBHOOK_PORT": str(hook),
        "BOT_METRICS_PORT": str(metrics),
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    anna = {"id": ANNA, "is_bot": False, "first_name": "Anna", "language_code": "en"}
    chat = {"id": ANNA, "type": "private", "first_name": "Anna"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": anna, "text": "/help"}
    update = {"update_id": 1, "message": message}
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with http.post(f"http://127.0.0.1:{hook}/hook", json=update) as posted:
                        assert posted.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, "the bot's webhook never answered"
                    await asyncio.sleep(0.1)
            async with http.get(f"http://127.0.0.1:{metrics}/metrics") as answer:
                exposed = await answer.text()
    finally:
        bot.terminate()
        _, stderr = await bot.communicate()
    assert "carsensor_bot_updates_total 1.0" in exposed
    assert "carsensor_bot_errors_total 0.0" in exposed
    assert only_message(telegram.of("sendMessage")).params["chat_id"] == str(ANNA)
    lines = [json.loads(line) for line in stderr.decode().splitlines()]
    assert {line["service"] for line in lines} == {"bot"}
    assert any(line["message"].startswith("Update id=") for line in lines)
