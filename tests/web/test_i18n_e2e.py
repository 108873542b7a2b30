"""The web app in Russian, end to end: Chromium with the locale ru-RU against the real API.

The browser's language picks Russian with nothing stored: the login page, the table, a filter,
the detail drawer, prefecture names (GET /api/reference's), plurals (1 машина, 3 машины,
25 машин), and prices switched to roubles at the API's rate, with its date. The language
switcher's choice outlives a reload. Screenshots for the docs: docs/images/web-ru-table.png and
docs/images/web-ru-detail-rub.png (1366×900).
"""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy.orm import Session

from api.security import hash_password
from core.db import make_engine
from core.models import User, utcnow
from crawler.storage import car_row, upsert_cars
from tests.factories import listing
from tests.web.support import (
    LOGIN_RU,
    PASSWORD,
    api_get,
    new_page,
    plain,
    require_built_app,
    shot,
    site_fixture,
    wait_until,
)
from tests.web.support import sign_in as support_sign_in

require_built_app()

# Rates the API is configured with: the page must convert with these, not with any of its own.
YEN_PER_RUB = 1.8
RATES_AS_OF = date(2026, 12, 1)
# (make, make_ja, model, model_ja, count): 25 cars, so "25 машин"; 3 Hondas, 1 Nissan.
STOCK = [
    ("Toyota", "トヨタ", "Prius", "プリウス", 21),
    ("Honda", "ホンダ", "Fit", "フィット", 3),
    ("Nissan", "日産", "Note", "ノート", 1),
]
TOTAL = sum(row[4] for row in STOCK)
# Japanese name as stored, and as Russians read it (core/prefectures.py, via /api/reference).
PREFECTURES = {"大阪府": "Осака", "東京都": "Токио", "北海道": "Хоккайдо"}
CITIES = {"大阪府": "大阪市", "東京都": "新宿区", "北海道": "札幌市"}


def seed(url: str) -> None:
    """The admin and TOTAL cars with distinct prices, spread over three prefectures."""
    engine = make_engine(url)
    start = utcnow() - timedelta(days=1)
    n = 0
    with Session(engine) as session:
        session.add(User(username="admin", password_hash=hash_password(PASSWORD)))
        session.commit()
        for make, make_ja, model, model_ja, count in STOCK:
            for i in range(count):
                n += 1
                prefecture = list(PREFECTURES)[n % len(PREFECTURES)]
                item = listing(
                    f"RU{n:04d}",
                    make=make,
                    make_ja=make_ja,
                    model=model,
                    model_ja=model_ja,
                    grade=f"Grade {i + 1}",
                    year=2012 + n % 12,
                    mileage_km=10_000 + n * 3_100,
                    price_jpy=700_000 + n * 91_000,
                    total_price_jpy=800_000 + n * 91_000,
                    color="white" if n % 2 else "black",
                    color_ja="パールホワイト" if n % 2 else "ブラック",
                    body_type="hatchback",
                    transmission="cvt",
                    fuel="hybrid",
                    prefecture=prefecture,
                    city=CITIES[prefecture],
                    image_url=None,
                    photos=None,
                    unparsed={"mileage_km": "1.3万km(メーター交換車)"} if n == 1 else {},
                )
                upsert_cars([car_row(item, now=start + timedelta(minutes=n))], session=session)
        session.commit()
    engine.dispose()


# The API and the SPA on one origin, over the seeded database.
base_url = site_fixture(seed, yen_per_rub=YEN_PER_RUB, rates_as_of=RATES_AS_OF)


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context whose browser speaks Russian, at the docs' screenshot size."""
    with new_page(browser, base_url, "ru-RU") as page:
        yield page


def number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def sign_in(page: Any, path: str = "/") -> None:
    """Sign in through the Russian login page on the way to `path`."""
    support_sign_in(page, path, words=LOGIN_RU)


def wait_idle(page: Any) -> None:
    page.wait_for_selector('[data-testid="cars-table"][aria-busy="false"]')


