"""The bot end to end: aiogram talks HTTP to a fake Bot API server, and searches a real database.

Updates go in through `Dispatcher.feed_update`, as polling would hand them over; everything the
bot says goes out as real Bot API requests, which the fake server records for the assertions.
"""

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiogram import Bot
from aiohttp import test_utils
from openai import AsyncOpenAI
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from bot.app import build_bot, build_dispatcher, webhook_app
from bot.llm import llm_interpreter
from core.db import async_session_factory, make_async_engine, make_engine
from core.models import ExchangeRate
from core.settings import Settings
from replay.openai_api import FakeOpenAI, tool_call
from replay.telegram_api import Call, FakeTelegram
from tests.bot.chat import (
    ANNA,
    TOKEN,
    Conversation,
    methods,
    only_message,
    photo,
    url,
)

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


async def test_search_lists_count_filters_and_top_five(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    reply = only_message(await chat.say("Найди красную BMW до 2 млн"))

    text = reply.params["text"]
    assert reply.params["chat_id"] == str(ANNA)
    assert reply.params["parse_mode"] == "HTML"
    assert text.startswith("<b>Найдено: 7</b>\nФильтры: ")
    for shown in ("марка: BMW", "цена ≤ ¥2,000,000 (200万円)", "цвет: красный"):
        assert shown in text
    # The newest five, newest first; the sold, white, dearer and non-BMW cars never appear.
    positions = [text.index(url(car)) for car in ("B7", "B6", "B5", "B4", "B3")]
    assert positions == sorted(positions)
    assert all(url(car) not in text for car in ("B2", "B1", "X1", "X2", "X3", "X4"))
    # The prefecture in the reader's language.
    assert (
        "<b>1. BMW 3 Series</b> 320i Mスポーツ\n2019 · 12,000 км · ¥1,950,000 (195万円) · Хоккайдо"
        in text
    )
    assert f'<a href="{url("B7")}">объявление</a>' in text
    assert text.endswith("Показаны 1–5 из 7")
    assert reply.button_texts == ["Ещё 5", "🔔 Следить", "Цена", "Год", "Пробег"]


async def test_more_sends_the_next_five_as_a_new_message(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))

    calls = await chat.press(first, "Ещё 5")

    assert [call.method for call in calls] == ["sendMessage", "answerCallbackQuery"]
    text = calls[0].params["text"]
    assert text.index(url("B2")) < text.index(url("B1"))
    assert "<b>6. BMW 3 Series</b>" in text and "<b>7. BMW 3 Series</b>" in text
    assert url("B3") not in text
    assert text.endswith("Показаны 6–7 из 7")
    assert calls[0].button_texts == ["🔔 Следить", "Цена", "Год", "Пробег"]  # no more to show


async def test_sort_button_edits_the_message_and_tapping_again_reverses(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))

    calls = await chat.press(first, "Цена")
    assert [call.method for call in calls] == ["editMessageText", "answerCallbackQuery"]
    edited = calls[0]
    assert edited.params["message_id"] == str(first.result["message_id"])
    text = edited.params["text"]
    assert "сортировка: сначала дешёвые" in text
    positions = [text.index(url(car)) for car in ("B1", "B2", "B3", "B4", "B5")]
    assert positions == sorted(positions)
    assert edited.button_texts == ["Ещё 5", "🔔 Следить", "Цена ↑", "Год", "Пробег"]

    reversed_calls = await chat.press(edited, "Цена ↑")
    text = reversed_calls[0].params["text"]
    assert "сортировка: сначала дорогие" in text
    assert text.index(url("B7")) < text.index(url("B6")) < text.index(url("B3"))


