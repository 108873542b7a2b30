"""An alert's text: its sections, and its length within one Telegram message however long the
cars' names are; and the pace alerts go out at."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.alerts import alert_text
from bot.sending import Pacer
from core.alerts import Alert, PriceDrop
from core.models import SavedSearch
from core.money import Rates
from replay.telegram_api import MAX_TEXT, parse_html

RATES = Rates({"USD": 150.0, "EUR": 160.0, "RUB": 1.8}, date(2026, 12, 1), "settings")
T = datetime(2026, 12, 1, tzinfo=UTC)
WEB = "https://cars.example"


def car(number: int, total: int, grade: str = "320i") -> dict[str, Any]:
    """A listed BMW, as core.alerts reads it."""
    return {
        "make": "BMW", "make_ja": "BMW", "model": "3 Series", "model_ja": "3シリーズ",
        "grade": grade, "year": 2019, "mileage_km": 12_000, "total_price_jpy": total,
        "price_jpy": total - 90_000, "prefecture": "東京都",
        "url": f"https://www.carsensor.net/usedcar/detail/AU{number:010d}/index.html",
        "market_price_jpy": None, "deal": None, "deal_ratio": None,
    }  # fmt: skip


def alert(
    new: int, drops: int, *, grade: str = "320i", name: str = "BMW", language: str = "en"
) -> Alert:
    """An alert of `new` new cars and `drops` drops of 10 %, of which core lists ten each."""
    search = SavedSearch(id=7, chat_id=1, name=name, filters={"make": "BMW"}, language=language,
                         currency="USD", alerted_until=T)  # fmt: skip
    return Alert(
        search=search, chat_id=1, since=T, until=T,
        new=[car(n, 1_500_000, grade) for n in range(min(new, 10))],
        drops=[PriceDrop(car(100 + n, 1_800_000, grade), 2_000_000) for n in range(min(drops, 10))],
        new_count=new, drop_count=drops,
    )  # fmt: skip


def test_an_alert_names_the_search_the_rate_both_lists_and_the_web_link() -> None:
    text = alert_text(alert(1, 1), RATES, WEB)

    assert text == (
        "🔔 <b>BMW</b>\nrate: 1 $ = ¥150 as of 2026-12-01\n\n"
        "<b>New: 1</b>\n<b>1. BMW 3 Series</b> 320i\n"
        "2019 · 12,000 km · $10,000 (¥1,500,000) · Tokyo\n"
        '<a href="https://www.carsensor.net/usedcar/detail/AU0000000000/index.html">listing</a>'
        "\n\n<b>Price drops: 1</b>\n<b>1. BMW 3 Series</b> 320i\n"
        "2019 · 12,000 km · $13,333 (¥2,000,000) → $12,000 (¥1,800,000), −10% · Tokyo\n"
        '<a href="https://www.carsensor.net/usedcar/detail/AU0000000100/index.html">listing</a>'
        f'\n\n<a href="{WEB}/?make=BMW&amp;sort=-updated">See all in the web app</a>'
    )


def test_an_alerts_cars_state_their_market_price_and_the_deals_are_marked() -> None:
    told = alert(1, 1)
    told.new[0].update(market_price_jpy=2_000_000, deal="great", deal_ratio=0.75)
    told.drops[0].car.update(market_price_jpy=2_000_000, deal="good", deal_ratio=0.9)

    text = alert_text(told, RATES, WEB)

    # The same lines as a search reply's, after the price (or the drop) of each car.
    assert (
        "2019 · 12,000 km · $10,000 (¥1,500,000) · Tokyo\n"
        "🔥 Great deal · market ≈ $13,333 (¥2,000,000) · 25% below market\n<a href="
    ) in text
    assert (
        "$13,333 (¥2,000,000) → $12,000 (¥1,800,000), −10% · Tokyo\n"
        "👍 Good deal · market ≈ $13,333 (¥2,000,000) · 10% below market\n<a href="
    ) in text


def test_more_than_ten_say_how_many_the_alert_shows() -> None:
    text = alert_text(alert(23, 12, language="ja"), RATES, WEB)

    assert "<b>新着: 23台（上位10台）</b>" in text and "<b>値下げ: 12台（上位10台）</b>" in text
    assert text.count("<b>10. BMW 3 Series</b>") == 2


@pytest.mark.parametrize("language", ["ru", "en", "ja"])
def test_long_names_leave_the_last_cars_out_to_fit_one_message(language: str) -> None:
    long = alert(23, 12, grade="Mスポーツ エディション " * 12, name="ш" * 200, language=language)

    text = alert_text(long, RATES, WEB)

    plain, entities = parse_html(text)  # as Telegram reads it
    assert len(plain.encode("utf-16-le")) // 2 <= MAX_TEXT - 100  # room for "unsubscribed"
    shown = text.count(" BMW 3 Series</b>")
    assert 2 <= shown < 20
    assert entities[-1]["url"] == f"{WEB}/?make=BMW&sort=-updated"  # the link stays last


def test_slots_are_a_second_apart_in_a_chat_and_25_a_second_in_all() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])

    same_chat = [pacer.reserve(1) for _ in range(3)]
    now[0] = 10.0
    many_chats = [pacer.reserve(chat) for chat in range(100, 150)]
    pacer.hold(3)
    after_429 = pacer.reserve(200)
    now[0] = 20.0
    pacer.reserve(300)
    now[0] = 20.4  # Telegram took 0.4 s to answer
    pacer.sent(300)
    after_a_slow_send = pacer.reserve(300)

    assert same_chat == [0.0, 1.0, 2.0]
    assert many_chats[0] == 0.0 and many_chats[-1] == pytest.approx(49 / 25)
    assert after_429 == pytest.approx(3.0)
    assert after_a_slow_send == pytest.approx(1.0)  # a second from the end of the last send
