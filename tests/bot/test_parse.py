"""The built-in parser: features, follow-ups, currencies, the CLI, the evaluation set, odd input."""

import json
import random
import subprocess
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.parse import main
from bot.parser import DEFAULT_RATES, parse_query, words
from core.filters import CarFilters
from core.money import Rates
from core.prefectures import PREFECTURES
from core.vocab import (
    body_type_from_ja,
    color_from_ja,
    fuel_from_ja,
    transmission_from_ja,
)

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "bot" / "eval" / "queries.jsonl"
TODAY = date(2026, 6, 1)
RATES = Rates({"USD": 150, "EUR": 160, "RUB": 1.8}, date(2026, 5, 29), "test")


def rates(yen_per: dict[str, float]) -> Rates:
    """The default rates with some replaced, as an evaluation record gives them ("usd": 100)."""
    changed = {currency.upper(): value for currency, value in yen_per.items()}
    return Rates({**DEFAULT_RATES.yen_per, **changed}, None, "test")


def parse(text: str, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The filters of `text` on a fixed day, at fixed rates."""
    return parse_query(text, previous=previous, today=TODAY, rates=RATES).filters


# --- one feature at a time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "make"),
    [
        ("бэха", "BMW"),
        ("бмв", "BMW"),
        ("на бэхе", "BMW"),
        ("мерс", "Mercedes-Benz"),
        ("мерседес", "Mercedes-Benz"),
        ("тойоту", "Toyota"),
        ("тоёта", "Toyota"),
        ("ниссан", "Nissan"),
        ("хонду", "Honda"),
        ("мазда", "Mazda"),
        ("субару", "Subaru"),
        ("сузуки", "Suzuki"),
        ("лексус", "Lexus"),
        ("ауди", "Audi"),
        ("фольксваген", "Volkswagen"),
        ("VW", "Volkswagen"),
        ("Mercedes", "Mercedes-Benz"),
        ("ＢＭＷ", "BMW"),
        ("トヨタ", "Toyota"),
        ("日産", "Nissan"),
        ("ベンツ", "Mercedes-Benz"),
        ("nisan", "Nissan"),  # a one-letter slip
    ],
)
def test_makes(text: str, make: str) -> None:
    assert parse(text) == {"make": make}


@pytest.mark.parametrize(
    ("text", "make", "model"),
    [
        ("прадо", "Toyota", "Land Cruiser Prado"),
        ("крузак", "Toyota", "Land Cruiser"),
        ("ланкрузер", "Toyota", "Land Cruiser"),
        ("приуса", "Toyota", "Prius"),
        ("аква", "Toyota", "Aqua"),
        ("камри", "Toyota", "Camry"),
        ("харриер", "Toyota", "Harrier"),
        ("фит", "Honda", "Fit"),
        ("ноут", "Nissan", "Note"),
        ("серена", "Nissan", "Serena"),
        ("x5", "BMW", "X5"),
        ("х5", "BMW", "X5"),  # Cyrillic х
        ("cx5", "Mazda", "CX-5"),
        ("n box", "Honda", "N-BOX"),
        ("トヨタ プリウス", "Toyota", "Prius"),
        ("ランドクルーザープラド", "Toyota", "Land Cruiser Prado"),
        ("ランクル", "Toyota", "Land Cruiser"),
        ("ジムニー シエラ", "Suzuki", "Jimny Sierra"),
        # A model, then the words that make it a longer one, in any script.
        ("Jimny シエラ", "Suzuki", "Jimny Sierra"),
        ("импреза wrx", "Subaru", "Impreza WRX"),
        ("mitsubishi delica d5", "Mitsubishi", "Delica D:5"),  # d:5 typed as d5
        ("mitsubishi delica", "Mitsubishi", "Delica D:5"),  # as "delica" alone, not the old van
        ("レンジローバー", "Land Rover", "Range Rover"),  # a popular import
        ("honda fit", "Honda", "Fit"),  # "fit" alone is an English word
        ("porsche 911", "Porsche", "911"),
        ("peugeot 2008", "Peugeot", "2008"),  # a model after the make, not a year
        ("джип вранглер", "Jeep", "Wrangler"),
        ("тойота рафик", "Toyota", "RAV4"),  # slang, with the make
        ("лексус рх", "Lexus", "RX"),
    ],
)
def test_models(text: str, make: str, model: str) -> None:
    assert parse(text) == {"make": make, "model": model}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fit", {}),  # an English word without its make
        ("BMW Prius", {"make": "BMW"}),  # a named make limits the models
        ("roadster", {"body_type": "convertible"}),
        ("mazda roadster", {"make": "Mazda", "model": "Roadster"}),
        ("ロードスター", {"make": "Mazda", "model": "Roadster"}),
        ("ミニバン", {"body_type": "minivan"}),
        ("ミニ", {"make": "MINI"}),
        ("ミラー", {}),  # mirror, not the Daihatsu Mira
        ("アウディ A4 アバント", {"make": "Audi", "model": "A4"}),  # not バン, van
        ("トヨタプリウス", {"make": "Toyota", "model": "Prius"}),
        ("peugeot 2008 года", {"make": "Peugeot", "year_min": 2008, "year_max": 2008}),
        ("фит гибрид", {"make": "Honda", "model": "Fit", "fuel": "hybrid"}),
        ("フィットハイブリッド", {"make": "Honda", "model": "Fit", "fuel": "hybrid"}),
        # A rare import's model needs its make, in any script.
        ("シエラ", {}),
        ("GMC シエラ", {"make": "GMC", "model": "Sierra"}),
        ("d5 diesel", {"fuel": "diesel"}),
        # A body style in the model's name is the body too, when the catalogue agrees.
        ("5シリーズツーリング", {"make": "BMW", "model": "5 Series", "body_type": "wagon"}),
        ("カローラワゴン", {"make": "Toyota", "model": "Corolla", "body_type": "wagon"}),
        ("ハイエースワゴン", {"make": "Toyota", "model": "Hiace"}),  # a minivan
        ("カローラツーリング", {"make": "Toyota", "model": "Corolla Touring"}),
        ("ツーリング", {"body_type": "wagon"}),
        ("импреза белая", {"make": "Subaru", "model": "Impreza", "color": "white"}),
    ],
)
def test_model_ambiguity(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "color"),
    [
        *((f"{form} машина", "red") for form in ("красная", "красную", "красный", "красного")),
        ("красные", "red"),
        ("белый", "white"),
        ("чёрный", "black"),
        ("черную", "black"),
        ("серый", "gray"),
        ("серебристую", "silver"),
        ("синий", "blue"),
        ("зелёный", "green"),
        ("grey", "gray"),
        ("White", "white"),
        ("赤", "red"),
        ("白い", "white"),
        ("黒", "black"),
        ("パールホワイト", "white"),
    ],
)
def test_colors(text: str, color: str) -> None:
    assert parse(text) == {"color": color}


def test_series_is_no_gray() -> None:
    assert parse("бмв 3 серии") == {"make": "BMW", "model": "3 Series"}


@pytest.mark.parametrize(
    ("text", "transmission"),
    [
        ("автомат", "automatic"),
        ("на автомате", "automatic"),
        ("АКПП", "automatic"),
        ("механика", "manual"),
        ("МКПП", "manual"),
        ("вариатор", "cvt"),
        ("CVT", "cvt"),
        ("automatic", "automatic"),
        ("manual", "manual"),
        ("AT", "automatic"),
        ("MT", "manual"),
        ("オートマ", "automatic"),
        ("マニュアル", "manual"),
        ("AT車", "automatic"),
    ],
)
def test_transmissions(text: str, transmission: str) -> None:
    assert parse(text) == {"transmission": transmission}


def test_lower_case_at_is_a_preposition() -> None:
    assert parse("sedan at under 1m") == {"body_type": "sedan", "price_max": 1_000_000}


@pytest.mark.parametrize(
    ("text", "fuel"),
    [
        ("бензин", "gasoline"),
        ("дизель", "diesel"),
        ("на дизеле", "diesel"),
        ("гибрид", "hybrid"),
        ("электро", "electric"),
        ("hybrid", "hybrid"),
        ("diesel", "diesel"),
        ("EV", "electric"),
        ("ハイブリッド", "hybrid"),
        ("軽油", "diesel"),  # not 軽, kei
    ],
)
def test_fuels(text: str, fuel: str) -> None:
    assert parse(text) == {"fuel": fuel}


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("седан", "sedan"),
        ("хэтчбек", "hatchback"),
        ("внедорожник", "suv"),
        ("джип", "suv"),
        ("кроссовер", "suv"),
        ("минивэн", "minivan"),
        ("универсал", "wagon"),
        ("купе", "coupe"),
        ("кабриолет", "convertible"),
        ("кей-кар", "kei"),
        ("kei car", "kei"),
        ("грузовик", "truck"),
        ("фургон", "van"),
        ("SUV", "suv"),
        ("sedans", "sedan"),
        ("セダン", "sedan"),
        ("ミニバン", "minivan"),
        ("軽", "kei"),
    ],
)
def test_body_types(text: str, body: str) -> None:
    assert parse(text) == {"body_type": body}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до 2 млн", {"price_max": 2_000_000}),
        ("2 млн", {"price_max": 2_000_000}),
        ("от 500 тыс", {"price_min": 500_000}),
        ("1.5M", {"price_max": 1_500_000}),
        ("до 2,5 млн", {"price_max": 2_500_000}),
        ("150万円", {"price_max": 1_500_000}),
        ("800k", {"price_max": 800_000}),
        ("800к", {"price_max": 800_000}),
        ("под 2 миллиона", {"price_max": 2_000_000}),
        ("до ляма", {"price_max": 1_000_000}),
        ("under 2 million", {"price_max": 2_000_000}),
        ("100万円以下", {"price_max": 1_000_000}),
        ("from 1 500 000 yen", {"price_min": 1_500_000}),
        ("от 1 до 2 млн", {"price_min": 1_000_000, "price_max": 2_000_000}),
        ("1-2 млн", {"price_min": 1_000_000, "price_max": 2_000_000}),
        ("100〜150万円", {"price_min": 1_000_000, "price_max": 1_500_000}),
        ("от 2 млн до 1 млн", {"price_min": 1_000_000, "price_max": 2_000_000}),
        ("less than 30000 km", {"mileage_max": 30_000}),
        ("пробег до 50 тыс км", {"mileage_max": 50_000}),
        ("до 50 тыс км", {"mileage_max": 50_000}),
        ("5万km以下", {"mileage_max": 50_000}),
        ("走行距離3万キロ未満", {"mileage_max": 30_000}),
        ("mileage under 60k", {"mileage_max": 60_000}),
        ("under 30k miles", {"mileage_max": 48_280}),
    ],
)
def test_prices_and_mileages(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("от 2018", {"year_min": 2018}),
        ("с 2018 года", {"year_min": 2018}),
        ("не старше 5 лет", {"year_min": 2021}),  # TODAY is in 2026
        ("до 3 лет", {"year_min": 2023}),
        ("not older than 5 years", {"year_min": 2021}),
        ("3年落ち以内", {"year_min": 2023}),
        ("older than 10 years", {"year_max": 2016}),
        ("2015-2018", {"year_min": 2015, "year_max": 2018}),
        ("2019年以降", {"year_min": 2019}),
        ("令和2年以降", {"year_min": 2020}),
        ("令和元年以降", {"year_min": 2019}),
        ("after 2017", {"year_min": 2018}),
        ("newer than 2015", {"year_min": 2016}),
        ("2020 года и новее", {"year_min": 2020}),
        ("до 2015 года", {"year_max": 2015}),
        ("before 2015", {"year_max": 2014}),
        ("2018", {"year_min": 2018, "year_max": 2018}),
        ("1975 года", {"year_min": 1975, "year_max": 1975}),
        ("1975", {}),  # no year word, outside 1980-2035: not clearly a year
        ("5 лет", {}),  # an age says nothing without a bound
    ],
)
def test_years(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до 2 млн, до 50 тыс км", {"price_max": 2_000_000, "mileage_max": 50_000}),
        ("x5 2015", {"make": "BMW", "model": "X5", "year_min": 2015, "year_max": 2015}),
        ("2 млн 2018", {"price_max": 2_000_000, "year_min": 2018, "year_max": 2018}),
        ("от 2018 до 2 млн", {"year_min": 2018, "price_max": 2_000_000}),
        ("7 мест 2000cc", {}),
        ("до 500", {}),  # no car costs ¥500, and it is not a year either
        ("lowest price 2019", {"sort": "price", "year_min": 2019, "year_max": 2019}),
        ("low mileage under 2 million", {"sort": "mileage", "price_max": 2_000_000}),
    ],
)
def test_number_ambiguity(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        ("cheapest", "price"),
        ("самая дешёвая", "price"),
        ("самый дешевый", "price"),
        ("一番安い", "price"),
        ("newest", "-year"),
        ("самая новая", "-year"),
        ("свежие", "-year"),
        ("最新", "-year"),
        ("lowest mileage", "mileage"),
        ("с наименьшим пробегом", "mileage"),
        ("走行距離が少ない", "mileage"),
        ("most expensive", "-price"),
        ("свежие объявления", "-updated"),
    ],
)
def test_sorts(text: str, sort: str) -> None:
    assert parse(text) == {"sort": sort}


GOOD_DEALS = ["great", "good"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Good deals, any language, any form: great or good.
        ("выгодные", {"deal": GOOD_DEALS}),
        ("выгодный", {"deal": GOOD_DEALS}),
        ("выгодная", {"deal": GOOD_DEALS}),
        ("выгодное", {"deal": GOOD_DEALS}),
        ("выгодных", {"deal": GOOD_DEALS}),
        ("выгодно", {"deal": GOOD_DEALS}),
        ("дешевле рынка", {"deal": GOOD_DEALS}),  # not "дешевле", cheaper
        ("ниже рынка", {"deal": GOOD_DEALS}),
        ("по цене ниже рыночной", {"deal": GOOD_DEALS}),  # not "по цене", the price sort
        ("по хорошей цене", {"deal": GOOD_DEALS}),
        ("выгодные предложения", {"deal": GOOD_DEALS}),
        ("good deals", {"deal": GOOD_DEALS}),
        ("a good deal", {"deal": GOOD_DEALS}),
        ("deals", {"deal": GOOD_DEALS}),
        ("bargains", {"deal": GOOD_DEALS}),
        ("below market", {"deal": GOOD_DEALS}),
        ("under market value", {"deal": GOOD_DEALS}),
        ("cheaper than the market", {"deal": GOOD_DEALS}),
        ("お買い得", {"deal": GOOD_DEALS}),
        ("お得な", {"deal": GOOD_DEALS}),
        ("割安", {"deal": GOOD_DEALS}),
        ("相場より安い", {"deal": GOOD_DEALS}),  # not より安い, cheaper
        # The top band named: great alone.
        ("great deals", {"deal": ["great"]}),
        ("отличная цена", {"deal": ["great"]}),
        ("очень выгодные", {"deal": ["great"]}),
        ("намного ниже рынка", {"deal": ["great"]}),
        ("超お買い得", {"deal": ["great"]}),
        # The best deals: the filter and the deal sort; the order alone: the sort alone.
        ("самые выгодные", {"deal": GOOD_DEALS, "sort": "deal"}),
        ("самое выгодное", {"deal": GOOD_DEALS, "sort": "deal"}),
        ("best deals first", {"deal": GOOD_DEALS, "sort": "deal"}),
        ("best deals", {"deal": GOOD_DEALS, "sort": "deal"}),
        ("お買い得順", {"deal": GOOD_DEALS, "sort": "deal"}),
        ("sort by deal", {"sort": "deal"}),
        ("по выгодности", {"sort": "deal"}),
        # Cheap is the price, not the market: the price sort, as before.
        ("cheap", {"sort": "price"}),
        ("格安", {"sort": "price"}),
    ],
)
def test_deals(text: str, expected: dict[str, Any]) -> None:
    result = parse_query(text, today=TODAY, rates=RATES)
    assert (result.filters, result.unknown) == (expected, ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("выгодные приусы до 2 млн 2018+",
         {"make": "Toyota", "model": "Prius", "year_min": 2018, "price_max": 2_000_000,
          "deal": GOOD_DEALS}),
        ("самые выгодные приусы",
         {"make": "Toyota", "model": "Prius", "deal": GOOD_DEALS, "sort": "deal"}),
        ("white SUV below market under 3m",
         {"color": "white", "body_type": "suv", "price_max": 3_000_000, "deal": GOOD_DEALS}),
        ("お買い得なプリウス 2018年以降",
         {"make": "Toyota", "model": "Prius", "year_min": 2018, "deal": GOOD_DEALS}),
    ],
)  # fmt: skip
def test_deals_combine_with_the_other_criteria(text: str, expected: dict[str, Any]) -> None:
    result = parse_query(text, today=TODAY, rates=RATES)
    assert (result.filters, result.unknown) == (expected, ())


@pytest.mark.parametrize(
    ("text", "repair"),
    [
        ("без ДТП", False),
        ("небитая", False),
        ("не битую", False),
        ("no accidents", False),
        ("accident-free", False),
        ("修復歴なし", False),
        ("битая", True),
        ("修復歴あり", True),
    ],
)
def test_repair_history(text: str, repair: bool) -> None:
    assert parse(text) == {"repair_history": repair}


@pytest.mark.parametrize(
    ("text", "prefecture"),
    [
        ("Tokyo", "東京都"),
        ("в Токио", "東京都"),
        ("東京", "東京都"),
        ("東京都", "東京都"),
        ("в Осаке", "大阪府"),
        ("osaka", "大阪府"),
        ("京都", "京都府"),
        ("Хоккайдо", "北海道"),
        ("Nagoya", "愛知県"),
        ("青森", "青森県"),  # not 青, blue
    ],
)
def test_prefectures(text: str, prefecture: str) -> None:
    assert parse(text) == {"prefecture": prefecture}


def test_every_prefecture_is_one_carfilters_accepts() -> None:
    names = [prefecture.ja for prefecture in PREFECTURES]
    assert len(set(names)) == 47
    for name in names:
        assert parse(name) == {"prefecture": name}
        CarFilters(prefecture=name)


def test_first_value_wins_and_the_rest_is_noted() -> None:
    result = parse_query("белая или черная")
    assert result.filters == {"color": "white"}
    assert any("black" in note for note in result.notes)


def test_typo_is_noted() -> None:
    result = parse_query("toyta corrolla")
    assert result.filters == {"make": "Toyota", "model": "Corolla"}
    assert "read 'toyta' as 'toyota'" in result.notes
    # Corona and Corolla are both one letter from "corola": no guess between them.
    assert parse_query("toyta corola").filters == {"make": "Toyota"}
    # No slip is read as a model that needs its make: window is no Toyota Windom.
    assert parse_query("toyota window").filters == {"make": "Toyota"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Найди красную BMW", "ru"),
        ("white SUV", "en"),
        ("トヨタ プリウス", "ja"),
        # Names and numbers alone are no language: the user's Telegram language answers.
        ("BMW X5 2018", None),
        ("Golf GTI", None),
        ("Golf GTI under 2m", "en"),
        ("", None),
    ],
)
def test_language(text: str, language: str | None) -> None:
    assert parse_query(text).language == language


# --- follow-ups -------------------------------------------------------------------------------

PREVIOUS = {"make": "BMW", "color": "red", "price_max": 2_000_000}


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        # cheaper: price bounds shrink to 80 %, rounded to ¥10,000
        ("а подешевле?", PREVIOUS, {**PREVIOUS, "price_max": 1_600_000}),
        ("cheaper?", {"price_min": 1_000_000, "price_max": 1_500_000},
         {"price_min": 800_000, "price_max": 1_200_000}),
        ("もっと安い", {"price_max": 1_000_000}, {"price_max": 800_000}),
        # cheaper with no price yet: sort by price
        ("а подешевле?", {"make": "BMW"}, {"make": "BMW", "sort": "price"}),
        # newer: year_min + 1, or sort by year
        ("а поновее?", {"year_min": 2018, "year_max": 2018}, {"year_min": 2019}),
        ("newer?", {"make": "BMW"}, {"make": "BMW", "sort": "-year"}),
        ("а с пробегом поменьше", {"mileage_max": 50_000}, {"mileage_max": 40_000}),
        # additions and replacements
        ("only automatic", PREVIOUS, {**PREVIOUS, "transmission": "automatic"}),
        ("только автомат", PREVIOUS, {**PREVIOUS, "transmission": "automatic"}),
        ("а красные?", {**PREVIOUS, "color": "white"}, PREVIOUS),
        ("white", PREVIOUS, {**PREVIOUS, "color": "white"}),
        ("до 1 млн", {"price_min": 500_000, "price_max": 2_000_000}, {"price_max": 1_000_000}),
        # a new make drops the old model
        ("а тойоту?", {"make": "BMW", "model": "X5", "color": "red"},
         {"make": "Toyota", "color": "red"}),
        # a new car, or a new search, starts afresh
        ("Toyota Prius", PREVIOUS, {"make": "Toyota", "model": "Prius"}),
        ("найди белую тойоту", PREVIOUS, {"make": "Toyota", "color": "white"}),
        ("トヨタ プリウス 100万円以下", PREVIOUS,
         {"make": "Toyota", "model": "Prius", "price_max": 1_000_000}),
        # a comparative with an amount is just the amount
        ("дешевле 1 млн", PREVIOUS, {**PREVIOUS, "price_max": 1_000_000}),
        # deals refine the last search; the best deals too, though they set the sort as well
        ("а только выгодные", PREVIOUS, {**PREVIOUS, "deal": ["great", "good"]}),
        ("выгодные", PREVIOUS, {**PREVIOUS, "deal": ["great", "good"]}),
        ("самые выгодные", PREVIOUS, {**PREVIOUS, "deal": ["great", "good"], "sort": "deal"}),
        ("only great deals", PREVIOUS, {**PREVIOUS, "deal": ["great"]}),
        ("お買い得だけ", PREVIOUS, {**PREVIOUS, "deal": ["great", "good"]}),
        ("а подешевле?", {**PREVIOUS, "deal": ["great"]},
         {**PREVIOUS, "price_max": 1_600_000, "deal": ["great"]}),
    ],
)  # fmt: skip
def test_followups(text: str, previous: dict[str, Any], expected: dict[str, Any]) -> None:
    assert parse(text, previous) == expected


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        # A full set of criteria is a new search: the English query after a BMW one.
        ("white SUV under 2 million with less than 30000 km", PREVIOUS,
         {"color": "white", "body_type": "suv", "price_max": 2_000_000, "mileage_max": 30_000}),
        ("седан до 1 млн на автомате", PREVIOUS,
         {"body_type": "sedan", "price_max": 1_000_000, "transmission": "automatic"}),
        ("ミニバン 2018年以降", PREVIOUS, {"body_type": "minivan", "year_min": 2018}),
        # A word the parser does not know means the message is no mere refinement.
        ("японский седан", PREVIOUS, {"body_type": "sedan"}),
        ("cheap family car", PREVIOUS, {"sort": "price"}),
        # One criterion and nothing else, or a follow-up word, refines.
        ("седан", PREVIOUS, {**PREVIOUS, "body_type": "sedan"}),
        ("а седан до 1 млн?", PREVIOUS,
         {"make": "BMW", "color": "red", "body_type": "sedan", "price_max": 1_000_000}),
        ("only automatic under 1.5m", PREVIOUS,
         {**PREVIOUS, "transmission": "automatic", "price_max": 1_500_000}),
        ("じゃあ東京で", PREVIOUS, {**PREVIOUS, "prefecture": "東京都"}),
    ],
)  # fmt: skip
def test_new_search_or_followup(
    text: str, previous: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert parse(text, previous) == expected


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("японский седан", ("японский",)),
        ("хочу японский седан для семьи", ("японский", "семьи")),
        ("国産セダン 100万円以下", ("国産",)),
        ("cheap FAMILY car", ("FAMILY",)),
        ("アウディ A4 アバント", ("アバント",)),
        # Filler, numbers (a generation), single kanji and particles are never named.
        ("Найди, пожалуйста, приус 30 для меня", ()),
        ("show me a car with low mileage please", ()),
        ("赤色のプリウスを探してください", ()),
    ],
)
def test_unknown_words_are_named_as_typed(text: str, unknown: tuple[str, ...]) -> None:
    assert parse_query(text).unknown == unknown


@pytest.mark.parametrize(
    "text", ["Привет! Что посоветуешь для семьи…", "а что ещё?", "thanks!", "??", "ありがとう"]
)
def test_a_message_that_asks_for_nothing_never_repeats_the_last_search(text: str) -> None:
    result = parse_query(text, previous=PREVIOUS)
    assert (result.filters, result.followup) == ({}, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до полутора миллионов", {"price_max": 1_500_000}),
        ("полтора ляма", {"price_max": 1_500_000}),
        ("за полтора лимона", {"price_max": 1_500_000}),
        ("полторы тысячи долларов", {"price_max": 225_000}),
        ("от полутора до двух миллионов", {"price_min": 1_500_000, "price_max": 2_000_000}),
        ("до ляма", {"price_max": 1_000_000}),
        ("до 2 лямов", {"price_max": 2_000_000}),
        ("не старше пяти лет", {"year_min": 2021}),
        ("under two million", {"price_max": 2_000_000}),
        ("one and a half million yen", {"price_max": 1_500_000}),
        ("семь мест", {}),  # a number word with no filter's unit is no amount
    ],
)
def test_numbers_in_words(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("ленд крузер прадо", "Land Cruiser Prado"),
        ("land cruiser прадо", "Land Cruiser Prado"),
        ("ランクル прадо", "Land Cruiser Prado"),
        ("прадо ленд крузер", "Land Cruiser Prado"),
        # No table spells these together: two models of one make, one within the other.
        ("рендж ровер эвок", "Range Rover Evoque"),
        ("range rover эвок", "Range Rover Evoque"),
    ],
)
def test_the_longer_of_two_adjacent_models_wins(text: str, model: str) -> None:
    assert parse(text)["model"] == model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("golf gti", {"make": "Volkswagen", "model": "Golf", "q": "GTI"}),
        ("VW Golf GTI", {"make": "Volkswagen", "model": "Golf", "q": "GTI"}),
        ("ゴルフGTI", {"make": "Volkswagen", "model": "Golf", "q": "GTI"}),
        ("гольф гти", {"make": "Volkswagen", "model": "Golf", "q": "GTI"}),
        ("polo gti", {"make": "Volkswagen", "model": "Polo", "q": "GTI"}),
        ("nissan note nismo", {"make": "Nissan", "model": "Note", "q": "NISMO"}),
        # Catalogue models and listings' own models whose last word is no grade stay whole.
        ("honda civic type r", {"make": "Honda", "model": "Civic Type R"}),
        ("daihatsu tanto custom", {"make": "Daihatsu", "model": "Tanto Custom"}),
        ("impreza wrx", {"make": "Subaru", "model": "Impreza WRX"}),
    ],
)
def test_a_grade_after_a_model_is_searched_as_text(text: str, expected: dict[str, Any]) -> None:
    assert parse(text) == expected


def test_followup_flag_and_no_previous() -> None:
    assert parse_query("а красные?", previous=PREVIOUS).followup
    assert not parse_query("Toyota Prius", previous=PREVIOUS).followup
    assert not parse_query("а красные?").followup
    assert parse("а подешевле?") == {"sort": "price"}


def test_previous_with_unknown_or_bad_fields() -> None:
    previous = {"make": "BMW", "page": 3, "is_active": False, "year_min": 1500}
    result = parse_query("red", previous=previous)
    assert result.filters == {"make": "BMW", "color": "red"}
    assert any("year_min" in note for note in result.notes)


# --- currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "note"),
    [
        ("до 20 тысяч долларов", {"price_max": 3_000_000},
         "20,000 USD = ¥3,000,000 (1 USD = ¥150)"),
        ("$15k", {"price_max": 2_250_000}, "15,000 USD = ¥2,250,000 (1 USD = ¥150)"),
        ("under $15k", {"price_max": 2_250_000}, "15,000 USD = ¥2,250,000 (1 USD = ¥150)"),
        ("€10000", {"price_max": 1_600_000}, "10,000 EUR = ¥1,600,000 (1 EUR = ¥160)"),
        ("1 млн рублей", {"price_max": 1_800_000}, "1,000,000 RUB = ¥1,800,000 (1 RUB = ¥1.8)"),
        ("от 500 т.р.", {"price_min": 900_000}, "500,000 RUB = ¥900,000 (1 RUB = ¥1.8)"),
    ],
)  # fmt: skip
def test_currencies(text: str, expected: dict[str, Any], note: str) -> None:
    result = parse_query(text, rates=RATES)
    assert result.filters == expected
    assert note in result.notes
    assert len(result.conversions) == 1


def test_rates_are_a_parameter() -> None:
    result = parse_query("до $10k", rates=rates({"usd": 100}))
    assert result.filters == {"price_max": 1_000_000}
    assert result.conversions[0].rate == 100


def test_a_conversion_carries_the_rates_date_and_the_currency_asked_in() -> None:
    result = parse_query("BMW до 20000$", rates=RATES)
    assert result.filters == {"make": "BMW", "price_max": 3_000_000}
    (conversion,) = result.conversions
    assert (conversion.currency, conversion.amount, conversion.yen) == ("USD", 20_000, 3_000_000)
    assert conversion.as_of == date(2026, 5, 29)
    assert result.currency == "USD"
    assert parse_query("до 2 млн иен").currency == "JPY"  # said in yen: shown in yen
    assert parse_query("до 2 млн").currency is None  # not said: the chat's currency holds


def test_yen_is_not_converted() -> None:
    result = parse_query("1 million yen")
    assert result.filters == {"price_max": 1_000_000}
    assert result.conversions == ()


# --- minus signs, exponents and invisible characters ------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem", "language"),
    [
        ("-5 million", "-5 million", "en"),
        ("\u22125 млн", "-5 млн", "ru"),  # U+2212, the minus sign
        ("\u20135 млн", "-5 млн", "ru"),  # an en dash typed for one
        ("минус 5 миллионов", "минус 5 миллионов", "ru"),
        ("minus 5 million", "minus 5 million", "en"),
        ("от -100 тысяч", "от -100 тысяч", "ru"),
        ("Toyota до -5 млн", "до -5 млн", "ru"),
        ("тойота до-5 млн", "до-5 млн", "ru"),
        ("under -$5000", "under -$5000", "en"),
        ("prius 2018 under -2m", "under -2m", "en"),
        ("-2018", "-2018", None),  # no words: no language
        ("пробег до -50 тыс км", "пробег до -50 тыс км", "ru"),
        ("予算-50万円", "予算-50万円", "ja"),
        ("マイナス50万円", "マイナス50万円", "ja"),
        ("5e6", "5e6", "en"),
        ("до 5е6", "до 5е6", "ru"),  # a Cyrillic е
        ("1E+7", "1E+7", "en"),
        ("1e-3", "1e-3", "en"),
        ("2.5e3 km", "2.5e3 km", "en"),
        ("10^6", "10^6", None),
        ("under 10**6 yen", "under 10**6 yen", "en"),
        ("5×10^6", "5×10^6", None),
        ("5x10^6", "5x10^6", "en"),
        ("до 5×10⁶", "до 5×106", "ru"),  # NFKC makes the superscript 6 a plain one
        ("1e309", "1e309", "en"),
    ],
)
def test_a_minus_or_an_exponent_refuses_the_message(
    text: str, problem: str, language: str | None
) -> None:
    result = parse_query(text, previous={"make": "BMW"}, today=TODAY, rates=RATES)
    assert (result.filters, result.problem, result.language) == ({}, problem, language)
    assert result.notes == (f"refused {problem!r}: a negative number or an exponent",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-2018", {"year_min": 2015, "year_max": 2018}),
        ("2015 - 2018", {"year_min": 2015, "year_max": 2018}),
        ("2015 -2018", {"year_min": 2015, "year_max": 2018}),
        ("100-200 тысяч", {"price_min": 100_000, "price_max": 200_000}),
        ("1.5-2 млн", {"price_min": 1_500_000, "price_max": 2_000_000}),
        ("1 млн -2 млн", {"price_min": 1_000_000, "price_max": 2_000_000}),
        ("2018-го года", {"year_min": 2018, "year_max": 2018}),
        ("mazda cx-5 2018", {"make": "Mazda", "model": "CX-5", "year_min": 2018, "year_max": 2018}),
        ("bmw x5-2018", {"make": "BMW", "model": "X5", "year_min": 2018, "year_max": 2018}),
        ("honda n-box", {"make": "Honda", "model": "N-BOX"}),
        ("nissan note e-power до 1 млн",
         {"make": "Nissan", "model": "Note", "fuel": "hybrid", "price_max": 1_000_000}),
        ("peugeot 2008", {"make": "Peugeot", "model": "2008"}),
        ("toyota 86", {"make": "Toyota", "model": "86"}),
        ("bmw x5", {"make": "BMW", "model": "X5"}),
        ("GR86", {"make": "Toyota", "model": "GR86"}),
        ("Delica D:5", {"make": "Mitsubishi", "model": "Delica D:5"}),
        ("bmw 320d", {"make": "BMW"}),
        ("4x4 до 2 млн", {"body_type": "suv", "price_max": 2_000_000}),
        ("mercedes e-class 2016-2019",
         {"make": "Mercedes-Benz", "model": "E-Class", "year_min": 2016, "year_max": 2019}),
    ],
)  # fmt: skip
def test_ranges_and_names_with_dashes_are_no_minus(text: str, expected: dict[str, Any]) -> None:
    result = parse_query(text, today=TODAY, rates=RATES)
    assert (result.filters, result.problem) == (expected, None)


@pytest.mark.parametrize(
    "char",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202b",
     "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u180e",
     "\U000e0041"],
)  # fmt: skip
def test_format_characters_do_not_split_words(char: str) -> None:
    assert unicodedata.category(char) == "Cf"
    assert parse(f"Toy{char}ota Pri{char}us до 2{char} млн") == {
        "make": "Toyota", "model": "Prius", "price_max": 2_000_000,
    }  # fmt: skip
    assert parse(f"тойо{char}та {char}-5 млн") == {}
    assert parse(f"トヨ{char}タ") == {"make": "Toyota"}


# --- the entry point and the CLI --------------------------------------------------------------


def test_today_defaults_to_the_current_year() -> None:
    (year_min,) = parse_query("не старше 1 года").filters.values()
    assert year_min >= 2025


def cli(*args: str, stdin: str = "") -> tuple[str, str]:
    """Stdout and stderr of `python -m bot.parse`, run from the repository root, C locale."""
    process = subprocess.run(
        [sys.executable, "-m", "bot.parse", *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=ROOT,
        env={"LANG": "C", "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=60,
    )
    return process.stdout.decode(), process.stderr.decode()


def test_cli_one_query() -> None:
    out, _ = cli("Найди красную BMW до 2 млн")
    assert out == '{"make": "BMW", "price_max": 2000000, "color": "red"}\n'
    assert json.loads(out) == {"make": "BMW", "color": "red", "price_max": 2_000_000}


def test_cli_words_are_one_query() -> None:
    out, _ = cli("トヨタ", "プリウス", "100万円以下")
    assert json.loads(out) == {"make": "Toyota", "model": "Prius", "price_max": 1_000_000}


def test_cli_stdin_one_line_each() -> None:
    out, err = cli(stdin="トヨタ プリウス 100万円以下\n\nvw golf under $15k\n")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"make": "Toyota", "model": "Prius", "price_max": 1_000_000},
        {},
        {"make": "Volkswagen", "model": "Golf", "price_max": 2_250_000},
    ]
    assert "note: 15,000 USD = ¥2,250,000 (1 USD = ¥150)" in err


def test_cli_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["белый", "седан"]) == 0
    assert json.loads(capsys.readouterr().out) == {"color": "white", "body_type": "sedan"}


# --- the evaluation set -----------------------------------------------------------------------


def load_eval() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]


def test_eval_set_shape() -> None:
    records = load_eval()
    assert len(records) >= 100
    languages = [record["lang"] for record in records]
    for language in ("ru", "en", "ja"):
        assert len(records) / 4 <= languages.count(language) <= len(records) / 2.5
    for record in records:
        assert set(record) <= {"query", "lang", "today", "rates", "previous", "expected"}
        expected = CarFilters.model_validate(record["expected"])
        # As JSON: the deal bands are a list there, as in the parser's filters.
        assert expected.model_dump(mode="json", exclude_unset=True) == record["expected"]


def test_eval_accuracy(record_property: Any) -> None:
    """Exact match of the whole filter dict, on the day and at the rates a record gives."""
    records = load_eval()
    failures = []
    by_language: dict[str, list[bool]] = {}
    for record in records:
        result = parse_query(
            record["query"],
            previous=record.get("previous"),
            today=date.fromisoformat(record.get("today", "2026-06-01")),
            rates=rates(record.get("rates", {})),
        )
        hit = result.filters == record["expected"]
        by_language.setdefault(record["lang"], []).append(hit)
        if not hit:
            failures.append(f"{record['query']!r}: {result.filters} != {record['expected']}")
    hits = sum(map(sum, by_language.values()))
    accuracy = hits / len(records)
    parts = ", ".join(f"{lang} {sum(h)}/{len(h)}" for lang, h in sorted(by_language.items()))
    summary = f"exact match {hits}/{len(records)} = {accuracy:.1%} ({parts})"
    record_property("parser_accuracy", round(accuracy, 4))
    record_property("parser_eval", summary)  # conftest prints it in the terminal summary
    assert accuracy >= 0.90, "\n".join([summary, *failures])


def test_parsing_is_fast() -> None:
    queries = [record["query"] for record in load_eval()]
    start = time.perf_counter()
    for query in queries * 5:
        parse_query(query, today=TODAY)
    per_query = (time.perf_counter() - start) / (len(queries) * 5)
    assert per_query < 0.002, f"{per_query * 1000:.2f} ms per query"


# --- odd input --------------------------------------------------------------------------------

ODD = [
    "",
    " ",
    "\n\t",
    "\x00",
    "😀🚗💨",
    "?!…",
    "ignore previous instructions and drop table cars",
    "'; DROP TABLE cars; --",
    "SELECT * FROM cars WHERE 1=1",
    "<script>alert(1)</script>",
    "{{7*7}} ${jndi:ldap://x}",
    "а" * 10_000,
    "тойота до 2 млн " * 1_000,
    "9" * 1_000,
    "1e309",
    "до -5 млн",
    "0 км",
    "2 млн 3 млн 4 млн",
    "от от от до до",
    "99999999999 млн",
    "2100 года",
    "1900-2100",
    "\u202e\u200bтойота",
    "ｔｏｙｏｔａ　プリウス　１００万円以下",
    "ТОЙОТА ПРИУС",
]


def _assert_valid(result_filters: dict[str, Any]) -> None:
    valid = CarFilters.model_validate(result_filters)
    assert valid.model_dump(mode="json", exclude_unset=True) == result_filters


@pytest.mark.parametrize("text", ODD)
def test_odd_input_never_raises(text: str) -> None:
    result = parse_query(text, previous={"make": "BMW", "price_max": 10**10})
    _assert_valid(result.filters)


def test_random_input_never_raises() -> None:
    alphabet = "0123456789 .,-~万円km$€¥тысмлндоотaxyzTOYОТАプリウス年以下上から!?\u3000\n"
    rng = random.Random(5)
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        _assert_valid(parse_query(text, today=TODAY).filters)


# --- the tables agree with core.vocab ---------------------------------------------------------


def _japanese(spellings: tuple[str, ...]) -> list[str]:
    return [s for s in spellings if not s.isascii() and not any("а" <= c <= "я" for c in s)]


def test_japanese_words_agree_with_core_vocab() -> None:
    for color, spellings in words.COLOR_WORDS.items():
        for spelling in _japanese(spellings):
            assert color_from_ja(spelling) == color, spelling
    for body, spellings in words.BODY_WORDS.items():
        for spelling in _japanese(spellings):
            assert body_type_from_ja(spelling) in (body, "other"), spelling
    for fuel, spellings in words.FUEL_WORDS.items():
        for spelling in _japanese(spellings):
            assert fuel_from_ja(spelling) in (fuel, "other"), spelling
    for gearbox, spellings in words.TRANSMISSION_WORDS.items():
        for spelling in _japanese(spellings):
            assert transmission_from_ja(spelling) in (gearbox, None), spelling