def test_login_page_speaks_the_browsers_language(page: Any) -> None:
    page.goto("/login")
    page.get_by_role("heading", name="Вход").wait_for()
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.title() == "Склад Carsensor"
    assert page.get_by_test_id("language").input_value() == "ru"
    page.get_by_role("button", name="Войти").click()  # nothing typed
    assert page.get_by_role("alert").inner_text() == "Введите имя пользователя и пароль."
    page.get_by_label("Имя пользователя").fill("admin")
    page.get_by_label("Пароль").fill("not-the-password")
    page.get_by_role("button", name="Войти").click()
    page.get_by_text("Неверное имя пользователя или пароль.").wait_for()


def test_table_in_russian_with_prefectures_and_plurals(page: Any) -> None:
    sign_in(page)
    headers = [plain(h).strip(" \n↕▲▼") for h in page.locator("thead th").all_inner_texts()]
    # The photo and link columns' names are for screen readers (visually hidden).
    assert headers == [
        "Фото", "Машина", "Год", "Пробег", "Полная цена", "Оценка", "Цена машины", "Цвет",
        "Префектура", "Обновлено", "Объявление",
    ]  # fmt: skip
    assert plain(page.get_by_test_id("total").inner_text()) == f"{TOTAL} машин"
    shown = set(page.get_by_test_id("car-prefecture").all_inner_texts())
    assert shown == set(PREFECTURES.values())
    table = plain(page.get_by_test_id("cars-table").inner_text())
    assert "Белый" in table and "Чёрный" in table
    assert re.search(r"\d{1,3}( \d{3})* км", table)  # Intl's Russian kilometres
    assert re.search(r"\d{1,2} [а-я]{3,4}\. 20\d\d г\., \d\d:\d\d", table)  # and dates
    assert plain(page.get_by_test_id("range").inner_text()) == f"1–20 из {TOTAL}"
    wait_idle(page)
    shot(page, "web-ru-table")

    # 21 машина, 3 машины, 1 машина: Intl.PluralRules' Russian forms.
    for make, count, words in [("Toyota", 21, "21 машина"), ("Honda", 3, "3 машины"),
                               ("Nissan", 1, "1 машина")]:  # fmt: skip
        page.get_by_test_id("filter-make").select_option(make)
        page.wait_for_url(re.compile(rf"make={make}"))
        wait_idle(page)
        assert page.get_by_test_id("total").inner_text() == words, count


def test_prefecture_filter_in_russian(page: Any) -> None:
    sign_in(page)
    select = page.get_by_test_id("filter-prefecture")
    assert select.locator("option").first.inner_text() == "Все"
    labels = [re.sub(r" \(\d+\)$", "", t) for t in select.locator("option").all_inner_texts()[1:]]
    assert sorted(labels) == sorted(PREFECTURES.values())
    select.select_option(label=next(t for t in select.locator("option").all_inner_texts()
                                    if t.startswith("Осака")))  # fmt: skip
    # The API filters by the Japanese name; the page shows the Russian one.
    page.wait_for_url(re.compile(r"prefecture="))
    assert parse_qs(urlparse(page.url).query)["prefecture"] == ["大阪府"]
    wait_idle(page)
    assert set(page.get_by_test_id("car-prefecture").all_inner_texts()) == {"Осака"}
    chips = page.get_by_role("list", name="Активные фильтры")
    assert chips.get_by_role("button", name="Убрать фильтр «Префектура»: Осака").count() == 1
    rows = page.get_by_test_id("car-row").count()
    assert number(page.get_by_test_id("total").inner_text()) == rows


def test_detail_drawer_in_russian(page: Any) -> None:
    sign_in(page, "/?sort=price")
    page.get_by_test_id("car-row").first.click()
    drawer = page.get_by_test_id("car-drawer")
    drawer.get_by_test_id("price-chart").wait_for()
    text = plain(drawer.inner_text())
    for words in ["История цены", "Подробности", "Номер объявления", "Коробка передач",
                  "Вариатор", "Гибрид", "Хэтчбек", "Открыть на carsensor"]:  # fmt: skip
        assert words in text, words
    assert "Пробег в объявлении\n1.3万km(メーター交換車)" in text
    location = drawer.get_by_test_id("car-location").inner_text()
    assert location.split(", ")[0] in PREFECTURES.values()
    assert location.split(", ")[1] in CITIES.values()
    assert drawer.get_by_role("button", name="Закрыть подробности").count() == 1