async def test_a_forged_button_matches_no_handler(open_chat: Callable[..., Conversation]) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))
    action, search, offset, sort = first.buttons[0][0]["callback_data"].split(":")[1:]
    assert (action, offset, sort) == ("more", "5", "-updated")
    forged_data = [f"cars:more:{search}:-5:price", f"cars:sort:{search}:0:price; DROP TABLE cars"]
    keyboard = [[{"text": str(n), "callback_data": data}] for n, data in enumerate(forged_data)]
    forged = Call("sendMessage", {**first.params, "reply_markup": {"inline_keyboard": keyboard}},
                  first.result)  # fmt: skip

    assert await chat.press(forged, "0") == []
    assert await chat.press(forged, "1") == []
    genuine = await chat.press(first, "Ещё 5")  # the search itself is unharmed
    assert genuine[0].params["text"].endswith("Показаны 6–7 из 7")


async def test_followup_refines_the_last_search(open_chat: Callable[..., Conversation]) -> None:
    chat = open_chat()
    await chat.say("Найди красную BMW до 2 млн")

    text = only_message(await chat.say("а подешевле?")).params["text"]

    # 80 % of the last price bound; make and colour carry over.
    assert text.startswith("<b>Найдено: 4</b>")
    for shown in ("марка: BMW", "цена ≤ ¥1,600,000 (160万円)", "цвет: красный"):
        assert shown in text
    assert all(url(car) in text for car in ("B1", "B2", "B3", "B4"))
    assert url("B5") not in text


