"""A chat's saved searches (core.models.SavedSearch): the ones it made with /watch or the
🔔 button, and, when the chat is linked to a web user, that user's web app searches.

Everything here is database work on the update's session, and the two buttons that act on a
saved search, so that the handlers (bot.handlers, bot.watches) and the alerts (bot.alerts) share
them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from core.alerts import saved_filters
from core.filters import CarFilters
from core.models import SavedSearch, User, utcnow

NAME_SIZE = 200  # saved_searches.name's length


class WatchButton(CallbackData, prefix="watch"):
    """🔔 under a search reply: save the search of that id (the chat's last search)."""

    search: int


class UnwatchButton(CallbackData, prefix="unwatch"):
    """🔕 Unsubscribe: delete the saved search `id`; `view` says what the message was (the
    /watches list is drawn again; an alert or a confirmation keeps its text)."""

    id: int
    view: Literal["list", "message"]


def unsubscribe_keyboard(language: str, search_id: int) -> InlineKeyboardMarkup:
    """The one-tap Unsubscribe button under an alert or a confirmation."""
    data = UnwatchButton(id=search_id, view="message").pack()
    button = InlineKeyboardButton(text=texts.message(language, "unsubscribe"), callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def stored_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filters as saved searches keep them: CarFilters' JSON, only the fields set."""
    return saved_filters(CarFilters.model_validate(filters))


def readable_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Saved filters in CarFilters' order, to show; as stored if they no longer validate, so
    that a broken search can still be listed and removed."""
    try:
        return stored_filters(filters)
    except ValidationError:
        return dict(filters)


def names_something(filters: Mapping[str, Any]) -> bool:
    """Whether the filters narrow the cars: a sort alone would watch every car on sale."""
    return any(name != "sort" for name in filters)


async def linked_user(chat_id: int, *, session: AsyncSession) -> User | None:
    """The web user this chat is linked to (/link), if any."""
    user: User | None = await session.scalar(select(User).where(User.telegram_chat_id == chat_id))
    return user


def _owned(chat_id: int, user: User | None) -> ColumnElement[bool]:
    """The saved searches this chat may see and delete: its own and its linked user's."""
    if user is None:
        return SavedSearch.chat_id == chat_id
    return or_(SavedSearch.chat_id == chat_id, SavedSearch.user_id == user.id)


async def listed(chat_id: int, *, session: AsyncSession) -> list[SavedSearch]:
    """The chat's saved searches and its linked user's, oldest first: a new one comes last, so
    the numbers /watches showed still hold for /unwatch N."""
    user = await linked_user(chat_id, session=session)
    query = select(SavedSearch).where(_owned(chat_id, user)).order_by(SavedSearch.id)
    return list((await session.scalars(query)).all())


@dataclass(frozen=True, slots=True)
class Added:
    """What saving a search did: `search` saved, or the reason it was not."""

    search: SavedSearch | None
    refusal: Literal["duplicate", "limit"] | None = None


async def add(
    chat_id: int,
    name: str,
    filters: Mapping[str, Any],
    language: str,
    currency: str,
    *,
    limit: int,
    session: AsyncSession,
) -> Added:
    """Save a search for the chat, told of what changes from now on; refused when the chat
    watches the same filters already (a sort apart) or has `limit` saved searches."""
    saved = stored_filters(filters)
    mine = (await session.scalars(select(SavedSearch).where(SavedSearch.chat_id == chat_id))).all()
    unsorted = {k: v for k, v in saved.items() if k != "sort"}
    if any({k: v for k, v in s.filters.items() if k != "sort"} == unsorted for s in mine):
        return Added(None, "duplicate")
    if len(mine) >= limit:
        return Added(None, "limit")
    search = SavedSearch(
        chat_id=chat_id, name=texts.clip(name, NAME_SIZE), filters=saved, language=language,
        currency=currency, alerted_until=utcnow(),
    )  # fmt: skip
    session.add(search)
    await session.commit()
    return Added(search)


async def remove(search_id: int, chat_id: int, *, session: AsyncSession) -> SavedSearch | None:
    """Delete the saved search if this chat may (its own, or its linked user's); what was
    deleted, or None."""
    user = await linked_user(chat_id, session=session)
    search: SavedSearch | None = await session.scalar(
        select(SavedSearch).where(SavedSearch.id == search_id, _owned(chat_id, user))
    )
    if search is None:
        return None
    # By id and owner again: a search deleted meanwhile by another process reads as gone.
    deleted = await session.execute(
        delete(SavedSearch).where(SavedSearch.id == search_id, _owned(chat_id, user))
    )
    await session.commit()
    return search if deleted.rowcount else None  # type: ignore[attr-defined]
