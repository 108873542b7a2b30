"""The bot's handlers: /start, /help, /reset, a search in free text, and its buttons (the
saved searches' commands and buttons are bot.watches').

A search reply lists PAGE_SIZE cars with inline buttons, after the photos of the first cars
that have one (a photo, or an album of up to ALBUM). "More" sends the next page as a new
message, so the cars already shown stay in the chat; a sort button edits its own message in
place (same search, new order) and becomes the chat's sort for follow-ups; 🔔 saves the search
for alerts (bot.watches). The chat's last search is kept in the FSM data (bot.state), so any
bot process, before or after a restart, refines it and pages it.
"""

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MediaUnion,
    Message,
    User,
)
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.interpret import Interpreter
from bot.saved import WatchButton
from bot.search import PAGE_SIZE, Outcome, run_search
from bot.state import Search, forget, last_search, next_id, save
from core.filters import Sort
from core.money import current_rates
from core.settings import Settings

log = logging.getLogger("bot.handlers")

# Each sort button's first tap; tapping the active one reverses it.
SORT_BUTTONS = (("sort_price", "price"), ("sort_year", "-year"), ("sort_mileage", "mileage"))
ALBUM = 3  # the first cars whose photos go above a search reply


class CarsButton(CallbackData, prefix="cars"):
    """A button under a search reply: "more" (the page at `offset`) or "sort"."""

    # Typed, so a forged button that would not validate matches no handler.
    action: Literal["more", "sort"]
    search: int  # the Search id, so a button of an older search is recognised
    offset: int = Field(ge=0, le=10_000)
    sort: Sort


def keyboard(search: Search, outcome: Outcome, offset: int) -> InlineKeyboardMarkup:
    """More (when more cars are left), 🔔 (watch this search), and when cars were found the
    three sort buttons."""
    notify = WatchButton(search=search.id).pack()
    top = [
        InlineKeyboardButton(text=texts.message(search.language, "notify"), callback_data=notify)
    ]
    if not outcome.count:
        return InlineKeyboardMarkup(inline_keyboard=[top])  # none yet: tell when one comes
    sort = search.filters.get("sort", "-updated")
    if offset + PAGE_SIZE < outcome.count:
        more = CarsButton(action="more", search=search.id, offset=offset + PAGE_SIZE, sort=sort)
        text = texts.message(search.language, "more")
        top.insert(0, InlineKeyboardButton(text=text, callback_data=more.pack()))
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
    return InlineKeyboardMarkup(inline_keyboard=[top, buttons])


def money(search: Search) -> texts.Money:
    """How the search's replies show prices."""
    return texts.Money(search.currency, search.rates)


def reply_text(search: Search, outcome: Outcome, offset: int) -> str:
    """The search reply, or for no cars: say so and name the one filter to relax."""
    if outcome.count or offset:
        return texts.search_reply(
            search.language, search.filters, outcome.cars, outcome.count, offset,
            money(search), search.ignored, search.unknown,
        )  # fmt: skip
    return texts.nothing_reply(
        search.language, search.filters, money(search), outcome.relaxation, search.ignored,
        search.unknown,
    )  # fmt: skip


def user_language(user: User | None) -> str:
    """The language of the user's Telegram app, as the bot speaks it."""
    return texts.language_of(user.language_code if user else None)


async def send_photos(
    bot: Bot, chat_id: int, search: Search, cars: Sequence[Mapping[str, Any]]
) -> None:
    """The photos of those of `cars` that have one, captioned: one photo, or an album.

    Telegram fetches each URL itself; when it cannot (or refuses), the reply goes on without
    photos: the text that follows holds every car.
    """
    shown = [(number, car) for number, car in enumerate(cars, start=1) if car["image_url"]]
    captions = [texts.car_lines(search.language, n, car, money(search)) for n, car in shown]
    try:
        if len(shown) == 1:
            await bot.send_photo(chat_id, shown[0][1]["image_url"], caption=captions[0])
        elif shown:
            media: list[MediaUnion] = [
                InputMediaPhoto(media=car["image_url"], caption=caption)
                for (_, car), caption in zip(shown, captions, strict=True)
            ]
            await bot.send_media_group(chat_id, media)
    except TelegramAPIError as error:
        log.warning("no photos for chat %s: %s", chat_id, error)


async def start(message: Message) -> None:
    """/start and /help: what the bot does, with examples, in the user's language."""
    await message.answer(texts.help_text(user_language(message.from_user)))


async def reset(message: Message, state: FSMContext) -> None:
    """/reset: forget the chat's search, so the next message starts afresh."""
    previous = await last_search(state)
    await forget(state)
    language = previous.language if previous else user_language(message.from_user)
    await message.answer(texts.message(language, "reset"))


async def search(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    state: FSMContext,
    interpret: Interpreter,
    settings: Settings,
) -> None:
    """Free text: understand it (refining the chat's last search), then answer with cars."""
    previous = await last_search(state)
    rates = await current_rates(session=session, settings=settings)
    result = await interpret(message.text or "", previous.filters if previous else None, rates)
    language = result.language or user_language(message.from_user)
    # Refused or not understood, nothing is searched: the chat's last search stays as it was.
    if result.problem is not None:
        await message.answer(texts.bad_number(language, result.problem))
        return
    if not result.filters:
        await message.answer(texts.not_understood(language, result.unknown))
        return
    # Prices show in the currency asked in; a follow-up keeps its search's.
    kept = previous.currency if previous and result.followup else "JPY"
    found = Search(
        next_id(previous), result.filters, language, result.currency or kept, rates,
        result.ignored, result.unknown,
    )  # fmt: skip
    outcome = await run_search(found.filters, 0, session=session)
    await save(state, found)
    await send_photos(bot, message.chat.id, found, outcome.cars[:ALBUM])
    await message.answer(reply_text(found, outcome, 0), reply_markup=keyboard(found, outcome, 0))


async def button(
    query: CallbackQuery,
    callback_data: CarsButton,
    bot: Bot,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    """More or a sort button: the next page as a new message, or this page re-sorted."""
    chat = query.message.chat if query.message else None
    found = await last_search(state)
    if chat is None or query.message is None or found is None or found.id != callback_data.search:
        language = found.language if found else user_language(query.from_user)
        await query.answer(texts.message(language, "outdated"), show_alert=True)
        return
    filters: dict[str, Any] = {**found.filters, "sort": callback_data.sort}
    offset = callback_data.offset
    outcome = await run_search(filters, offset, session=session)
    if callback_data.action == "sort":
        found.filters = filters
        await save(state, found)
        await bot.edit_message_text(
            reply_text(found, outcome, offset),
            chat_id=chat.id,
            message_id=query.message.message_id,
            reply_markup=keyboard(found, outcome, offset),
        )
    else:
        # This page under the sort its button was made with, not the chat's newest sort.
        shown = dataclasses.replace(found, filters=filters)
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
