"""The details backfill: list crawls store listings alone, `scrapy crawl details` adds details.

Storage functions run against both databases directly; the spider runs as a real `scrapy crawl`
subprocess against the local replay site.
"""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.models import Car, CarPriceHistory, utcnow
from crawler.items import CarItem
from crawler.spiders.details import DetailsSpider
from crawler.storage import CARD_COLUMNS, car_row, details_due, store_details, upsert_cars
from replay.crawl import Crawl, run_crawl
from replay.site import FakeCar, Fault, ReplaySite, make_catalog
from tests.factories import listing

DETAIL = "/usedcar/detail/{}/index.html".format
CAPTCHA = (Path(__file__).parent / "pages" / "detail_captcha.html").read_text()


# --- storage ----------------------------------------------------------------------------------


def seed(session: Session, *items: CarItem, now: datetime) -> None:
    upsert_cars([car_row(item, now=now) for item in items], session=session)
    session.commit()


def set_values(session: Session, external_id: str, **values: Any) -> None:
    session.execute(update(Car).where(Car.external_id == external_id).values(**values))
    session.commit()


def test_details_due_puts_listings_without_details_first_each_newest_first(
    session: Session,
) -> None:
    now = utcnow()
    seed(session, *(listing(f"AU{n}") for n in range(1, 8)), now=now)
    for n in range(1, 8):
        set_values(session, f"AU{n}", first_seen_at=now - timedelta(days=n))
    old, fresh = now - timedelta(days=40), now - timedelta(days=5)
    set_values(session, "AU1", detail_fetched_at=old)
    set_values(session, "AU2", detail_fetched_at=fresh)
    set_values(session, "AU3", is_active=False)
    set_values(session, "AU6", detail_fetched_at=old)
    cutoff = now - timedelta(days=30)

    due = details_due(session=session, source="carsensor", limit=10, fetched_before=cutoff)
    assert [item.external_id for item in due] == ["AU4", "AU5", "AU7", "AU1", "AU6"]
    limited = details_due(session=session, source="carsensor", limit=2, fetched_before=cutoff)
    assert limited == due[:2]
    assert details_due(session=session, source="elsewhere", limit=10, fetched_before=cutoff) == []

    item = due[0]
    assert (item.url, item.make_ja, item.model_ja, item.make_code, item.source) == (
        "https://www.carsensor.net/usedcar/detail/AU4/index.html", "トヨタ", "プリウス", "TO",
        "carsensor",
    )  # fmt: skip
    assert (item.price_raw, item.detail_fetched, item.is_active) == (None, False, True)


def fetched(external_id: str, **values: Any) -> CarItem:
    """A listing as the backfill hands it to the store: identity and what its page added."""
    item = CarItem(external_id=external_id, url=f"https://example.test/{external_id}")
    item.detail_fetched = True
    for name, value in values.items():
        setattr(item, name, value)
    return item


def test_store_details_fills_detail_columns_and_never_touches_list_data(session: Session) -> None:
    listed = utcnow() - timedelta(hours=2)
    seed(session, listing("AU1", color_ja="白", color="white"), listing("AU2"), now=listed)
    history = session.scalar(select(func.count()).select_from(CarPriceHistory))
    later = utcnow()
    # The page's own price and URL must not reach the row: a list crawl may have re-priced it.
    page = fetched("AU1", price_jpy=1, fuel="gasoline", fuel_ja="ガソリン", seats=5)
    page.photos = ["https://p/1"]
    gone = CarItem(external_id="AU2", url="https://example.test/AU2", is_active=False)
    failed = CarItem(external_id="AU3", url="https://example.test/AU3")
    unknown = fetched("AU9", fuel="diesel")

    rows = [car_row(item, now=later) for item in (page, gone, failed, unknown)]
    assert store_details(rows, session=session) == {"AU1": "detailed", "AU2": "gone"}
    session.commit()

    cars = {car.external_id: car for car in session.scalars(select(Car))}
    car = cars["AU1"]
    assert (car.fuel, car.fuel_ja, car.seats, car.photos) == (
        "gasoline", "ガソリン", 5, ["https://p/1"],
    )  # fmt: skip
    assert (car.color, car.color_ja) == ("white", "白")  # the page had none: the stored stays
    assert (car.price_jpy, car.year, car.url, car.make) == (
        2_016_000,
        2019,
        listing("AU1").url,
        "Toyota",
    )
    assert car.detail_fetched_at == later and car.updated_at == later
    assert car.last_seen_at == listed and car.is_active
    assert not cars["AU2"].is_active and cars["AU2"].updated_at == later
    assert cars["AU2"].price_jpy == 2_016_000
    assert set(cars) == {"AU1", "AU2"}
    assert session.scalar(select(func.count()).select_from(CarPriceHistory)) == history

    # The same page again: only its fetch time moves. A gone listing is not gone twice.
    again = utcnow()
    rows = [car_row(item, now=again) for item in (page, gone)]
    assert store_details(rows, session=session) == {"AU1": "detailed"}
    session.commit()
    session.expire_all()
    car = session.scalars(select(Car).where(Car.external_id == "AU1")).one()
    assert car.detail_fetched_at == again and car.updated_at == later