async def test_no_results_suggests_the_filter_that_frees_most_cars(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()

    reply = only_message(await chat.say("Найди красную BMW до 500 тыс"))

    # Dropping the price finds the 8 active red BMWs; dropping the colour only the white one.
    assert reply.params["text"] == (
        "<b>Ничего не нашлось.</b>\n"
        "Фильтры: марка: BMW · цена ≤ ¥500,000 (50万円) · цвет: красный\n"
        "Без условия «цена ≤ ¥500,000 (50万円)» нашлось бы: 8."
    )
    assert reply.button_texts == ["🔔 Следить"]  # to be told when one comes


async def test_foreign_currency_uses_the_settings_rate_and_says_so(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat(yen_per_usd=155, rates_as_of=date(2026, 11, 30))

    text = only_message(await chat.say("красная BMW до 10000 долларов")).params["text"]

    assert "курс: 1 $ = 155 ¥ на 30.11.2026" in text
    # Prices in the currency asked in, the yen beside them.
    assert "цена ≤ $10,000 (¥1,550,000)" in text
    assert text.startswith("<b>Найдено: 4</b>")
    assert "2015 · 52,000 км · $10,000 (¥1,550,000) · Токио" in text
    assert "2012 · 98,000 км · $6,452 (¥1,000,000) · Токио" in text
    # A follow-up keeps the currency; a new search in yen shows yen.
    cheaper = only_message(await chat.say("а подешевле?")).params["text"]
    assert "цена ≤ $8,000 (¥1,240,000)" in cheaper and "курс: 1 $ = 155 ¥" in cheaper
    in_yen = only_message(await chat.say("BMW до 2 млн")).params["text"]
    assert "цена ≤ ¥2,000,000 (200万円)" in in_yen and "курс" not in in_yen


async def test_a_refreshed_rate_in_the_database_wins_with_its_date(
    open_chat: Callable[..., Conversation], cars_db: str
) -> None:
    engine = make_engine(cars_db)
    fetched = datetime.now(UTC)
    with Session(engine) as session:
        for currency, rate in (("USD", 160.0), ("EUR", 170.0), ("RUB", 1.9)):
            session.add(
                ExchangeRate(
                    currency=currency, yen_per_unit=rate, as_of=date(2026, 12, 5),
                    source="https://rates.example/JPY", fetched_at=fetched,
                )
            )  # fmt: skip
        session.commit()
    engine.dispose()
    chat = open_chat()

    text = only_message(await chat.say("red BMW under $10,000", language="ru")).params["text"]

    assert "rate: 1 $ = ¥160 as of 2026-12-05" in text
    assert "price ≤ $10,000 (¥1,600,000)" in text
    assert text.startswith("<b>Found: 4</b>")


async def test_japanese_search_is_answered_in_japanese(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()

    reply = only_message(await chat.say("赤いBMW 200万円以下", language="en"))

    text = reply.params["text"]
    assert text.startswith(
        "<b>該当: 7台</b>\n条件: メーカー: BMW · 価格 ≤ ¥2,000,000 (200万円) · 色: 赤"
    )
    assert text.endswith("7台中 1–5台目")
    assert reply.button_texts == ["次の5台", "🔔 通知する", "価格", "年式", "走行距離"]


async def test_allow_list_refuses_strangers_politely(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat(bot_allowed_users="111, 333")

    refusal = only_message(await chat.say("Найди красную BMW до 2 млн", user=222))
    allowed = only_message(await chat.say("Найди красную BMW до 2 млн", user=ANNA))

    assert refusal.params["chat_id"] == "222"
    assert refusal.params["text"] == (
        "Извините, бот доступен только по приглашению. Ваш Telegram id: 222."
    )
    assert allowed.params["text"].startswith("<b>Найдено: 7</b>")


async def test_a_stranger_or_a_flood_never_reaches_the_database(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    # An empty database: any read of a chat's context or of the cars would fail.
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = Settings(
        _env_file=None, database_url=empty, telegram_bot_token=TOKEN,
        bot_allowed_users="111", bot_rate_limit_messages=1,
    )  # fmt: skip
    engine = make_async_engine(settings)
    bot = build_bot(TOKEN, telegram.url)
    chat = Conversation(build_dispatcher(settings, async_session_factory(engine)), bot, telegram)
    try:
        refused = only_message(await chat.say("BMW", user=222))
        with pytest.raises(OperationalError, match="no such table: chat_states"):
            await chat.say("BMW")  # the allowed user's first message reads the database
        warned = only_message(await chat.say("BMW"))
    finally:
        await bot.session.close()
        await engine.dispose()

    assert refused.params["text"].startswith("Извините, бот доступен только по приглашению.")
    assert warned.params["text"].startswith("Слишком много сообщений.")


async def test_rate_limit_warns_once_then_drops_until_the_window_passes(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat(bot_rate_limit_messages=3, bot_rate_limit_seconds=60)
    for _ in range(3):
        reply = only_message(await chat.say("Найди красную BMW до 2 млн"))
        assert reply.params["text"].startswith("<b>Найдено: 7</b>")

    chat.clock.now += 20
    warning = only_message(await chat.say("Найди красную BMW до 2 млн"))
    dropped = await chat.say("Найди красную BMW до 2 млн")
    other_chat = only_message(await chat.say("Найди красную BMW до 2 млн", user=333))
    chat.clock.now += 40  # the first message of the flood leaves the window
    again = only_message(await chat.say("Найди красную BMW до 2 млн"))

    assert warning.params["text"] == "Слишком много сообщений. Подождите 40 с."
    assert dropped == []
    assert other_chat.params["text"].startswith("<b>Найдено: 7</b>")
    assert again.params["text"].startswith("<b>Найдено: 7</b>")


async def test_start_and_help_speak_the_users_telegram_language(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()

    russian = only_message(await chat.say("/start", language="ru")).params["text"]
    english = only_message(await chat.say("/start", language="en")).params["text"]
    japanese = only_message(await chat.say("/help", language="ja")).params["text"]
    other = only_message(await chat.say("/help", language="de")).params["text"]

    assert russian.startswith("🚗 <b>Поиск машин на carsensor.net</b>\nНапишите, что ищете")
    assert "• Найди красную BMW до 2 млн" in russian and "/reset — начать заново" in russian
    assert english.startswith("🚗 <b>Used cars from carsensor.net</b>\nJust write what you want")
    assert "• white SUV under 2 million with less than 30000 km" in english
    assert "Найди" not in english and "Найди" not in japanese
    assert "• トヨタ プリウス 100万円以下" in japanese
    assert other == english


async def test_an_unclear_message_says_so_with_examples_and_repeats_nothing(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))

    unclear = only_message(await chat.say("Привет! Что посоветуешь для семьи…"))
    english = only_message(await chat.say("hmm, any ideas?", language="ru"))

    assert unclear.params["text"] == (
        "Не понял, что искать.\nНе понял: «семьи»\nПопробуйте так:\n"
        "• Найди красную BMW до 2 млн\n• тойота приус от 2018 без ДТП\n"
        "• седан до полутора миллионов на автомате\n/help"
    )
    assert unclear.buttons == []
    # In the message's language, whatever the app's.
    assert english.params["text"].startswith(
        "I did not get what to look for.\nNot understood: “hmm”, “ideas”\nTry something like:"
    )
    # The last search is still the BMW one: its button still pages it.
    more = await chat.press(first, "Ещё 5")
    assert more[0].params["text"].endswith("Показаны 6–7 из 7")


async def test_a_new_search_after_an_old_one_keeps_nothing_of_it(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    only_message(await chat.say("Найди красную BMW до 2 млн"))

    # The case: a full English query, no make, after a Russian BMW search.
    text = only_message(await chat.say("red car under 1 million with less than 100000 km")).params[
        "text"
    ]

    assert text.startswith(
        "<b>Found: 2</b>\nFilters: price ≤ ¥1,000,000 (100万円) · mileage ≤ 100,000 km · "
        "colour: red\n"
    )
    assert url("X3") in text and url("B1") in text  # the red Toyota too: no make kept


async def test_unknown_words_are_named_and_start_afresh(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    only_message(await chat.say("Найди красную BMW до 2 млн"))

    text = only_message(await chat.say("японский хэтчбек")).params["text"]

    # Nothing of the BMW search is kept: without the body, every active car would match.
    assert text == (
        "<b>Ничего не нашлось.</b>\nФильтры: кузов: хэтчбек\nНе понял: «японский»\n"
        "Без условия «кузов: хэтчбек» нашлось бы: 10."
    )


async def test_a_negative_amount_is_refused_and_nothing_searched(
    open_chat: Callable[..., Conversation],
) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))

    reply = only_message(await chat.say("Toyota до -5 млн"))

    assert reply.params["text"] == (
        "Не понимаю отрицательные числа и степени: «до -5 млн». Искать не стал. "
        "Напишите сумму обычным числом, например: «5 млн», «до 1,5 млн», «от 500 тыс», "
        "«500万円», «до 50 тыс км»."
    )
    assert reply.buttons == []
    # The chat's last search is still the BMW one: its button still pages it.
    more = await chat.press(first, "Ещё 5")
    assert more[0].params["text"].endswith("Показаны 6–7 из 7")


async def test_the_llm_path_neither_applies_a_minus_nor_an_absurd_number(
    cars_db: str, telegram: FakeTelegram
) -> None:
    openai_server = FakeOpenAI()
    await openai_server.start()
    client = AsyncOpenAI(api_key="sk-test", base_url=openai_server.url, max_retries=0)
    engine = make_async_engine(Settings(_env_file=None, database_url=cars_db))
    bot = build_bot(TOKEN, telegram.url)
    settings = Settings(_env_file=None, database_url=cars_db, telegram_bot_token=TOKEN)
    interpret = llm_interpreter(client, "fake-model", {}, timeout=5)
    chat = Conversation(
        build_dispatcher(settings, async_session_factory(engine), interpret=interpret),
        bot,
        telegram,
    )
    try:
        # The refused message never reaches the model; the next one gets an out-of-range answer.
        openai_server.script(
            tool_call({"make": "BMW", "price_max": -2_000_000, "mileage_max": 10**12}),
        )
        refused = only_message(await chat.say("Toyota до -5 млн"))
        asked = len(openai_server.requests)
        searched = only_message(await chat.say("BMW до 2 млн"))
    finally:
        await client.close()
        await openai_server.stop()
        await bot.session.close()
        await engine.dispose()

    assert refused.params["text"].startswith(
        "Не понимаю отрицательные числа и степени: «до -5 млн»."
    )
    assert (asked, len(openai_server.requests)) == (0, 1)
    text = searched.params["text"]
    # Every active BMW: neither the negative price nor the trillion km was applied.
    assert text.startswith("<b>Найдено: 9</b>\nФильтры: марка: BMW\n")
    ignored = "Не учтено (недопустимое значение): mileage_max=1000000000000, price_max=-2000000"
    assert ignored in text


async def test_reset_forgets_the_last_search(open_chat: Callable[..., Conversation]) -> None:
    chat = open_chat()
    first = only_message(await chat.say("Найди красную BMW до 2 млн"))

    reset = only_message(await chat.say("/reset"))
    after = only_message(await chat.say("а подешевле?"))
    stale = await chat.press(first, "Ещё 5")

    assert reset.params["text"] == "Контекст сброшен. Напишите новый запрос."
    # No BMW, no colour, no price any more: every active car, cheapest first.
    assert after.params["text"].startswith(
        "<b>Найдено: 10</b>\nФильтры: сортировка: сначала дешёвые\n"
    )
    assert [call.method for call in stale] == ["answerCallbackQuery"]
    assert stale[0].params["text"] == "Этот поиск устарел, напишите новый запрос."


async def test_webhook_mode_sets_the_webhook_and_answers_posted_updates(
    open_chat: Callable[..., Conversation], telegram: FakeTelegram
) -> None:
    chat = open_chat()
    app = webhook_app(chat.dispatcher, chat.bot, "https://bot.example/tg/hook", "s3cret")

    async with test_utils.TestClient(
        test_utils.TestServer(app)
    ) as client:  # startup sets the webhook
        forged = await client.post(
            "/tg/hook", json=chat.message("Найди красную BMW до 2 млн"),
            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        )  # fmt: skip
        before = len(telegram.calls)
        posted = await client.post(
            "/tg/hook", json=chat.message("Найди красную BMW до 2 млн"),
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
        )  # fmt: skip
        answered = telegram.calls[before:]

    (set_webhook,) = telegram.of("setWebhook")
    assert set_webhook.params["url"] == "https://bot.example/tg/hook"
    assert set_webhook.params["secret_token"] == "s3cret"
    assert forged.status == 401
    assert posted.status == 200
    assert only_message(answered).params["text"].startswith("<b>Найдено: 7</b>")


@pytest.mark.parametrize(
    ("token", "message"),
    [(None, "TELEGRAM_BOT_TOKEN is not set"), ("not-a-token", "not a valid bot token")],
)
def test_without_a_valid_token_the_bot_exits_at_once_with_a_message(
    tmp_path: Path, token: str | None, message: str
) -> None:
    env = {name: value for name, value in os.environ.items() if name != "TELEGRAM_BOT_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token

    # Run from an empty folder, so no .env file can supply a token.
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip

    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


async def test_results_come_with_the_first_cars_photos(
    open_chat: Callable[..., Conversation], golfs_db: str
) -> None:
    chat = open_chat()

    album_calls = await chat.say("VW Golf GTI до 20000$")
    one_photo_calls = await chat.say("гольф tsi")

    # The top three have photos: an album of them, captioned, then the list with its buttons.
    assert methods(album_calls) == ["sendMediaGroup", "sendMessage"]
    album, reply = album_calls
    media = album.params["media"]
    assert [item["media"] for item in media] == [photo("G1"), photo("G2"), photo("G3")]
    assert media[0]["caption"] == (
        "<b>1. Volkswagen Golf</b> GTI クラブスポーツ\n"
        "2018 · 40,000 км · $18,400 (¥2,760,000) · Осака\n"
        f'<a href="{url("G1")}">объявление</a>'
    )
    assert all(message["photo"] for message in album.result)
    assert reply.params["text"].startswith(
        "<b>Найдено: 3</b>\nФильтры: марка: Volkswagen · модель: Golf · комплектация: GTI · "
        "цена ≤ $20,000 (¥3,000,000)\nкурс: 1 $ = 150 ¥ на 01.12.2026\n"
    )
    assert reply.button_texts == ["🔔 Следить", "Цена", "Год", "Пробег"]
    # Of two TSIs only the first has a photo: that photo alone.
    assert methods(one_photo_calls) == ["sendPhoto", "sendMessage"]
    assert one_photo_calls[0].params["photo"] == photo("G6")
    assert (
        one_photo_calls[0].params["caption"].startswith("<b>1. Volkswagen Golf</b> TSI ハイライン")
    )
    assert one_photo_calls[1].params["text"].startswith("<b>Найдено: 2</b>")


async def test_a_photo_telegram_cannot_fetch_leaves_the_text_answer(
    open_chat: Callable[..., Conversation], golfs_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    telegram.unreachable |= {photo("G2"), photo("G6")}

    album_calls = await chat.say("golf gti under $20k", language="ru")
    one_photo_calls = await chat.say("golf tsi", language="ru")

    assert methods(album_calls) == ["sendMediaGroup", "sendMessage"]
    assert album_calls[0].error == (
        'Bad Request: failed to send message #2 with the error message "WEBPAGE_CURL_FAILED"'
    )
    text = album_calls[1].params["text"]
    assert text.startswith("<b>Found: 3</b>")
    assert all(url(car) in text for car in ("G1", "G2", "G3"))
    assert methods(one_photo_calls) == ["sendPhoto", "sendMessage"]
    assert one_photo_calls[0].error == "Bad Request: failed to get HTTP URL content"
    # Names alone are in no language: the answer is in the app's.
    assert one_photo_calls[1].params["text"].startswith("<b>Найдено: 2</b>")


async def test_two_processes_share_a_chats_context_and_a_restart_keeps_it(
    cars_db: str, telegram: FakeTelegram
) -> None:
    """Two dispatchers with engines of their own on one database, as two `python -m bot`."""
    settings = Settings(_env_file=None, database_url=cars_db, telegram_bot_token=TOKEN)
    running: list[tuple[Bot, AsyncEngine]] = []

    def start_process() -> Conversation:
        engine = make_async_engine(settings)
        bot = build_bot(TOKEN, telegram.url)
        running.append((bot, engine))
        return Conversation(
            build_dispatcher(settings, async_session_factory(engine)), bot, telegram
        )

    async def stop_processes() -> None:
        while running:
            bot, engine = running.pop()
            await bot.session.close()
            await engine.dispose()

    try:
        first, second = start_process(), start_process()
        searched = only_message(await first.say("Найди красную BMW до 2 млн"))
        cheaper = only_message(await second.say("а подешевле?"))
        sorted_calls = await first.press(cheaper, "Цена")
        stale = await second.press(searched, "Ещё 5")
        await stop_processes()
        restarted = start_process()
        reversed_calls = await restarted.press(sorted_calls[0], "Цена ↑")
        cheaper_again = only_message(await restarted.say("а подешевле?"))
    finally:
        await stop_processes()

    # The second process refined the first one's search.
    assert cheaper.params["text"].startswith(
        "<b>Найдено: 4</b>\nФильтры: марка: BMW · цена ≤ ¥1,600,000 (160万円) · цвет: красный\n"
    )
    # The first pages the second's search; the search the second replaced is outdated there.
    assert methods(sorted_calls) == ["editMessageText", "answerCallbackQuery"]
    assert "сортировка: сначала дешёвые" in sorted_calls[0].params["text"]
    assert methods(stale) == ["answerCallbackQuery"]
    assert stale[0].params["text"] == "Этот поиск устарел, напишите новый запрос."
    # After the restart the buttons and the follow-ups still work on the same search.
    assert "сортировка: сначала дорогие" in reversed_calls[0].params["text"]
    assert cheaper_again.params["text"].startswith(
        "<b>Найдено: 2</b>\nФильтры: марка: BMW · цена ≤ ¥1,280,000 (128万円) · цвет: красный · "
        "сортировка: сначала дорогие\n"
    )
