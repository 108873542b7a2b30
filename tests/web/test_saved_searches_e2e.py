"""Saved searches and the Telegram link in the web app, end to end, in Russian.

Chromium with the locale ru-RU against the real API serving web/dist, on PostgreSQL and SQLite:
a search saved from the cars page's filters (its name offered in words), listed with its
filters in words, opened (the table shows its cars) and deleted; a Telegram link code that the
test spends as the bot would (core.alerts.link_chat on the database), after which the page says
"linked" by itself; unlinking; and the limit of saved searches said in Russian. Screenshot for
the docs: docs/images/web-ru-saved-searches.png (test-artifacts/web/web-ru-saved-searches.png).
"""

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.security import hash_password
from core import alerts
from core.db import async_session_factory, make_async_engine, make_engine
from core.models import SavedSearch, User, utcnow
from core.settings import Settings
from crawler.storage import car_row, upsert_cars
from tests.factories import listing
from tests.web.support import (
    LOGIN_RU,
    PASSWORD,
    api_get,
    e2e_settings,
    fresh_database,
    new_page,
    plain,
    require_built_app,
    serve,
    shot,
    sign_in,
)

require_built_app()

expect = pytest.importorskip("playwright.sync_api").expect

# (make, make_ja, model, model_ja, total prices in yen): four Priuses at or under 2 000 000 ¥.
STOCK = [
    ("Toyota", "トヨタ", "Prius", "プリウス", [1_200_000, 1_500_000, 1_800_000, 2_000_000,
                                             2_300_000, 2_600_000, 3_000_000, 3_400_000]),
    ("Honda", "ホンダ", "Fit", "フィット", [900_000, 1_100_000, 1_300_000]),
    ("Nissan", "日産", "Note", "ノート", [700_000, 1_600_000]),
]  # fmt: skip
PRIUS_QUERY = "make=Toyota&model=Prius&price_max=2000000"
PRIUS_NAME = "Toyota Prius · до 2 000 000 ¥"
CHAT_ID = 424_242


@dataclass(frozen=True)
class Site:
    """The app's address, and its database's URL (for what the bot and the limit test write)."""

    base_url: str
    database_url: str


