"""What the bot says: prices in the currency asked in with the yen beside, the rate with its
date, prefectures and help in the reader's language, the examples it gives."""

from datetime import date
from html import escape
from typing import Any, get_args

import pytest

from bot import texts
from bot.parser import parse_query
from core.filters import Sort
from core.market import DEALS
from core.money import Rates

RATES = Rates({"USD": 150.0, "EUR": 160.0, "RUB": 1.8}, date(2026, 12, 1), "settings")
CAR: dict[str, Any] = {
    "make": "BMW", "make_ja": "BMW", "model": "3 Series", "model_ja": "3シリーズ",
    "grade": "320i <M>", "year": 2019, "mileage_km": 12_000, "total_price_jpy": 2_760_000,
    "price_jpy": 2_670_000, "prefecture": "北海道", "url": "https://example.test/B7?a=1&b=2",
    "market_price_jpy": None, "deal": None, "deal_ratio": None,  # not valued
}  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "shown"),
    [
        ("JPY", "¥2,760,000 (276万円)"),
        ("USD", "$18,400 (¥2,760,000)"),
        ("EUR", "€17,250 (¥2,760,000)"),
        ("RUB", "1,533,333 ₽ (¥2,760,000)"),
    ],
)
def test_a_price_shows_in_the_currency_asked_in_with_the_yen_beside(
    currency: str, shown: str
) -> None:
    assert texts.Money(currency, RATES).show(2_760_000) == shown


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("ru", "курс: 1 $ = 150 ¥ на 01.12.2026"),
        ("en", "rate: 1 $ = ¥150 as of 2026-12-01"),
        ("ja", "レート: 1 $ = 150円（2026年12月1日時点）"),
    ],
)
def test_the_rate_is_shown_with_its_date(language: str, line: str) -> None:
    assert texts.describe_rate(language, texts.Money("USD", RATES)) == line


def test_a_rate_of_no_known_day_is_shown_without_one() -> None:
    undated = Rates({"USD": 150.0, "EUR": 160.0, "RUB": 1.8}, None, "settings")
    assert texts.describe_rate("en", texts.Money("RUB", undated)) == "rate: 1 ₽ = ¥1.8"


@pytest.mark.parametrize(
    ("language", "details"),
    [
        ("ru", "2019 · 12,000 км · $18,400 (¥2,760,000) · Хоккайдо"),
        ("en", "2019 · 12,000 km · $18,400 (¥2,760,000) · Hokkaido"),
        ("ja", "2019 · 12,000 km · $18,400 (¥2,760,000) · 北海道"),
    ],
)
def test_a_car_in_the_readers_language_and_currency(language: str, details: str) -> None:
    lines = texts.car_lines(language, 7, CAR, texts.Money("USD", RATES)).split("\n")
    assert lines[0] == "<b>7. BMW 3 Series</b> 320i &lt;M&gt;"
    assert lines[1] == details
    assert lines[2].startswith('<a href="https://example.test/B7?a=1&amp;b=2">')


def market(total: int, market_price: int, deal: str | None) -> dict[str, Any]:
    """CAR at `total`, valued at `market_price` as core.valuation stores it."""
    return CAR | {
        "total_price_jpy": total, "market_price_jpy": market_price, "deal": deal,
        "deal_ratio": total / market_price,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("ru", "🔥 Отличная цена · рынок ≈ $21,667 (¥3,250,000) · −15 % к рынку"),
        ("en", "🔥 Great deal · market ≈ $21,667 (¥3,250,000) · 15% below market"),
        ("ja", "🔥 超お買い得 · 相場 ≈ $21,667 (¥3,250,000) · 相場より15%安い"),
    ],
)
def test_a_great_deal_is_marked_with_its_market_price(language: str, line: str) -> None:
    car = market(2_760_000, 3_250_000, "great")  # 84.9 %

    lines = texts.car_lines(language, 7, car, texts.Money("USD", RATES)).split("\n")

    assert lines[2] == line
    assert lines[3].startswith('<a href="https://example.test/B7?a=1&amp;b=2">')


