"""Saved searches and their alerts end to end: /watch, 🔔, /watches, /unwatch, /link and the
alerts loop, through the real dispatcher, the fake Bot API on loopback and a real database.

"A crawl" is either a real `scrapy crawl` of the replay site (the first test), or listings
stored through the crawler's storage followed by the crawl_runs row its final report writes.
The alerts loops look every 0.1 s; the tests wait for conditions, never for a fixed time.
"""

import asyncio
import itertools
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import test_utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import Alerts
from bot.app import build_bot, build_dispatcher, webhook_app
from core.alerts import LINK_CODE_TTL, link_code_hash, new_link_code
from core.db import async_session_factory, make_async_engine, make_engine
from core.migrate import migrate
from core.models import CrawlRun, SavedSearch, User, utcnow
from core.settings import Settings
from replay import ROOT
from replay.crawl import run_crawl
from replay.site import FakeCar, ReplaySite
from replay.telegram_api import Call, FakeTelegram, parse_html
from tests.bot.chat import (
    ANNA,
    TOKEN,
    WEB,
    Conversation,
    alerts_to,
    bmw,
    crawl_stored,
    eventually,
    methods,
    only_message,
    settled,
    url,
)

pytestmark = pytest.mark.anyio

BORIS = 222  # a second chat
ARTIFACT = ROOT / "test-artifacts" / "bot" / "alert.json"


def saved_searches(db_url: str) -> list[SavedSearch]:
    """Every saved search, oldest first."""
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        found = list(session.scalars(select(SavedSearch).order_by(SavedSearch.id)))
    engine.dispose()
    return found


def newest_run(db_url: str) -> CrawlRun:
    """The crawl_runs row written last."""
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
    engine.dispose()
    return run


