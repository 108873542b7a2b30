"""aiogram's FSM storage in the database: the `chat_states` table, on PostgreSQL or SQLite.

A chat's context (its last search, and whatever a handler keeps with `FSMContext`) then
outlives a restart and is shared by every bot process on the same database. Each write is one
upsert statement, so two processes writing one chat at once never fail on the primary key;
`update_data` merges inside that statement (jsonb `||`, SQLite `json_set`), so neither loses
the other's keys.
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import ChatState

TABLE = ChatState.__table__


def storage_key(key: StorageKey) -> str:
    """The row's key: "bot:chat:user:thread:business:destiny", absent parts empty."""
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id)
    return ":".join("" if part is None else str(part) for part in (*parts, key.destiny))


class DbStorage(BaseStorage):
    """FSM state and data in `chat_states`, through sessions of core.db's async engine."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def _upsert(
        self, key: StorageKey, values: dict[str, Any], merge: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Insert the row of `key` with `values`, or set them on the row there; with `merge`,
        the data is the stored data updated with `merge` instead. Returns the data stored."""
        async with self._sessions() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            now = datetime.now(UTC)
            statement = insert(ChatState).values(key=storage_key(key), updated_at=now, **values)
            changes: dict[str, Any] = {"updated_at": now, **values}
            if merge is not None:
                changes["data"] = _merged(dialect, merge)
            statement = statement.on_conflict_do_update(index_elements=["key"], set_=changes)
            data = (await session.execute(statement.returning(TABLE.c.data))).scalar_one()
            await session.commit()
            return dict(data) if data is not None else None

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Set the chat's state (None clears it)."""
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        """The chat's state, if any."""
        async with self._sessions() as session:
            query = select(TABLE.c.state).where(TABLE.c.key == storage_key(key))
            state: str | None = (await session.execute(query)).scalar_one_or_none()
            return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the chat's data."""
        await self._upsert(key, {"data": dict(data) or None})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """The chat's data; empty if none is stored."""
        async with self._sessions() as session:
            query = select(TABLE.c.data).where(TABLE.c.key == storage_key(key))
            data = (await session.execute(query)).scalar_one_or_none()
            return dict(data) if data else {}

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Set these keys of the chat's data (like dict.update) in one statement.

        Keys with a quote or a backslash are refused, on both databases alike: SQLite's JSON
        paths could not name them.
        """
        if bad := [name for name in data if '"' in name or "\\" in name]:
            raise ValueError(f"FSM data keys {bad}: quotes and backslashes are not stored")
        return await self._upsert(key, {"data": dict(data)}, merge=data) or {}

    async def close(self) -> None:
        """Nothing to close: the engine belongs to whoever made the sessions."""


def _merged(dialect: str, data: Mapping[str, Any]) -> ColumnElement[Any]:
    """The stored data with the keys of `data` set to its values, as SQL on the stored row."""
    if dialect == "postgresql":
        empty = literal({}, TABLE.c.data.type)
        return func.coalesce(TABLE.c.data, empty).op("||")(literal(dict(data), TABLE.c.data.type))
    paths: list[Any] = []
    for name, value in data.items():
        paths += [f'$."{name}"', func.json(json.dumps(value))]
    return func.json_set(func.coalesce(TABLE.c.data, "{}"), *paths)