def seed(url: str) -> None:
    """The admin and the STOCK, spread over Osaka and Tokyo."""
    engine = make_engine(url)
    start = utcnow() - timedelta(days=1)
    n = 0
    with Session(engine) as session:
        session.add(User(username="admin", password_hash=hash_password(PASSWORD)))
        session.commit()
        for make, make_ja, model, model_ja, prices in STOCK:
            for total in prices:
                n += 1
                item = listing(
                    f"SS{n:04d}",
                    make=make,
                    make_ja=make_ja,
                    model=model,
                    model_ja=model_ja,
                    year=2012 + n % 10,
                    price_jpy=total - 100_000,
                    total_price_jpy=total,
                    prefecture="大阪府" if n % 2 else "東京都",
                    image_url=None,
                    photos=None,
                )
                upsert_cars([car_row(item, now=start + timedelta(minutes=n))], session=session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The API and the SPA on one origin, over a freshly seeded database."""
    with fresh_database(request, tmp_path_factory, request.param) as url:
        seed(url)
        with serve(create_app(e2e_settings(url))) as base:
            yield Site(base, url)


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh context whose browser speaks Russian, at the docs' screenshot size."""
    with new_page(browser, site.base_url, "ru-RU") as page:
        yield page


@pytest.fixture
def database(site: Site) -> Iterator[Session]:
    """A session on the site's database; the saved searches a test leaves are deleted after it."""
    engine = make_engine(site.database_url)
    with Session(engine) as session:
        yield session
        session.execute(delete(SavedSearch))
        session.commit()
    engine.dispose()


def link_as_the_bot(database_url: str, code: str, chat_id: int) -> bool:
    """What the bot does on `/link CODE`: core.alerts.link_chat on an AsyncSession, committed."""

    async def main() -> bool:
        engine = make_async_engine(Settings(database_url=database_url))
        try:
            async with async_session_factory(engine)() as session:
                user = await alerts.link_chat(code, chat_id, session=session)
                await session.commit()
                return user is not None
        finally:
            await engine.dispose()

    # Playwright's sync API keeps an event loop running in this thread: the bot's is another.
    with ThreadPoolExecutor(1) as bot:
        return bot.submit(asyncio.run, main()).result()


def admin(database: Session) -> User:
    return database.scalars(select(User).where(User.username == "admin")).one()


def cards(page: Any) -> Any:
    return page.get_by_test_id("saved-search")


def test_save_a_search_see_it_in_words_open_it_and_delete_it(page: Any, database: Session) -> None:
    sign_in(page, f"/?{PRIUS_QUERY}", words=LOGIN_RU)
    expect(page.get_by_test_id("total")).to_have_text("4 машины")
    page.get_by_role("button", name="Сохранить поиск").click()
    form = page.get_by_test_id("save-search-form")
    # The name offered is the filters in words, in Russian, prices as shown (¥).
    assert plain(form.get_by_label("Название").input_value()) == PRIUS_NAME
    warnings = form.get_by_test_id("save-search-warning").all_inner_texts()
    assert [w.split(":")[0] for w in warnings] == ["Telegram ещё не подключён"]
    assert "Язык оповещений — Русский, цены в ¥" in plain(form.inner_text())
    shot(page, "web-ru-save-search")
    form.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_test_id("search-saved")).to_contain_text("сохранён.")
    assert plain(page.get_by_test_id("search-saved").inner_text()).startswith(
        f"Поиск «{PRIUS_NAME}» сохранён."
    )
    [saved] = api_get(page, "/api/searches")
    assert (saved["language"], saved["currency"]) == ("ru", "JPY")
    assert saved["filters"] == {"make": "Toyota", "model": "Prius", "price_max": 2_000_000}

    # The same filters again: said, not refused.
    page.get_by_role("button", name="Сохранить поиск").click()
    expect(form.get_by_test_id("save-search-warning").first).to_have_text(
        re.compile("^Эти фильтры уже сохранены как «Toyota Prius")
    )
    form.get_by_role("button", name="Отмена").click()

    page.get_by_role("link", name="Сохранённые поиски", exact=True).click()  # in the header
    page.wait_for_url(re.compile(r"/searches$"))
    expect(page.get_by_role("heading", name="Сохранённые поиски")).to_be_visible()
    expect(page.get_by_test_id("searches-count")).to_have_text("1 поиск")
    card = cards(page).first
    assert plain(card.get_by_test_id("saved-name").inner_text()) == PRIUS_NAME
    assert [plain(p) for p in card.locator("[data-testid=saved-filters] li").all_inner_texts()] == [
        "Toyota Prius", "до 2 000 000 ¥",
    ]  # fmt: skip
    meta = plain(card.get_by_test_id("saved-meta").inner_text())
    assert re.fullmatch(
        r"Сохранён \d{1,2} [а-я]{3,4}\.? 20\d\d г\. · оповещений ещё не было · "
        r"оповещения: Русский, цены в ¥",
        meta,
    ), meta
    # Alerts need Telegram, and it is not linked: the page says so.
    expect(page.get_by_test_id("telegram-not-linked")).to_contain_text(
        "приходят в Telegram, а чат ещё не подключён"
    )

    card.get_by_role("link", name=f"Открыть «{PRIUS_NAME}» на странице машин").click()
    page.wait_for_url(re.compile(r"/\?"))
    assert parse_qs(urlparse(page.url).query) == {
        "make": ["Toyota"], "model": ["Prius"], "price_max": ["2000000"],
    }  # fmt: skip
    page.wait_for_selector('[data-testid="cars-table"][aria-busy="false"]')
    assert set(page.get_by_test_id("car-name").all_inner_texts()) == {"Toyota Prius"}
    totals = [int(re.sub(r"\D", "", t)) for t in page.get_by_test_id("car-total").all_inner_texts()]
    assert sorted(totals) == [1_200_000, 1_500_000, 1_800_000, 2_000_000]

    page.go_back()
    card = cards(page).first
    card.get_by_role("button", name=f"Удалить «{PRIUS_NAME}»").click()
    question = card.get_by_role("group")
    expect(question).to_contain_text("Оповещения по нему прекратятся.")
    question.get_by_role("button", name="Удалить", exact=True).click()
    expect(page.get_by_test_id("searches-notice")).to_have_text(
        re.compile(r"^Поиск «Toyota Prius.*» удалён\.$")
    )
    expect(page.get_by_test_id("searches-empty")).to_contain_text("Сохранённых поисков пока нет")
    assert api_get(page, "/api/searches") == []


def test_a_search_without_filters_is_warned_about(page: Any, database: Session) -> None:
    sign_in(page, words=LOGIN_RU)
    page.get_by_role("button", name="Сохранить поиск").click()
    form = page.get_by_test_id("save-search-form")
    assert form.get_by_label("Название").input_value() == "Все машины"
    expect(form.get_by_test_id("save-search-warning").first).to_have_text(
        re.compile("^Фильтры не заданы: оповещение придёт о каждой новой машине")
    )
    form.get_by_label("Название").fill("   ")
    form.get_by_role("button", name="Сохранить").click()
    expect(form.get_by_role("alert")).to_have_text("Введите название поиска.")
    form.get_by_label("Название").press("Escape")
    expect(form).to_have_count(0)


