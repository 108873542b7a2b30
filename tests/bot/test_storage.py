"""bot.storage.DbStorage on PostgreSQL and SQLite: aiogram's FSM state and data in chat_states,
each write one upsert, safe for two bot processes (two engines) writing at once."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import DbStorage, storage_key
from core.db import async_session_factory, make_async_engine
from core.models import ChatState
from core.settings import Settings

pytestmark = pytest.mark.anyio

KEY = StorageKey(bot_id=42, chat_id=111, user_id=111)


class Form(StatesGroup):
    """A state group, as a later dialogue (/watch) would have."""

    name = State()


@pytest.fixture
async def open_storage(db_url: str) -> AsyncIterator[Callable[[], DbStorage]]:
    """New storages on the test database, each on an engine of its own (a process each)."""
    engines: list[AsyncEngine] = []

    def open_() -> DbStorage:
        engines.append(make_async_engine(Settings(_env_file=None, database_url=db_url)))
        return DbStorage(async_session_factory(engines[-1]))

    yield open_
    for engine in engines:
        await engine.dispose()


def test_the_row_key_names_every_part_of_the_storage_key() -> None:
    assert storage_key(KEY) == "42:111:111:::default"
    topic = StorageKey(42, -100, 7, thread_id=5, business_connection_id="bc1", destiny="watch")
    assert storage_key(topic) == "42:-100:7:5:bc1:watch"


async def test_state_and_data_round_trip(open_storage: Callable[[], DbStorage]) -> None:
    storage = open_storage()
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})

    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"search": {"filters": {"make": "BMW"}, "id": 1}})
    state, data = await storage.get_state(KEY), await storage.get_data(KEY)
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})

    assert (state, data) == ("Form:name", {"search": {"filters": {"make": "BMW"}, "id": 1}})
    # Each write leaves the other column alone; clearing both leaves nothing to read.
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})


async def test_update_data_sets_keys_like_dict_update(
    open_storage: Callable[[], DbStorage],
) -> None:
    storage = open_storage()
    other_chat = StorageKey(bot_id=42, chat_id=222, user_id=222)
    await storage.set_state(KEY, "Form:name")
    await storage.set_data(KEY, {"search": {"filters": {"make": "BMW", "color": "red"}}, "n": 1})

    merged = await storage.update_data(KEY, {"search": {"filters": {"make": "Toyota"}}, "m": [2]})
    created = await storage.update_data(other_chat, {"search": None})

    # A key's value is replaced whole (no nested merge); others stay; null is stored as null.
    assert merged == {"search": {"filters": {"make": "Toyota"}}, "n": 1, "m": [2]}
    assert await storage.get_data(KEY) == merged
    assert await storage.get_state(KEY) == "Form:name"
    assert created == {"search": None}
    assert await storage.get_data(other_chat) == {"search": None}


async def test_two_processes_writing_one_chat_at_once_lose_nothing(
    open_storage: Callable[[], DbStorage], db_url: str
) -> None:
    first, second = open_storage(), open_storage()
    fresh = StorageKey(bot_id=42, chat_id=333, user_id=333)

    # Both insert the chat's first row at once, then keep setting keys of their own.
    await asyncio.gather(
        *(
            storage.update_data(fresh, {f"{name}{n}": n})
            for n in range(15)
            for storage, name in ((first, "a"), (second, "b"))
        ),
        first.set_state(fresh, "Form:name"),
    )

    expected = {f"{name}{n}": n for n in range(15) for name in ("a", "b")}
    assert await second.get_data(fresh) == expected
    assert await first.get_state(fresh) == "Form:name"
    engine = make_async_engine(Settings(_env_file=None, database_url=db_url))
    async with engine.connect() as connection:
        rows = (await connection.execute(select(ChatState.key, ChatState.updated_at))).all()
    await engine.dispose()
    assert [key for key, _ in rows] == ["42:333:333:::default"]
    assert all(updated.tzinfo is not None for _, updated in rows)


async def test_a_key_sqlite_paths_cannot_name_is_refused_on_both_databases(
    open_storage: Callable[[], DbStorage],
) -> None:
    storage = open_storage()
    with pytest.raises(ValueError, match="quotes and backslashes"):
        await storage.update_data(KEY, {'say "hi"': 1, "fine": 2})
    assert await storage.get_data(KEY) == {}