@pytest.mark.parametrize(
    ("car", "line"),
    [
        # A good deal just short of the great band reads 14 %, not a rounded 15 %.
        (market(2_559_000, 3_000_000, "good"),
         "👍 Хорошая цена · рынок ≈ ¥3,000,000 (300万円) · −14 % к рынку"),
        (market(2_500_000, 2_500_000, "fair"), "рынок ≈ ¥2,500,000 (250万円) · по рынку"),
        (market(2_760_000, 2_500_000, "high"), "рынок ≈ ¥2,500,000 (250万円) · +10 % к рынку"),
        # Without a total price there is no ratio, but the market price still says something.
        (CAR | {"total_price_jpy": None, "market_price_jpy": 2_500_000, "deal": None,
                "deal_ratio": None},
         "рынок ≈ ¥2,500,000 (250万円)"),
    ],
)  # fmt: skip
def test_the_market_line_of_each_kind_of_car(car: dict[str, Any], line: str) -> None:
    assert texts.car_lines("ru", 1, car, texts.Money("JPY", RATES)).split("\n")[2] == line


def test_a_car_without_a_market_price_has_no_market_line() -> None:
    lines = texts.car_lines("en", 1, CAR, texts.Money("JPY", RATES)).split("\n")
    assert len(lines) == 3 and lines[2].startswith("<a href=")


@pytest.mark.parametrize(
    ("language", "described"),
    [
        ("ru", "цена к рынку: отличная, хорошая · сортировка: сначала выгодные"),
        ("en", "deal: great, good · sort: best deals first"),
        ("ja", "相場比: 超お買い得・お買い得 · 並び順: お買い得順"),
    ],
)
def test_the_deal_filter_and_sort_in_words(language: str, described: str) -> None:
    money = texts.Money("JPY", RATES)
    # As JSON keeps it (a list), and as CarFilters does (a tuple).
    for deal in (["great", "good"], ("great", "good")):
        filters = {"deal": deal, "sort": "deal"}
        assert texts.describe_filters(language, filters, money) == described


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_sort_and_deal_band_has_a_name(language: str) -> None:
    names = [texts.value_name(language, sort) for sort in get_args(Sort)]
    names += [texts.value_name(language, f"deal_{band}") for band in DEALS]
    assert len(set(names)) == len(names)
    assert not set(names) & {*get_args(Sort), *(f"deal_{band}" for band in DEALS)}


def test_filters_name_the_prefecture_and_the_grade_in_the_readers_language() -> None:
    filters = {"q": "GTI", "price_max": 3_000_000, "prefecture": "大阪府"}
    money = texts.Money("EUR", RATES)
    assert texts.describe_filters("ru", filters, money) == (
        "комплектация: GTI · цена ≤ €18,750 (¥3,000,000) · префектура: Осака"
    )
    assert texts.describe_filters("en", {"prefecture": "不明県"}, money) == "prefecture: 不明県"


def test_a_reply_says_what_it_did_not_understand() -> None:
    reply = texts.search_reply(
        "en", {"body_type": "sedan"}, [], 0, 0, texts.Money("JPY", RATES), (), ("japanese",)
    )
    assert reply == "<b>Found: 0</b>\nFilters: body: sedan\nNot understood: “japanese”"


def test_not_understood_names_a_few_words_and_gives_examples() -> None:
    words = ("<b>", "раз", "два", "три", "четыре", "пять", "ш" * 50)
    reply = texts.not_understood("ru", words)
    assert reply.startswith(
        "Не понял, что искать.\nНе понял: «&lt;b&gt;», «раз», «два», «три», «четыре»\n"
        "Попробуйте так:\n• Найди красную BMW до 2 млн\n"
    )
    assert "пять" not in reply and reply.endswith("\n/help")


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_example_is_a_search_in_its_language(language: str) -> None:
    assert 2 <= len(texts.EXAMPLES[language]) <= 3
    for example in texts.EXAMPLES[language]:
        result = parse_query(example)
        assert result.filters and result.language == language, example
        assert result.unknown == (), example
        assert escape(example) in texts.help_text(language)


@pytest.mark.parametrize(("code", "language"), [("ru", "ru"), ("en-US", "en"), ("ja", "ja"),
                                                ("uk", "en"), (None, "en")])  # fmt: skip
def test_the_telegram_language_picks_the_reply_language(code: str | None, language: str) -> None:
    assert texts.language_of(code) == language
