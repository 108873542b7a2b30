"""The bot tests' fixtures (seeded database, fake Bot API, bots on them) and the parser's
evaluation figure."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from bot.app import build_bot, build_dispatcher
from core.db import async_session_factory, make_async_engine, make_engine
from core.settings import Settings
from crawler.storage import car_row, upsert_cars
from replay.telegram_api import FakeTelegram
from tests.bot.chat import GOLFS, OTHER_CARS, RED_BMWS, TOKEN, WEB, Clock, Conversation
from tests.factories import store_in_order


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The summary test_eval_accuracy recorded as its "parser_eval" property, if it ran."""
    reports = [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("failed", [])]
    for report in reports:
        for name, value in getattr(report, "user_properties", []):
            if name == "parser_eval":
                terminalreporter.write_sep("-", "bot parser evaluation")
                terminalreporter.write_line(str(value))


@pytest.fixture
def anyio_backend() -> str:
    """aiogram runs on asyncio."""
    return "asyncio"


@pytest.fixture
def cars_db(db_url: str) -> str:
    """The test database with tests.bot.chat's cars, a minute apart, through crawler storage."""
    engine = make_engine(db_url)
    start = datetime.now(UTC) - timedelta(days=1)
    with Session(engine) as session:
        for minutes, item in enumerate((*RED_BMWS, *OTHER_CARS)):
            upsert_cars([car_row(item, now=start + timedelta(minutes=minutes))], session=session)
        session.commit()
    engine.dispose()
    return db_url


@pytest.fixture
def golfs_db(cars_db: str) -> str:
    """The seeded database with tests.bot.chat's Golfs too, most with a photo."""
    engine = make_engine(cars_db)
    with Session(engine) as session:
        store_in_order(session, *GOLFS)
    engine.dispose()
    return cars_db


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server, listening on loopback."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def open_chat(
    cars_db: str, telegram: FakeTelegram
) -> AsyncIterator[Callable[..., Conversation]]:
    """Start a bot process on the fake server and the seeded database, with settings
    overrides; its alerts look every 0.1 s once started (`Conversation.start`)."""
    bots: list[tuple[Bot, Conversation]] = []
    engines: list[AsyncEngine] = []

    def open_(**overrides: Any) -> Conversation:
        # No .env: a developer's own bot settings must not leak into the test.
        settings = Settings(
            _env_file=None, database_url=cars_db, telegram_bot_token=TOKEN,
            alert_poll_seconds=0.1, alert_settle_seconds=0, web_base_url=WEB, **overrides,
        )  # fmt: skip
        engines.append(make_async_engine(Settings(_env_file=None, database_url=cars_db)))
        bot = build_bot(TOKEN, telegram.url)
        clock = Clock()
        dispatcher = build_dispatcher(settings, async_session_factory(engines[-1]), clock=clock)
        chat = Conversation(dispatcher, bot, telegram, clock)
        bots.append((bot, chat))
        return chat

    yield open_
    for bot, chat in bots:
        await chat.stop()
        await bot.session.close()
    for engine in engines:
        await engine.dispose()
