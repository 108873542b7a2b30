"""Deals end to end: searches for good deals, the market price on every car that has one, the
deal sort, the LLM's deal filter, and a deals-only saved search's alerts, through the real
dispatcher, the fake Bot API (and fake OpenAI server) on loopback and a real database whose
market values core.valuation computed.

The market: eight 2019 Priuses at ¥2,000,000, each at its own mileage, so the weighted median
of any Prius's comparables is ¥2,000,000; against it the seeded red Prius X3 (¥900,000) and D1
(¥1,600,000, 80 %) are great deals, D2 (¥1,860,000, 93 %) a good one, D3 (¥2,200,000) high.
"""

from collections.abc import Callable

import pytest
from openai import AsyncOpenAI
from sqlalchemy.orm import Session

from bot.app import build_bot, build_dispatcher
from bot.llm import llm_interpreter
from core import valuation
from core.db import async_session_factory, make_async_engine, make_engine
from core.settings import Settings
from crawler.items import CarItem
from replay.openai_api import FakeOpenAI, tool_call
from replay.telegram_api import FakeTelegram
from tests.bot.chat import (
    TOKEN,
    WEB,
    Conversation,
    alerts_to,
    crawl_stored,
    eventually,
    only_message,
    settled,
    url,
)
from tests.factories import listing, store_in_order, stored_cars

pytestmark = pytest.mark.anyio

MIN_COMPARABLES = 5  # the settings' default


def prius(external_id: str, mileage: int, total: int) -> CarItem:
    """A 2019 Toyota Prius with `mileage` km at `total` yen."""
    return listing(external_id, mileage_km=mileage, total_price_jpy=total, price_jpy=total - 84_000)


MARKET = tuple(prius(f"P{n}", 20_000 + 2_000 * n, 2_000_000) for n in range(8))
GREAT, GOOD, HIGH = (
    prius("D1", 25_000, 1_600_000),
    prius("D2", 29_000, 1_860_000),
    prius("D3", 31_000, 2_200_000),
)


def revalue(db_url: str) -> None:
    """What the scheduler does after a crawl: every car's market value recomputed."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        valuation.recompute(session=session, min_comparables=MIN_COMPARABLES)
        session.commit()
    engine.dispose()


@pytest.fixture
def priuses_db(cars_db: str) -> str:
    """The seeded database with the Prius market too (D3 stored last: the newest), valued."""
    engine = make_engine(cars_db)
    with Session(engine) as session:
        store_in_order(session, *MARKET, GREAT, GOOD, HIGH)
    engine.dispose()
    revalue(cars_db)
    return cars_db


def block(mileage: str, price: str, market: str, external_id: str) -> str:
    """A Prius as a Russian reply lists it, after its title: details, the market line, link."""
    return (
        f"</b> S\n2019 · {mileage} км · {price}\n{market}\n"
        f'<a href="{url(external_id)}">объявление</a>'
    )


async def test_good_deals_are_marked_and_every_car_states_its_market_price(
    open_chat: Callable[..., Conversation], priuses_db: str
) -> None:
    chat = open_chat()

    good = only_message(await chat.say("выгодные приусы")).params["text"]
    every = only_message(await chat.say("приусы")).params["text"]

    assert good.startswith(
        "<b>Найдено: 3</b>\n"
        "Фильтры: марка: Toyota · модель: Prius · цена к рынку: отличная, хорошая\n"
    )
    market = "рынок ≈ ¥2,000,000 (200万円)"
    assert block("25,000", "¥1,600,000 (160万円)",
                 f"🔥 Отличная цена · {market} · −20 % к рынку", "D1") in good  # fmt: skip
    assert block("29,000", "¥1,860,000 (186万円)",
                 f"👍 Хорошая цена · {market} · −7 % к рынку", "D2") in good  # fmt: skip
    assert f"· ¥900,000 (90万円)\n🔥 Отличная цена · {market} · −55 % к рынку" in good
    assert url("D3") not in good and url("P7") not in good
    # Without the filter: the dear one and those at the market price state it, unmarked.
    assert every.startswith("<b>Найдено: 12</b>\nФильтры: марка: Toyota · модель: Prius\n")
    assert block("31,000", "¥2,200,000 (220万円)", f"{market} · +10 % к рынку", "D3") in every
    assert block("34,000", "¥2,000,000 (200万円)", f"{market} · по рынку", "P7") in every


async def test_the_best_deals_first_a_followup_and_the_other_languages(
    open_chat: Callable[..., Conversation], priuses_db: str
) -> None:
    chat = open_chat()

    best = only_message(await chat.say("самые выгодные приусы")).params["text"]
    only_message(await chat.say("приусы"))
    refined = only_message(await chat.say("а только выгодные")).params["text"]
    english = only_message(await chat.say("good deals on a prius under $12,000")).params["text"]
    japanese = only_message(await chat.say("お買い得順のプリウス", language="ja")).params["text"]

    assert best.startswith(
        "<b>Найдено: 3</b>\nФильтры: марка: Toyota · модель: Prius · "
        "цена к рынку: отличная, хорошая · сортировка: сначала выгодные\n"
    )
    # Price ÷ market, lowest first: 45 %, 80 %, 93 %.
    positions = [best.index(url(car)) for car in ("X3", "D1", "D2")]
    assert positions == sorted(positions)
    assert refined.startswith(
        "<b>Найдено: 3</b>\n"
        "Фильтры: марка: Toyota · модель: Prius · цена к рынку: отличная, хорошая\n"
    )
    # In the currency asked in, the yen beside.
    assert english.startswith(
        "<b>Found: 2</b>\nFilters: make: Toyota · model: Prius · price ≤ $12,000 (¥1,800,000) "
        "· deal: great, good\n"
    )
    assert (
        "2019 · 25,000 km · $10,667 (¥1,600,000)\n"
        "🔥 Great deal · market ≈ $13,333 (¥2,000,000) · 20% below market\n"
    ) in english
    assert japanese.startswith(
        "<b>該当: 3台</b>\n"
        "条件: メーカー: Toyota · 車種: Prius · 相場比: 超お買い得・お買い得 · 並び順: お買い得順\n"
    )
    assert "🔥 超お買い得 · 相場 ≈ ¥2,000,000 (200万円) · 相場より20%安い" in japanese
    assert "👍 お買い得 · 相場 ≈ ¥2,000,000 (200万円) · 相場より7%安い" in japanese


async def test_no_great_deal_suggests_dropping_the_deal_filter(
    open_chat: Callable[..., Conversation], priuses_db: str
) -> None:
    chat = open_chat()

    reply = only_message(await chat.say("отличная цена на приус от 1,7 млн"))

    # Without the deal: the ten Priuses from ¥1,700,000; without the price: the two great deals.
    assert reply.params["text"] == (
        "<b>Ничего не нашлось.</b>\n"
        "Фильтры: марка: Toyota · модель: Prius · цена ≥ ¥1,700,000 (170万円) · "
        "цена к рынку: отличная\n"
        "Без условия «цена к рынку: отличная» нашлось бы: 10."
    )


async def test_the_models_deal_filter_and_sort_are_searched(
    priuses_db: str, telegram: FakeTelegram
) -> None:
    openai_server = FakeOpenAI()
    await openai_server.start()
    client = AsyncOpenAI(api_key="sk-test", base_url=openai_server.url, max_retries=0)
    engine = make_async_engine(Settings(_env_file=None, database_url=priuses_db))
    bot = build_bot(TOKEN, telegram.url)
    settings = Settings(_env_file=None, database_url=priuses_db, telegram_bot_token=TOKEN)
    interpret = llm_interpreter(client, "fake-model", {}, timeout=5)
    chat = Conversation(
        build_dispatcher(settings, async_session_factory(engine), interpret=interpret),
        bot,
        telegram,
    )
    try:
        # A message the parser reads as the cheapest Priuses; the model reads the deal in it.
        openai_server.script(
            tool_call({"make": "Toyota", "model": "Prius", "deal": ["great"], "sort": "deal"})
        )
        reply = only_message(await chat.say("приусы дешевле, чем похожие"))
    finally:
        await client.close()
        await openai_server.stop()
        await bot.session.close()
        await engine.dispose()

    text = reply.params["text"]
    assert text.startswith(
        "<b>Найдено: 2</b>\nФильтры: марка: Toyota · модель: Prius · цена к рынку: отличная · "
        "сортировка: сначала выгодные\n"
    )
    assert text.index(url("X3")) < text.index(url("D1"))
    assert url("D2") not in text


# --- a deals-only saved search -----------------------------------------------------------------


def deals(db_url: str, *external_ids: str) -> list[str | None]:
    """The deals core.valuation gave stored cars, in the order asked."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = {external_id: car.deal for external_id, car in stored_cars(session).items()}
    engine.dispose()
    return [found[external_id] for external_id in external_ids]


