"""Core fixtures: async reads on the fresh test database (core.read is async)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import async_session_factory, make_async_engine
from core.settings import Settings

AsyncWork = Callable[[AsyncSession], Awaitable[Any]]


@pytest.fixture
def read_async(db_url: str) -> Callable[[AsyncWork], Any]:
    """Run `work(session)` on an AsyncSession of the test database, in a loop of its own."""

    def run(work: AsyncWork) -> Any:
        async def main() -> Any:
            engine = make_async_engine(Settings(database_url=db_url))
            try:
                async with async_session_factory(engine)() as session:
                    return await work(session)
            finally:
                await engine.dispose()

        return asyncio.run(main())

    return run
