"""The bot tests' fixtures (seeded database, fake Bot API) and the parser's evaluation figure."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.db import make_engine
from crawler.storage import car_row, upsert_cars
from replay.telegram_api import FakeTelegram
from tests.bot.chat import GOLFS, OTHER_CARS, RED_BMWS
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
