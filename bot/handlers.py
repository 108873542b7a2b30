"""The bot's handlers: /start, /help, /reset, a search in free text, and its buttons.

A search reply lists PAGE_SIZE cars with inline buttons. "More" sends the next page as a new
message, so the cars already shown stay in the chat; a sort button edits its own message in
place (same search, new order) and becomes the chat's sort for follow-ups.
"""

from typing import Any, Literal

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.interpret import Interpreter
from bot.search import PAGE_SIZE, Outcome, run_search
from bot.state import ChatMemory, Search
from core.filters import Sort

# Each sort button's first tap; tapping the active one reverses it.
SORT_BUTTONS = (("sort_price", "price"), ("sort_year", "-year"), ("sort_mileage", "mileage"))


class CarsButton(CallbackData, prefix="cars"):
    """A button under a search reply: "more" (the page at `offset`) or "sort"."""

    # Typed, so a forged button that would not validate matches no handler.
    action: Literal["more", "sort"]
    search: int  # the Search id, so a button of an older search is recognised
    offset: int = Field(ge=0, le=10_000)
    sort: Sort


def keyboard(search: Search, outcome: Outcome, offset: int) -> InlineKeyboardMarkup | None:
    """More (when more cars are left) and the three sort buttons; none for an empty result."""
    if not outcome.count:
        return None
    sort = search.filters.get("sort", "-updated")
    rows: list[list[InlineKeyboardButton]] = []
    if offset + PAGE_SIZE < outcome.count:
        more = CarsButton(action="more", search=search.id, offset=offset + PAGE_SIZE, sort=sort)
        text = texts.message(search.language, "more")
        rows.append([InlineKeyboardButton(text=text, callback_data=more.pack())])
    buttons = []
    for label, first in SORT_BUTTONS:
        active = sort.lstrip("-") == first.lstrip("-")
        reverse = sort.removeprefix("-") if sort.startswith("-") else f"-{sort}"
        order = reverse if active else first
        text = texts.label(search.language, label)
        if active:
            text += " ↑" if not sort.startswith("-") else " ↓"
        data = CarsButton(action="sort", search=search.id, offset=0, sort=order)
        buttons.append(InlineKeyboardButton(text=text, callback_data=data.pack()))
    rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reply_text(search: Search, outcome: Outcome, offset: int) -> str:
    """The search reply, or for no cars: say so and name the one filter to relax."""
    if outcome.count or offset:
        return texts.search_reply(
            search.language, search.filters, outcome.cars, outcome.count, offset,
            search.conversions, search.ignored,
        )  # fmt: skip
    return texts.nothing_reply(
        search.language, search.filters, search.conversions, outcome.relaxation, search.ignored
    )


async def start(message: Message) -> None:
    """/start and /help: what the bot does, with examples in three languages."""
    await message.answer(texts.HELP)


async def reset(message: Message, memory: ChatMemory) -> None:
    """/reset: forget the chat's search, so the next message starts afresh."""
    previous = memory.get(message.chat.id)
    memory.forget(message.chat.id)
    user_language = texts.language_of(
        message.from_user.language_code if message.from_user else None
    )
    await message.answer(texts.message(previous.language if previous else user_language, "reset"))


async def search(
    message: Message, session: AsyncSession, memory: ChatMemory, interpret: Interpreter
) -> None:
    """Free text: understand it (refining the chat's last search), then answer with cars."""
    previous = memory.get(message.chat.id)
    result = await interpret(message.text or "", previous.filters if previous else None)
    if result.problem is not None:
        # Refused, not searched: the chat's last search stays as it was.
        await message.answer(texts.bad_number(result.language, result.problem))
        return
    if not result.filters:
        await message.answer(texts.message(result.language, "not_understood"))
        return
    outcome = await run_search(result.filters, 0, session=session)
    found = memory.remember(
        message.chat.id, result.filters, result.language, result.conversions, result.ignored
    )
    await message.answer(reply_text(found, outcome, 0), reply_markup=keyboard(found, outcome, 0))


async def button(
    query: CallbackQuery,
    callback_data: CarsButton,
    bot: Bot,
    session: AsyncSession,
    memory: ChatMemory,
) -> None:
    """More or a sort button: the next page as a new message, or this page re-sorted."""
    chat = query.message.chat if query.message else None
    found = memory.get(chat.id) if chat else None
    if chat is None or query.message is None or found is None or found.id != callback_data.search:
        language = found.language if found else texts.language_of(query.from_user.language_code)
        await query.answer(texts.message(language, "outdated"), show_alert=True)
        return
    filters: dict[str, Any] = {**found.filters, "sort": callback_data.sort}
    offset = callback_data.offset
    outcome = await run_search(filters, offset, session=session)
    if callback_data.action == "sort":
        found.filters = filters
        await bot.edit_message_text(
            reply_text(found, outcome, offset),
            chat_id=chat.id,
            message_id=query.message.message_id,
            reply_markup=keyboard(found, outcome, offset),
        )
    else:
        # This page under the sort its button was made with, not the chat's newest sort.
        shown = Search(found.id, filters, found.language, found.conversions, found.ignored)
        await bot.send_message(
            chat.id,
            reply_text(shown, outcome, offset),
            reply_markup=keyboard(shown, outcome, offset),
        )
    await query.answer()


def make_router() -> Router:
    """A new router with every handler (a router can belong to one dispatcher only)."""
    router = Router(name="cars")
    router.message.register(start, CommandStart())
    router.message.register(start, Command("help"))
    router.message.register(reset, Command("reset"))
    router.message.register(search, F.text)
    router.callback_query.register(button, CarsButton.filter())
    return router