def test_link_telegram_with_a_code_then_unlink(page: Any, site: Site, database: Session) -> None:
    user = admin(database)
    now = utcnow()
    database.add_all([
        SavedSearch(user_id=user.id, name="Honda Fit · Осака", language="ru", currency="RUB",
                    filters={"make": "Honda", "model": "Fit", "prefecture": "大阪府"},
                    created_at=now - timedelta(days=3), last_alert_at=now - timedelta(hours=5)),
        SavedSearch(user_id=user.id, name=PRIUS_NAME, language="ru", currency="JPY",
                    filters={"make": "Toyota", "model": "Prius", "price_max": 2_000_000},
                    created_at=now - timedelta(days=1)),
    ])  # fmt: skip
    database.commit()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, words=LOGIN_RU)
    page.get_by_test_id("nav-searches").click()
    expect(page.get_by_test_id("searches-count")).to_have_text("2 поиска")
    assert [plain(t) for t in page.get_by_test_id("saved-name").all_inner_texts()] == [
        PRIUS_NAME, "Honda Fit · Осака",
    ]  # fmt: skip
    # Prefectures in Russian; the last alert dated in Russian; the alerts' own currency.
    honda = cards(page).nth(1)
    assert honda.locator("[data-testid=saved-filters] li").all_inner_texts() == [
        "Honda Fit", "Осака",
    ]  # fmt: skip
    assert re.search(
        r"последнее оповещение \d{1,2} [а-я]{3,4}\.? 20\d\d г\., \d\d:\d\d · "
        r"оповещения: Русский, цены в ₽",
        plain(honda.get_by_test_id("saved-meta").inner_text()),
    )

    telegram = page.get_by_test_id("telegram")
    expect(telegram.get_by_test_id("telegram-status")).to_have_text("Не подключён")
    telegram.get_by_role("button", name="Подключить Telegram").click()
    code = telegram.get_by_test_id("link-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    command = telegram.get_by_test_id("link-command")
    expect(command).to_have_text(f"/link {code}")
    countdown = telegram.get_by_test_id("link-countdown")
    left = r"^Код одноразовый и действует ещё (10:00|9:[0-5]\d)\.$"
    expect(countdown).to_have_text(re.compile(left))
    telegram.get_by_role("button", name="Копировать").click()
    expect(telegram.get_by_text("Скопировано")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"/link {code}"
    expect(countdown).not_to_have_text(countdown.inner_text())  # it counts down
    shot(page, "web-ru-saved-searches")

    # The user sends "/link CODE" to the bot, which links the chat; the page notices by itself.
    assert link_as_the_bot(site.database_url, code, CHAT_ID)
    expect(telegram.get_by_test_id("telegram-status")).to_have_text("Подключён", timeout=10_000)
    expect(telegram).to_contain_text("приходят в ваш чат Telegram")
    expect(telegram.get_by_test_id("link-code")).to_have_count(0)
    assert api_get(page, "/api/me")["telegram_linked"] is True
    database.refresh(user)
    assert user.telegram_chat_id == CHAT_ID
    # The code is spent: sending it again links nothing.
    assert not link_as_the_bot(site.database_url, code, CHAT_ID + 1)

    page.get_by_test_id("current-user").click()
    expect(page.get_by_test_id("account-telegram")).to_contain_text("Telegram подключён")
    page.get_by_role("link", name="Сохранённые поиски и Telegram").click()
    telegram.get_by_role("button", name="Отключить").click()
    expect(telegram.get_by_test_id("telegram-status")).to_have_text("Не подключён")
    expect(telegram.get_by_role("button", name="Подключить Telegram")).to_be_visible()
    assert api_get(page, "/api/me")["telegram_linked"] is False


def test_an_expired_code_is_said_and_a_new_one_offered(page: Any, database: Session) -> None:
    page.clock.install()  # the page's clock, to be moved past the code's ten minutes
    sign_in(page, "/searches", words=LOGIN_RU, ready="telegram")
    telegram = page.get_by_test_id("telegram")
    telegram.get_by_role("button", name="Подключить Telegram").click()
    first = telegram.get_by_test_id("link-code").inner_text()
    page.clock.fast_forward("10:01")
    expect(telegram.get_by_test_id("telegram-not-linked")).to_have_text("Срок действия кода истёк.")
    expect(telegram.get_by_test_id("link-code")).to_have_count(0)
    telegram.get_by_role("button", name="Получить новый код").click()
    expect(telegram.get_by_test_id("link-code")).not_to_have_text(first)
    expect(telegram.get_by_test_id("link-countdown")).to_contain_text("действует ещё")


def test_the_limit_of_saved_searches_is_said_in_russian(page: Any, database: Session) -> None:
    user = admin(database)
    database.add_all(
        SavedSearch(user_id=user.id, name=f"Поиск {n}", filters={"year_min": 2000 + n % 20})
        for n in range(50)
    )
    database.commit()
    sign_in(page, "/?make=Honda", words=LOGIN_RU)
    page.get_by_role("button", name="Сохранить поиск").click()
    form = page.get_by_test_id("save-search-form")
    expect(form.get_by_label("Название")).to_have_value("Honda")
    form.get_by_role("button", name="Сохранить").click()
    expect(form.get_by_role("alert")).to_have_text(
        "У вас уже 50 сохранённых поисков — это предел. Удалите ненужный и сохраните снова."
    )
    page.get_by_test_id("nav-searches").click()
    expect(page.get_by_test_id("searches-count")).to_have_text("50 поисков")