# --- the spider, end to end ------------------------------------------------------------------


def test_the_arguments_default_to_the_settings_and_must_be_positive() -> None:
    crawler = get_crawler(DetailsSpider, {"CRAWL_DETAILS_BUDGET": 7})
    spider = DetailsSpider.from_crawler(crawler)
    assert (spider.limit, spider.max_age) == (7, timedelta(days=30))
    spider = DetailsSpider.from_crawler(crawler, limit="12", max_age_days="1.5")
    assert (spider.limit, spider.max_age) == (12, timedelta(hours=36))
    assert DetailsSpider.details_only
    for arguments in ({"limit": "0"}, {"limit": "-3"}, {"max_age_days": "-1"}):
        with pytest.raises(ValueError, match="must be positive"):
            DetailsSpider.from_crawler(crawler, **arguments)


@pytest.fixture
def cars() -> list[FakeCar]:
    """40 cars: list pages of 30 and 10."""
    return make_catalog(40, seed=11)


def stored(engine: Engine) -> dict[str, Car]:
    with Session(engine) as session:
        return {car.external_id: car for car in session.scalars(select(Car))}


def count(engine: Engine, model: type[Car] | type[CarPriceHistory]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def card_data(car: Car) -> dict[str, Any]:
    return {c: getattr(car, c) for c in CARD_COLUMNS if c != "is_active"}


def details(db_url: str, site: ReplaySite, tmp_path: Path, *args: str) -> Crawl:
    result = run_crawl(db_url, site.base_url, tmp_path, *args, spider="details")
    assert result.returncode == 0, result.log[-4000:]
    return result


def detail_requests(site: ReplaySite, since: int) -> list[str]:
    return [path for path in site.requests[since:] if path.startswith("/usedcar/detail/")]


@pytest.mark.slow
def test_list_first_then_the_backfill_fetches_details_newest_first_within_its_limit(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    listed = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert listed.returncode == 0, listed.log[-4000:]
    rows = stored(engine)
    assert len(rows) == 40 and all(row.is_active for row in rows.values())
    assert all(row.detail_fetched_at is None and row.fuel is None for row in rows.values())
    assert site.count("/usedcar/detail/") == 0

    # cars[0] is the newest listing, cars[39] the oldest; one of the newest was re-priced by a
    # list crawl after the detail page was rendered.
    now = utcnow()
    with engine.begin() as conn:
        for k, car in enumerate(cars):
            listing_of = Car.external_id == car.external_id
            conn.execute(
                update(Car).where(listing_of).values(first_seen_at=now - timedelta(hours=k))
            )
        repriced = Car.external_id == cars[6].external_id
        conn.execute(update(Car).where(repriced).values(price_jpy=1, total_price_jpy=2))
    redirected, missing, blocked = cars[3], cars[4], cars[5]
    redirected.redirect_detail = True
    site.add_fault(DETAIL(missing.external_id), Fault(status=404))
    for _ in range(4):  # the first answer and all RETRY_TIMES=3 retries
        site.add_fault(DETAIL(blocked.external_id), Fault(body=CAPTCHA))
    before = {key: card_data(row) for key, row in stored(engine).items()}
    history = count(engine, CarPriceHistory)

    start = len(site.requests)
    first = details(db_url, site, tmp_path, "-a", "limit=10")
    newest = {DETAIL(car.external_id) for car in cars[:10]}
    assert set(detail_requests(site, start)) == newest
    assert len(detail_requests(site, start)) == 10 + 3  # the block page's three retries
    assert set(site.requests[start:]) - newest <= {"/robots.txt"}  # no list page, no search
    assert first.stat("pages/expected") == 10 and first.stat("pages/read") == 10
    assert first.stat("details/fetched") == 7 and first.stat("details/gone") == 2
    assert first.stat("details/failed") == 1 and first.stat("details/unparsed") == 1
    assert first.stat("store/items_stored") == 9

    rows = stored(engine)
    assert {key: card_data(row) for key, row in rows.items()} == before
    assert rows[cars[6].external_id].price_jpy == 1
    assert count(engine, CarPriceHistory) == history
    done = {car.external_id for car in cars[:10]} - {
        redirected.external_id, missing.external_id, blocked.external_id
    }  # fmt: skip
    for car in cars:
        row = rows[car.external_id]
        if car.external_id in done:
            assert row.detail_fetched_at is not None and row.is_active
            assert (row.fuel_ja, row.drive, row.seats) == (
                car.fuel_ja, car.drive_ja, int(car.seats[0]),
            )  # fmt: skip
            assert row.photos is not None and len(row.photos) == len(car.photos)
        else:
            assert row.detail_fetched_at is None and row.fuel_ja is None
    assert not rows[redirected.external_id].is_active
    assert not rows[missing.external_id].is_active
    assert rows[blocked.external_id].is_active

    # The block page's listing is now the newest without details; then the rest; then none.
    start = len(site.requests)
    details(db_url, site, tmp_path, "-a", "limit=1")
    assert detail_requests(site, start) == [DETAIL(blocked.external_id)]
    assert stored(engine)[blocked.external_id].fuel_ja == blocked.fuel_ja

    second = details(db_url, site, tmp_path)
    assert second.stat("pages/expected") == 40 - 10 == second.stat("details/fetched")
    assert all(row.detail_fetched_at for row in stored(engine).values() if row.is_active)

    start = len(site.requests)
    idle = details(db_url, site, tmp_path)
    assert idle.stat("pages/expected") == 0 and idle.stat("pages/read") == 0
    assert idle.stat("details/fetched") == idle.stat("details/failed") == 0
    assert detail_requests(site, start) == []


@pytest.mark.slow
def test_details_older_than_max_age_days_are_fetched_again(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    listed = run_crawl(db_url, site.base_url, tmp_path)  # details=new: every detail page
    assert listed.returncode == 0, listed.log[-4000:]
    assert listed.stat("details/fetched") == 40
    stale, older, recent = cars[10], cars[11], cars[12]
    with engine.begin() as conn:
        for car, days in ((stale, 40), (older, 31), (recent, 20)):
            fetched_at = utcnow() - timedelta(days=days)
            conn.execute(
                update(Car)
                .where(Car.external_id == car.external_id)
                .values(detail_fetched_at=fetched_at)
            )
    before = stored(engine)

    start = len(site.requests)
    again = details(db_url, site, tmp_path)  # max_age_days: CRAWL_DETAILS_MAX_AGE_DAYS, 30
    assert sorted(detail_requests(site, start)) == sorted(
        DETAIL(car.external_id) for car in (stale, older)
    )
    assert again.stat("details/fetched") == again.stat("pages/expected") == 2
    rows = stored(engine)
    for car in (stale, older):
        row = rows[car.external_id]
        assert row.detail_fetched_at is not None
        assert row.detail_fetched_at > utcnow() - timedelta(minutes=5)
        assert row.updated_at == before[car.external_id].updated_at  # the same page, unchanged

    start = len(site.requests)
    younger = details(db_url, site, tmp_path, "-a", "max_age_days=10")
    assert detail_requests(site, start) == [DETAIL(recent.external_id)]
    assert younger.stat("details/fetched") == 1