def web_user(db_url: str, *, chat: int | None = None, **search: Any) -> int:
    """A web app user (linked to `chat` if given) with one saved search of `search`; its id."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        user = User(username="olga", password_hash="x", telegram_chat_id=chat)
        session.add(user)
        session.flush()
        session.add(SavedSearch(user_id=user.id, alerted_until=utcnow(), **search))
        session.commit()
        user_id = user.id
    engine.dispose()
    return user_id


def link_code(db_url: str, user_id: int, *, expired: bool = False) -> str:
    """A one-time link code for the user, stored as POST /api/me/telegram stores it."""
    code = new_link_code()
    engine = make_engine(db_url)
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        user.link_code_hash = link_code_hash(code)
        user.link_code_expires_at = utcnow() + (-timedelta(seconds=1) if expired else LINK_CODE_TTL)
        session.commit()
    engine.dispose()
    return code


# --- a real crawl of the replay site -----------------------------------------------------------


def golf_for_sale(
    external_id: str, grade: str, total_man: str, *, model_ja: str = "ゴルフ", listed: bool = True
) -> FakeCar:
    """A Volkswagen Golf on the replay site."""
    return FakeCar(
        external_id=external_id, make_ja="フォルクスワーゲン", make_code="VW", model_ja=model_ja,
        model_code="s001", grade=grade, catch="", year=2018, era="H30", mileage="4.0万km",
        price_man=f"{float(total_man) - 10:.1f}", total_man=total_man, body_ja="ハッチバック",
        color_ja="白", mission_ja="フロアAT", displacement="2000CC", inspection="車検整備付",
        repair="なし", prefecture="大阪府", city="大阪市", shop_name="テスト自動車",
        shop_path="/shop/osaka/1/", fuel_ja="ガソリン", drive_ja="2WD", seats="5名", doors="5D",
        listed=listed,
    )  # fmt: skip


async def crawl(db_url: str, site: ReplaySite, tmp_path: Path) -> None:
    """A hand-started `scrapy crawl` of the site's Volkswagens, in a thread: the bot's loop
    runs on meanwhile. It records its own finished "manual" crawl_runs row."""
    done = await asyncio.to_thread(run_crawl, db_url, site.base_url, tmp_path, "-a", "makes=VW")
    assert done.returncode == 0, done.log[-4000:]


@pytest.mark.slow
async def test_watch_a_real_crawl_brings_one_alert_an_unchanged_one_none_then_unwatch(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram, tmp_path: Path
) -> None:
    dear, cheap = (
        golf_for_sale("AU7000000001", "GTI", "280.0"),
        golf_for_sale("AU7000000002", "GTI", "240.0"),
    )
    tsi = golf_for_sale("AU7000000003", "TSI ハイライン", "200.0")
    # Listed as ゴルフGTI, stored as the Golf: its model_ja holds the GTI the search looks for.
    newcomer = golf_for_sale("AU7000000004", "ベースグレード", "260.0", model_ja="ゴルフGTI",
                             listed=False)  # fmt: skip
    with ReplaySite([dear, cheap, tsi, newcomer]) as site:
        detail = f"{site.base_url}/usedcar/detail/{{}}/index.html"
        await crawl(cars_db, site, tmp_path)
        chat = open_chat()
        await chat.start()
        confirmation = only_message(await chat.say("/watch гольф gti до 3 млн"))

        newcomer.listed = True
        dear.price_man, dear.total_man = "240.0", "250.0"  # −11 %: told
        cheap.total_man = "235.0"  # −2 %: not
        await crawl(cars_db, site, tmp_path)
        await eventually(lambda: bool(alerts_to(telegram)), "the alert after the crawl")
        await settled(chat.alerts)
        alerts_after_change = alerts_to(telegram)

        await crawl(cars_db, site, tmp_path)  # nothing changed
        await settled(chat.alerts)
        alerts_after_unchanged = alerts_to(telegram)
        [watched], unchanged_crawl = saved_searches(cars_db), newest_run(cars_db)

        unwatched = only_message(await chat.say("/unwatch 1"))
        cheap.total_man = "150.0"
        await crawl(cars_db, site, tmp_path)
        await settled(chat.alerts)
        alerts_after_unwatch = alerts_to(telegram)

    assert confirmation.params["text"] == (
        "🔔 Слежу за поиском «гольф gti до 3 млн».\n"
        "Фильтры: марка: Volkswagen · модель: Golf · комплектация: GTI · "
        "цена ≤ ¥3,000,000 (300万円)\n"
        "Когда появятся новые машины или цена снизится на 5 % и больше, напишу сюда."
    )
    assert confirmation.button_texts == ["🔕 Отписаться"]
    [alert] = alerts_after_change
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        json.dumps({"method": alert.method, "params": alert.params}, ensure_ascii=False, indent=2)
    )
    assert alert.params["text"] == (
        "🔔 <b>гольф gti до 3 млн</b>\n"
        "\n"
        "<b>Новые: 1</b>\n"
        "<b>1. Volkswagen Golf</b> ベースグレード\n"
        "2018 · 40,000 км · ¥2,600,000 (260万円) · Осака\n"
        f'<a href="{detail.format("AU7000000004")}">объявление</a>\n'
        "\n"
        "<b>Подешевели: 1</b>\n"
        "<b>1. Volkswagen Golf</b> GTI\n"
        "2018 · 40,000 км · ¥2,800,000 (280万円) → ¥2,500,000 (250万円), −11 % · Осака\n"
        f'<a href="{detail.format("AU7000000001")}">объявление</a>\n'
        "\n"
        f'<a href="{WEB}/?make=Volkswagen&amp;model=Golf&amp;q=GTI&amp;price_max=3000000&amp;'
        'sort=-updated">Все в веб-приложении</a>'
    )
    assert alert.params["chat_id"] == str(ANNA) and alert.params["parse_mode"] == "HTML"
    assert alert.button_texts == ["🔕 Отписаться"]
    # The unchanged crawl stored its listings again, was looked at (the watermark is its end),
    # and told nothing.
    assert alerts_after_unchanged == [alert]
    assert unchanged_crawl.shard == "manual" and (unchanged_crawl.items_stored or 0) > 0
    assert watched.alerted_until == unchanged_crawl.progress_at
    assert unwatched.params["text"] == "🔕 Вы отписались от «гольф gti до 3 млн»."
    assert alerts_after_unwatch == [alert] and saved_searches(cars_db) == []


# --- the chat's saved searches -----------------------------------------------------------------

RED_BMW_FILTERS = {"make": "BMW", "price_max": 2_000_000, "color": "red"}
RED_BMW_NAME = "марка: BMW · цена ≤ ¥2,000,000 (200万円) · цвет: красный"


async def test_notify_saves_the_search_once_and_its_alert_comes_in_the_chats_language(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    await chat.start()
    results = only_message(await chat.say("Найди красную BMW до 2 млн"))

    saved_calls = await chat.press(results, "🔔 Следить")
    twice = await chat.press(results, "🔔 Следить")
    newer = only_message(await chat.say("белая BMW"))
    outdated = await chat.press(results, "🔔 Следить")
    crawl_stored(
        cars_db,
        bmw("B8", 1_600_000, 2020, 9_000, "東京都"),  # new, and matches
        bmw("B9", 1_500_000, 2020, 9_000, "東京都", color="white"),  # new, another colour
        bmw("B5", 1_500_000, 2018, 41_000, "神奈川県"),  # 1,700,000 → 1,500,000: −12 %
        bmw("B6", 1_750_000, 2017, 30_000, "福岡県"),  # 1,800,000 → 1,750,000: −3 %
    )
    await eventually(lambda: bool(alerts_to(telegram)), "the alert")
    await settled(chat.alerts)

    assert methods(saved_calls) == ["sendMessage", "answerCallbackQuery"]
    assert saved_calls[0].params["text"] == (
        f"🔔 Слежу за поиском «{RED_BMW_NAME}».\nФильтры: {RED_BMW_NAME}\n"
        "Когда появятся новые машины или цена снизится на 5 % и больше, напишу сюда."
    )
    assert saved_calls[0].button_texts == ["🔕 Отписаться"]
    # Pressed twice: said where the user looks, nothing saved.
    assert methods(twice) == ["answerCallbackQuery"]
    assert twice[0].params["text"] == "Уже слежу за этим поиском."
    assert twice[0].params["show_alert"] == "true"
    # The button of a search the chat has moved on from saves nothing either.
    assert newer.button_texts[-4:] == ["🔔 Следить", "Цена", "Год", "Пробег"]
    assert methods(outdated) == ["answerCallbackQuery"]
    assert outdated[0].params["text"] == "Этот поиск устарел, напишите новый запрос."
    [search] = saved_searches(cars_db)
    assert (search.chat_id, search.user_id, search.name) == (ANNA, None, RED_BMW_NAME)
    assert (search.filters, search.language, search.currency) == (RED_BMW_FILTERS, "ru", "JPY")
    [alert] = alerts_to(telegram)
    assert alert.params["text"] == (
        f"🔔 <b>{RED_BMW_NAME}</b>\n\n"
        "<b>Новые: 1</b>\n<b>1. BMW 3 Series</b> 320i Mスポーツ\n"
        "2020 · 9,000 км · ¥1,600,000 (160万円) · Токио\n"
        f'<a href="{url("B8")}">объявление</a>\n\n'
        "<b>Подешевели: 1</b>\n<b>1. BMW 3 Series</b> 320i Mスポーツ\n"
        "2018 · 41,000 км · ¥1,700,000 (170万円) → ¥1,500,000 (150万円), −12 % · Канагава\n"
        f'<a href="{url("B5")}">объявление</a>\n\n'
        f'<a href="{WEB}/?make=BMW&amp;price_max=2000000&amp;color=red&amp;sort=-updated">'
        "Все в веб-приложении</a>"
    )


async def test_watch_with_text_refuses_nothing_and_without_text_watches_the_last_search(
    open_chat: Callable[..., Conversation], cars_db: str
) -> None:
    chat = open_chat(saved_searches_per_owner=2)

    nothing = only_message(await chat.say("/watch что-нибудь хорошее"))
    usage = only_message(await chat.say("/watch", language="en"))
    english = only_message(await chat.say("/watch red BMW under $15,000", language="ru"))
    only_message(await chat.say("Найди красную BMW до 2 млн"))
    last = only_message(await chat.say("/watch"))
    again = only_message(await chat.say("/watch"))
    over_limit = only_message(await chat.say("/watch toyota prius"))

    assert nothing.params["text"] == (
        "Не понял, за чем следить.\nНе понял: «хорошее»\nНапишите /watch и запрос, например:\n"
        "• /watch Найди красную BMW до 2 млн\n• /watch тойота приус от 2018 без ДТП\n"
        "• /watch седан до полутора миллионов на автомате\n"
        "Или нажмите «🔔 Следить» под результатами поиска."
    )
    assert usage.params["text"].startswith(
        "Write /watch and a search, for example:\n"
        "• /watch white SUV under 2 million with less than 30000 km\n"
    )
    # In the language and currency of the text; prices in dollars with the yen beside.
    assert english.params["text"].startswith(
        "🔔 Watching “red BMW under $15,000”.\n"
        "Filters: make: BMW · price ≤ $15,000 (¥2,250,000) · colour: red\n"
    )
    assert last.params["text"].startswith(f"🔔 Слежу за поиском «{RED_BMW_NAME}».")
    assert again.params["text"] == "Уже слежу за этим поиском."
    assert over_limit.params["text"] == "Не больше 2 подписок. Удалите лишнюю: /unwatch"
    searches = saved_searches(cars_db)
    assert [(s.name, s.language, s.currency) for s in searches] == [
        ("red BMW under $15,000", "en", "USD"),
        (RED_BMW_NAME, "ru", "JPY"),
    ]
    assert searches[0].filters == {"make": "BMW", "price_max": 2_250_000, "color": "red"}


async def test_watches_lists_the_chats_and_the_linked_web_searches_and_unwatch_removes_them(
    open_chat: Callable[..., Conversation], cars_db: str
) -> None:
    chat = open_chat()
    only_message(await chat.say("/watch тойота приус"))
    only_message(await chat.say("/watch BMW до 2 млн"))
    web_user(cars_db, chat=ANNA, name="Prius for the shop", filters={"model": "Prius"},
             language="en", currency="USD")  # fmt: skip
    only_message(await chat.say("/watch хонда фит", user=BORIS))  # another chat's

    listed = only_message(await chat.say("/watches"))
    [borises] = [s.id for s in saved_searches(cars_db) if s.chat_id == BORIS]
    keyboard = [[{"text": "🔕 1", "callback_data": f"unwatch:{borises}:list"}]]
    forged = Call("sendMessage", {**listed.params, "reply_markup": {"inline_keyboard": keyboard}},
                  listed.result)  # fmt: skip
    refused = await chat.press(forged, "🔕 1")
    tapped = await chat.press(listed, "🔕 3")
    removed = only_message(await chat.say("/unwatch 1"))
    wrong = only_message(await chat.say("/unwatch 7"))
    left = only_message(await chat.say("/unwatch"))
    only_message(await chat.say("/unwatch 1"))
    empty = only_message(await chat.say("/watches"))

    assert listed.params["text"] == (
        "<b>Подписки: 3</b>\n"
        "1. <b>тойота приус</b>\nмарка: Toyota · модель: Prius\n"
        "2. <b>BMW до 2 млн</b>\nмарка: BMW · цена ≤ ¥2,000,000 (200万円)\n"
        "3. <b>Prius for the shop</b> (из веб-приложения)\nмодель: Prius\n"
        "\nОтписаться: кнопка с номером или /unwatch N."
    )
    assert listed.button_texts == ["🔕 1", "🔕 2", "🔕 3"]
    # Another chat's search is not this chat's to remove.
    assert methods(refused) == ["answerCallbackQuery"]
    assert refused[0].params["text"] == "Этой подписки уже нет."
    # One tap removes the web app's search too, and the list is drawn again.
    assert methods(tapped) == ["editMessageText", "answerCallbackQuery"]
    assert tapped[0].params["message_id"] == str(listed.result["message_id"])
    assert tapped[0].params["text"] == (
        "🔕 Вы отписались от «Prius for the shop».\n\n"
        "<b>Подписки: 2</b>\n"
        "1. <b>тойота приус</b>\nмарка: Toyota · модель: Prius\n"
        "2. <b>BMW до 2 млн</b>\nмарка: BMW · цена ≤ ¥2,000,000 (200万円)\n"
        "\nОтписаться: кнопка с номером или /unwatch N."
    )
    assert tapped[0].button_texts == ["🔕 1", "🔕 2"]
    assert removed.params["text"] == "🔕 Вы отписались от «тойота приус»."
    assert wrong.params["text"] == "Нет подписки с номером 7."
    assert left.params["text"].startswith("<b>Подписки: 1</b>\n1. <b>BMW до 2 млн</b>\n")
    assert empty.params["text"].startswith("Подписок нет.\nНапишите /watch и запрос, например:")
    assert empty.buttons == []
    assert [s.chat_id for s in saved_searches(cars_db)] == [BORIS]


async def test_unsubscribe_under_an_alert_is_one_tap_and_keeps_the_alert(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    await chat.start()
    only_message(await chat.say("/watch BMW до 2 млн"))
    crawl_stored(cars_db, bmw("B8", 1_600_000, 2020, 9_000, "東京都"))
    await eventually(lambda: bool(alerts_to(telegram)), "the alert")
    [alert] = alerts_to(telegram)

    tapped = await chat.press(alert, "🔕 Отписаться")
    again = await chat.press(alert, "🔕 Отписаться")
    crawl_stored(cars_db, bmw("B10", 1_400_000, 2021, 5_000, "東京都"))
    await settled(chat.alerts)

    assert methods(tapped) == ["editMessageText", "answerCallbackQuery"]
    edited = tapped[0]
    # The alert as Telegram gave it back (its text and entities), with a line added.
    assert parse_html(edited.params["text"]) == parse_html(
        alert.params["text"] + "\n\n🔕 Вы отписались от «BMW до 2 млн»."
    )
    assert edited.buttons == []
    assert methods(again) == ["answerCallbackQuery"]
    assert again[0].params["text"] == "Этой подписки уже нет."
    assert saved_searches(cars_db) == [] and alerts_to(telegram) == [alert]


# --- linking a web user's chat -----------------------------------------------------------------


async def test_link_with_a_good_a_wrong_and_an_expired_code_then_refused_after_five_wrong(
    open_chat: Callable[..., Conversation], cars_db: str
) -> None:
    chat = open_chat()
    user_id = web_user(cars_db, name="Prius", filters={"model": "Prius"})
    expired = link_code(cars_db, user_id, expired=True)

    usage = only_message(await chat.say("/link"))
    late = only_message(await chat.say(f"/link {expired}"))
    wrong = only_message(await chat.say("/link ABCD2345"))
    good = only_message(await chat.say(f"/link {link_code(cars_db, user_id).lower()}"))
    spent = only_message(await chat.say(f"/link {expired}", user=BORIS))
    for _ in range(3):
        only_message(await chat.say("/link ZZZZ2345", user=BORIS))
    fifth = only_message(await chat.say("/link ZZZZ2345", user=BORIS))
    refused = only_message(await chat.say(f"/link {link_code(cars_db, user_id)}", user=BORIS))

    assert usage.params["text"] == "Отправьте /link КОД: код выдаёт веб-приложение."
    bad = "Неизвестный или просроченный код — получите новый в веб-приложении."
    assert late.params["text"] == wrong.params["text"] == spent.params["text"] == bad
    assert good.params["text"] == (
        "Чат привязан к olga: оповещения поисков, сохранённых в веб-приложении, "
        "будут приходить сюда."
    )
    assert fifth.params["text"] == bad
    # Five wrong codes in the hour: even a good one is refused now.
    assert refused.params["text"] == "Слишком много неверных кодов. Попробуйте через 60 мин."
    engine = make_engine(cars_db)
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None and user.telegram_chat_id == ANNA
    engine.dispose()


async def test_a_web_users_saved_search_alerts_their_linked_chat_in_its_language_and_currency(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram
) -> None:
    user_id = web_user(cars_db, name="Cheap BMW", filters={"make": "BMW", "price_max": 1_700_000},
                       language="en", currency="USD")  # fmt: skip
    chat = open_chat()
    await chat.start()
    only_message(await chat.say(f"/link {link_code(cars_db, user_id)}"))
    crawl_stored(cars_db, bmw("B8", 1_650_000, 2020, 9_000, "東京都"))
    await eventually(lambda: bool(alerts_to(telegram)), "the alert")

    [alert] = alerts_to(telegram)
    assert alert.params["text"] == (
        "🔔 <b>Cheap BMW</b>\nrate: 1 $ = ¥150 as of 2026-12-01\n\n"
        "<b>New: 1</b>\n<b>1. BMW 3 Series</b> 320i Mスポーツ\n"
        "2020 · 9,000 km · $11,000 (¥1,650,000) · Tokyo\n"
        f'<a href="{url("B8")}">listing</a>\n\n'
        f'<a href="{WEB}/?make=BMW&amp;price_max=1700000&amp;sort=-updated">'
        "See all in the web app</a>"
    )
    assert alert.button_texts == ["🔕 Unsubscribe"]


# --- several processes, Telegram's limits ------------------------------------------------------


async def test_two_bot_processes_polling_and_webhook_send_each_alert_once(
    cars_db: str, telegram: FakeTelegram
) -> None:
    """Two `python -m bot` on one database, one polling and one on a webhook: their startups
    start the alerts; each search is told once, by whichever claims it."""
    settings = Settings(
        _env_file=None, database_url=cars_db, telegram_bot_token=TOKEN, alert_poll_seconds=0.05,
        alert_settle_seconds=0, web_base_url=WEB,
    )  # fmt: skip
    engines = [make_async_engine(settings) for _ in range(2)]
    polling_bot, webhook_bot = build_bot(TOKEN, telegram.url), build_bot(TOKEN, telegram.url)
    polling = build_dispatcher(settings, async_session_factory(engines[0]))
    webhook = build_dispatcher(settings, async_session_factory(engines[1]))
    chat = Conversation(webhook, webhook_bot, telegram)
    app = webhook_app(webhook, webhook_bot, "https://bot.example/hook", None)
    loops: list[Alerts] = [polling["alerts"], webhook["alerts"]]
    polled = asyncio.create_task(polling.start_polling(polling_bot, handle_signals=False))
    try:
        async with test_utils.TestClient(test_utils.TestServer(app)) as client:
            await client.post("/hook", json=chat.message("/watch BMW до 2 млн"))
            telegram.push(chat.message("/watch BMW до 2 млн", user=BORIS))
            await eventually(lambda: len(saved_searches(cars_db)) == 2, "both searches saved")
            for _ in range(3):
                crawl_stored(cars_db, bmw(f"N{uuid.uuid4().hex[:6]}", 1_600_000, 2020, 9_000,
                                          "東京都"))  # fmt: skip
                await settled(*loops)
    finally:
        await polling.stop_polling()
        await polled
        await webhook_bot.session.close()
        for engine in engines:
            await engine.dispose()

    assert all(loop.rounds > 0 for loop in loops)
    assert len(alerts_to(telegram, ANNA)) == len(alerts_to(telegram, BORIS)) == 3


async def test_a_429_is_waited_out_and_retried_three_times_at_most(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    await chat.start()
    only_message(await chat.say("/watch BMW до 2 млн"))
    telegram.flood(retry_after=1, calls=1)
    crawl_stored(cars_db, bmw("B8", 1_600_000, 2020, 9_000, "東京都"))
    await eventually(lambda: bool(alerts_to(telegram)), "the alert after the 429")
    first = telegram.of("sendMessage")[-2:]

    before = len(telegram.of("sendMessage"))
    telegram.flood(retry_after=1, calls=5)
    crawl_stored(cars_db, bmw("B10", 1_400_000, 2021, 5_000, "東京都"))
    await eventually(lambda: len(telegram.of("sendMessage")) == before + 4, "four tries")
    await settled(chat.alerts)
    tries = telegram.of("sendMessage")[-4:]
    telegram.flood(retry_after=1, calls=0)
    await settled(chat.alerts)

    refused, delivered = first
    assert refused.error == "Too Many Requests: retry after 1"
    assert delivered.error is None and delivered.params["text"] == refused.params["text"]
    assert delivered.at - refused.at >= 1.0  # waited retry_after
    # The first send and three retries, each a retry_after later; then given up for good.
    assert [call.error for call in tries] == ["Too Many Requests: retry after 1"] * 4
    assert all(b.at - a.at >= 1.0 for a, b in itertools.pairwise(tries))
    assert len(alerts_to(telegram)) == 1


async def test_alerts_to_one_chat_are_a_second_apart_and_a_blocked_chat_is_not_retried(
    open_chat: Callable[..., Conversation], cars_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    await chat.start()
    only_message(await chat.say("/watch BMW до 2 млн"))
    only_message(await chat.say("/watch красная машина"))
    only_message(await chat.say("/watch BMW", user=BORIS))
    telegram.blocked.add(BORIS)
    crawl_stored(cars_db, bmw("B8", 1_600_000, 2020, 9_000, "東京都"))
    await eventually(lambda: len(alerts_to(telegram)) == 2, "both alerts")
    await settled(chat.alerts)

    first, second = alerts_to(telegram)
    assert second.at - first.at >= 1.0
    to_boris = [call for call in telegram.of("sendMessage") if call.params["chat_id"] == str(BORIS)]
    [blocked] = to_boris[1:]  # after the confirmation of his /watch: one try, not retried
    assert blocked.error == "Forbidden: bot was blocked by the user"


async def test_a_broken_search_is_logged_and_the_others_are_told(
    open_chat: Callable[..., Conversation],
    cars_db: str,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    web_user(cars_db, chat=BORIS, name="broken", filters={"year_min": "soon"})
    chat = open_chat()
    await chat.start()
    only_message(await chat.say("/watch BMW до 2 млн"))
    crawl_stored(cars_db, bmw("B8", 1_600_000, 2020, 9_000, "東京都"))
    await eventually(lambda: bool(alerts_to(telegram)), "the alert of the good search")
    await settled(chat.alerts)

    listed = only_message(await chat.say("/watches", user=BORIS))

    broken, good = saved_searches(cars_db)
    assert f"alerts: saved search {broken.id} failed; it is tried again next round" in caplog.text
    assert broken.last_alert_at is None and good.last_alert_at is not None
    assert alerts_to(telegram, BORIS) == []
    # Still listed, to be removed.
    assert listed.params["text"].startswith(
        "<b>Подписки: 1</b>\n1. <b>broken</b> (из веб-приложения)\nгод ≥ soon\n"
    )


async def test_a_database_outage_is_retried_next_round(
    telegram: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot starts before its database is there; once it is, the next round tells."""
    db_url = f"sqlite:///{tmp_path / 'late.db'}"
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TOKEN,
                        alert_poll_seconds=0.05, alert_settle_seconds=0,
                        web_base_url=WEB)  # fmt: skip
    engine = make_async_engine(settings)
    bot: Bot = build_bot(TOKEN, telegram.url)
    dispatcher = build_dispatcher(settings, async_session_factory(engine))
    loop: Alerts = dispatcher["alerts"]
    await dispatcher.emit_startup(bot=bot)
    try:
        await settled(loop)
        down = "alerts: database unavailable, trying next round" in caplog.text
        await asyncio.to_thread(migrate, db_url)
        engine_sync = make_engine(db_url)
        with Session(engine_sync) as session:
            session.add(SavedSearch(chat_id=ANNA, name="BMW", filters={"make": "BMW"},
                                    language="en", alerted_until=utcnow()))  # fmt: skip
            session.commit()
        engine_sync.dispose()
        crawl_stored(db_url, bmw("B8", 1_600_000, 2020, 9_000, "東京都"))
        await eventually(lambda: bool(alerts_to(telegram)), "the alert once the database is up")
    finally:
        await dispatcher.emit_shutdown(bot=bot)
        await bot.session.close()
        await engine.dispose()

    assert down
    assert alerts_to(telegram)[0].params["text"].startswith("🔔 <b>BMW</b>\n\n<b>New: 1</b>\n")