async def test_a_deals_only_search_alerts_on_a_new_great_deal_and_not_on_a_fair_price(
    open_chat: Callable[..., Conversation], priuses_db: str, telegram: FakeTelegram
) -> None:
    chat = open_chat()
    await chat.start()
    confirmation = only_message(await chat.say("/watch выгодные приусы"))
    listed = only_message(await chat.say("/watches"))

    crawl_stored(priuses_db, prius("N1", 33_000, 2_050_000))  # 102.5 %: fair
    revalue(priuses_db)
    await settled(chat.alerts)
    after_fair = alerts_to(telegram)
    crawl_stored(
        priuses_db,
        prius("N2", 23_000, 1_500_000),  # 75 %: great
        prius("N3", 21_000, 2_000_000),  # at the market price
    )
    await settled(chat.alerts)
    before_valued = alerts_to(telegram)
    revalue(priuses_db)
    await eventually(lambda: bool(alerts_to(telegram)), "the alert of the great deal")
    await settled(chat.alerts)

    name = "выгодные приусы"
    described = "марка: Toyota · модель: Prius · цена к рынку: отличная, хорошая"
    assert confirmation.params["text"].startswith(
        f"🔔 Слежу за поиском «{name}».\nФильтры: {described}\n"
    )
    assert listed.params["text"].startswith(f"<b>Подписки: 1</b>\n1. <b>{name}</b>\n{described}\n")
    # N1 was valued fair: no alert came for want of a deal, not of a market price.
    assert deals(priuses_db, "N1", "N2", "N3") == ["fair", "great", "fair"]
    assert after_fair == []
    # A new car has no deal until the market values take in its crawl: the search waits.
    assert before_valued == []
    [alert] = alerts_to(telegram)
    assert alert.params["text"] == (
        f"🔔 <b>{name}</b>\n\n"
        "<b>Новые: 1</b>\n<b>1. Toyota Prius"
        + block("23,000", "¥1,500,000 (150万円)",
                "🔥 Отличная цена · рынок ≈ ¥2,000,000 (200万円) · −25 % к рынку", "N2")
        + f'\n\n<a href="{WEB}/?make=Toyota&amp;model=Prius&amp;deal=great%2Cgood&amp;'
        'sort=-updated">Все в веб-приложении</a>'
    )  # fmt: skip