def test_switching_to_roubles_converts_at_the_apis_rate(page: Any) -> None:
    sign_in(page, "/?sort=price")
    rates = api_get(page, "/api/reference")["rates"]
    rate = rates["yen_per"]["RUB"]
    assert (rate, rates["as_of"]) == (YEN_PER_RUB, RATES_AS_OF.isoformat())
    yen = [number(t) for t in page.get_by_test_id("car-total").all_inner_texts()]

    page.get_by_test_id("unit-rub").click()
    wait_until(page, "document.querySelector('[data-testid=car-total]').innerText.includes('₽')")
    roubles = page.get_by_test_id("car-total").all_inner_texts()
    assert all(plain(t).endswith(" ₽") for t in roubles)
    assert [number(t) for t in roubles] == [round(y / rate) for y in yen]
    # The yen the site asks stay beside each converted price, and the rate is named, dated.
    assert [number(t) for t in page.get_by_test_id("car-total-yen").all_inner_texts()] == yen
    note = page.get_by_test_id("rate-note")
    assert plain(note.inner_text()) == "1 ₽ = 1,8 ¥ · 1 дек. 2026 г."
    assert note.get_attribute("title") == "Курс из настроек"

    # A price typed in roubles filters by its yen (the API's unit), and reads back in roubles.
    page.get_by_test_id("filter-price-min").fill("1 000 000")
    page.get_by_test_id("filter-price-min").press("Enter")
    page.wait_for_url(re.compile(r"price_min="))
    assert parse_qs(urlparse(page.url).query)["price_min"] == [str(round(1_000_000 * rate))]
    wait_idle(page)
    assert page.get_by_role("button", name=re.compile("Убрать фильтр «Минимальная цена»")).count()
    chip = plain(page.locator(".chip").first.inner_text())
    assert chip.startswith("≥ 1 000 000 ₽")
    assert all(number(t) >= 1_000_000 for t in page.get_by_test_id("car-total").all_inner_texts())

    page.reload()  # the currency is kept, like the language
    page.get_by_test_id("car-row").first.wait_for()
    assert page.get_by_test_id("unit-rub").get_attribute("aria-pressed") == "true"
    assert page.get_by_test_id("filter-price-min").input_value() == "1000000"

    page.get_by_test_id("car-row").first.click()
    drawer = page.get_by_test_id("car-drawer")
    drawer.get_by_test_id("price-chart").wait_for()
    total_yen = number(drawer.get_by_test_id("drawer-total-yen").inner_text())
    assert number(drawer.get_by_test_id("drawer-total").inner_text()) == round(total_yen / rate)
    assert plain(drawer.get_by_test_id("rate-note").inner_text()) == "1 ₽ = 1,8 ¥ · 1 дек. 2026 г."
    shot(page, "web-ru-detail-rub")


def test_the_language_switch_outlives_a_reload(page: Any) -> None:
    sign_in(page)
    assert page.get_by_role("heading", name="Машины").count() == 1
    page.get_by_test_id("language").select_option("en")
    page.get_by_role("heading", name="Cars").wait_for()
    assert page.get_by_test_id("total").inner_text() == f"{TOTAL} cars"
    assert set(page.get_by_test_id("car-prefecture").all_inner_texts()) == {
        "Osaka", "Tokyo", "Hokkaido",
    }  # fmt: skip
    page.reload()
    page.get_by_test_id("car-row").first.wait_for()
    assert page.get_by_role("heading", name="Cars").count() == 1
    assert page.evaluate("document.documentElement.lang") == "en"

    page.get_by_test_id("language").select_option("ja")
    page.get_by_role("heading", name="車両").wait_for()
    assert page.get_by_test_id("total").inner_text() == f"{TOTAL}台"
    assert set(page.get_by_test_id("car-prefecture").all_inner_texts()) == set(PREFECTURES)
    page.reload()
    page.get_by_test_id("car-row").first.wait_for()
    assert page.get_by_role("heading", name="車両").count() == 1
    assert page.get_by_role("button", name="ログアウト").count() == 1
