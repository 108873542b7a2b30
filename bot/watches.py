"""Saved searches in the chat: /watch, the 🔔 button under results, /watches, /unwatch, the
one-tap Unsubscribe button, and /link, which links the chat to a web app user.

/watch reads its text as a new search (never a follow-up); without text it watches the chat's
last search, as 🔔 does. Wrong /link codes are counted in the chat's FSM data (bot.storage, in
the database), so the limit of LINK_TRIES an hour holds across bot processes and restarts.
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import saved, texts
from bot.handlers import user_language
from bot.interpret import Interpreter
from bot.saved import UnwatchButton, WatchButton, unsubscribe_keyboard
from bot.state import Search, last_search
from core.alerts import link_chat
from core.models import SavedSearch
from core.money import Rates, current_rates
from core.settings import Settings

LINK_TRIES = 5  # wrong codes a chat may send in LINK_WINDOW
LINK_WINDOW = 3600.0  # seconds
LINK_FAILURES = "link_failures"  # the FSM data key: the times of the chat's wrong codes
LIST_BUDGET = 3600  # characters for the entries of /watches, under Telegram's 4096
ROW = 5  # Unsubscribe buttons a row under /watches
MAX_BUTTONS = 100  # Telegram's most inline buttons under one message
NAME_SHOWN = 100  # characters of a saved search's name in a confirmation


def usage(language: str) -> list[str]:
    """How to watch a search: /watch with the examples, or the 🔔 button."""
    examples = [f"• /watch {example}" for example in texts.EXAMPLES[language]]
    return [texts.message(language, "watch_usage"), *examples,
            texts.message(language, "watch_button")]  # fmt: skip


def watching(language: str, search: SavedSearch, rates: Rates, percent: float) -> str:
    """The confirmation of a saved search: its name, its filters, what will be told."""
    money = texts.Money(search.currency, rates)
    described = texts.describe_filters(language, saved.readable_filters(search.filters), money)
    return "\n".join(
        escape(line)
        for line in (
            texts.message(language, "watching", name=texts.clip(search.name, NAME_SHOWN)),
            texts.message(language, "filters", filters=described),
            texts.message(language, "watching_how", percent=f"{percent:g}"),
        )
    )


def list_reply(
    language: str,
    searches: Sequence[SavedSearch],
    rates: Rates,
    removed: SavedSearch | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/watches: the numbered saved searches (the web app's marked), a 🔕 button for each;
    after `removed` was unsubscribed, saying so first."""
    lines = []
    if removed is not None:
        name = texts.clip(removed.name, NAME_SHOWN)
        lines += [escape(texts.message(language, "unwatched", name=name)), ""]
    if not searches:
        lines += [
            escape(line) for line in (texts.message(language, "watches_none"), *usage(language))
        ]
        return "\n".join(lines), None
    lines.append(f"<b>{escape(texts.message(language, 'watches', count=len(searches)))}</b>")
    # However many there are, the list fits one message: each entry gets its share.
    size = max(40, LIST_BUDGET // len(searches)) // 2
    web = texts.message(language, "from_web")
    for number, search in enumerate(searches, start=1):
        money = texts.Money(search.currency, rates)
        described = texts.describe_filters(language, saved.readable_filters(search.filters), money)
        mark = f" ({escape(web)})" if search.user_id is not None else ""
        lines += [
            f"{number}. <b>{escape(texts.clip(search.name, size))}</b>{mark}",
            escape(texts.clip(described, size)),
        ]
    lines += ["", escape(texts.message(language, "watches_hint"))]
    buttons = [
        InlineKeyboardButton(
            text=f"🔕 {number}", callback_data=UnwatchButton(id=search.id, view="list").pack()
        )
        for number, search in enumerate(searches[:MAX_BUTTONS], start=1)
    ]
    rows = [buttons[start : start + ROW] for start in range(0, len(buttons), ROW)]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A search to save: its name, filters, and the language and money of its alerts."""

    name: str
    filters: dict[str, Any]
    language: str
    currency: str
    rates: Rates  # to describe its prices in the confirmation

    @classmethod
    def of(cls, search: Search) -> "Wanted":
        """The chat's search, named by its filters in words."""
        money = texts.Money(search.currency, search.rates)
        # In CarFilters' order: the FSM data's order is the database's (jsonb sorts keys).
        filters = saved.stored_filters(search.filters)
        name = texts.describe_filters(search.language, filters, money)
        return cls(name, filters, search.language, search.currency, search.rates)


async def _save(
    chat_id: int, wanted: Wanted, *, session: AsyncSession, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Save the search for the chat: the confirmation (HTML) with its Unsubscribe button, or
    why not (plain text) and no button."""
    language, limit = wanted.language, settings.saved_searches_per_owner
    added = await saved.add(
        chat_id, wanted.name, wanted.filters, language, wanted.currency,
        limit=limit, session=session,
    )  # fmt: skip
    if added.search is None:
        key = "already_watching" if added.refusal == "duplicate" else "watch_limit"
        return texts.message(language, key, limit=limit), None
    text = watching(language, added.search, wanted.rates, settings.alert_price_drop_percent)
    return text, unsubscribe_keyboard(language, added.search.id)


def _nothing(language: str, unknown: Sequence[str] = ()) -> str:
    """/watch of nothing to watch: say so, name the words not understood, show how."""
    lines = [texts.message(language, "watch_nothing")]
    if unknown:
        lines.append(texts.message(language, "unknown", words=texts.quoted(language, unknown)))
    return escape("\n".join([*lines, *usage(language)]))


async def watch(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    state: FSMContext,
    interpret: Interpreter,
    settings: Settings,
) -> None:
    """/watch <text>: save that search (a new one, never a follow-up); /watch alone: the
    chat's last search."""
    text = (command.args or "").strip()
    language = user_language(message.from_user)
    unknown: Sequence[str] = ()
    if text:
        rates = await current_rates(session=session, settings=settings)
        result = await interpret(text, None, rates)
        language = result.language or language
        if result.problem is not None:
            await message.answer(texts.bad_number(language, result.problem))
            return
        wanted = Wanted(text, result.filters, language, result.currency or "JPY", rates)
        unknown = result.unknown
    elif (found := await last_search(state)) is not None:
        wanted = Wanted.of(found)
    else:
        await message.answer(escape("\n".join(usage(language))))
        return
    if not saved.names_something(wanted.filters):
        await message.answer(_nothing(wanted.language, unknown))
        return
    reply, markup = await _save(message.chat.id, wanted, session=session, settings=settings)
    await message.answer(reply if markup else escape(reply), reply_markup=markup)


async def watch_button(
    query: CallbackQuery,
    callback_data: WatchButton,
    bot: Bot,
    session: AsyncSession,
    state: FSMContext,
    settings: Settings,
) -> None:
    """🔔 under a search reply: save the search behind it, as /watch alone does."""
    found = await last_search(state)
    if query.message is None or found is None or found.id != callback_data.search:
        language = found.language if found else user_language(query.from_user)
        await query.answer(texts.message(language, "outdated"), show_alert=True)
        return
    if not saved.names_something(found.filters):
        await query.answer(texts.message(found.language, "watch_nothing"), show_alert=True)
        return
    chat_id = query.message.chat.id
    reply, markup = await _save(chat_id, Wanted.of(found), session=session, settings=settings)
    if markup is None:
        # Pressed twice, or too many: say so where the user looks, without another message.
        await query.answer(reply, show_alert=True)
        return
    await bot.send_message(chat_id, reply, reply_markup=markup)
    await query.answer()


async def watches(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings
) -> None:
    """/watches and /unwatch: the list to tap; /unwatch N removes number N of it."""
    chat_id, language = message.chat.id, user_language(message.from_user)
    searches = await saved.listed(chat_id, session=session)
    argument = (command.args or "").strip()
    if command.command == "unwatch" and argument:
        number = int(argument) if argument.isdecimal() else 0
        if 1 <= number <= len(searches):
            removed = await saved.remove(searches[number - 1].id, chat_id, session=session)
            name = removed.name if removed else ""
            key = "unwatched" if removed else "unwatch_gone"
            await message.answer(
                escape(texts.message(language, key, name=texts.clip(name, NAME_SHOWN)))
            )
            return
        wrong = texts.message(language, "unwatch_number", number=texts.clip(argument, 20))
        await message.answer(escape(wrong))
        return
    rates = await current_rates(session=session, settings=settings)
    text, markup = list_reply(language, searches, rates)
    await message.answer(text, reply_markup=markup)


async def unwatch_button(
    query: CallbackQuery,
    callback_data: UnwatchButton,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
) -> None:
    """🔕: delete the saved search (if it is this chat's or its linked user's), and say so in
    the message: the list drawn again, or an alert or confirmation with a line added."""
    if query.message is None:  # not sent to a chat: nothing of ours
        await query.answer()
        return
    chat_id = query.message.chat.id
    removed = await saved.remove(callback_data.id, chat_id, session=session)
    if removed is None:
        language = user_language(query.from_user)
        await query.answer(texts.message(language, "unwatch_gone"), show_alert=True)
        return
    shown = query.message
    if not isinstance(shown, Message):
        # Too old to edit (Telegram no longer gives it): say it in the button's answer.
        name = texts.clip(removed.name, NAME_SHOWN)
        await query.answer(texts.message(removed.language, "unwatched", name=name), show_alert=True)
        return
    if callback_data.view == "list":
        rates = await current_rates(session=session, settings=settings)
        searches = await saved.listed(chat_id, session=session)
        text, markup = list_reply(user_language(query.from_user), searches, rates, removed)
    else:
        done = texts.message(
            removed.language, "unwatched", name=texts.clip(removed.name, NAME_SHOWN)
        )
        text, markup = f"{shown.html_text}\n\n{escape(done)}", None
    await bot.edit_message_text(
        text, chat_id=chat_id, message_id=shown.message_id, reply_markup=markup
    )
    await query.answer()


async def link(
    message: Message, command: CommandObject, session: AsyncSession, state: FSMContext
) -> None:
    """/link CODE: link the chat to the web user whose one-time code it is; LINK_TRIES wrong
    codes an hour, then refused until the oldest is an hour old."""
    language, now = user_language(message.from_user), time.time()
    failures = [
        at for at in (await state.get_data()).get(LINK_FAILURES) or [] if at > now - LINK_WINDOW
    ]
    if len(failures) >= LINK_TRIES:
        minutes = math.ceil((failures[0] + LINK_WINDOW - now) / 60)
        await message.answer(escape(texts.message(language, "link_locked", minutes=minutes)))
        return
    code = (command.args or "").strip()
    if not code:
        await message.answer(escape(texts.message(language, "link_usage")))
        return
    user = await link_chat(code, message.chat.id, session=session)
    if user is None:
        await state.update_data({LINK_FAILURES: [*failures, now]})
        await message.answer(escape(texts.message(language, "link_bad")))
        return
    await session.commit()  # linked before the chat is told so
    await state.update_data({LINK_FAILURES: []})
    await message.answer(escape(texts.message(language, "linked", username=user.username)))


def make_watch_router() -> Router:
    """A new router with the saved searches' commands and buttons; the dispatcher includes it
    before the search router, whose free-text handler would take the commands."""
    router = Router(name="watches")
    router.message.register(watch, Command("watch"))
    router.message.register(watches, Command("watches", "unwatch"))
    router.message.register(link, Command("link"))
    router.callback_query.register(watch_button, WatchButton.filter())
    router.callback_query.register(unwatch_button, UnwatchButton.filter())
    return router
