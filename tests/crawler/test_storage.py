"""Batched upserts, price history and staleness, on PostgreSQL and on SQLite."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Car, CarPriceHistory, utcnow
from crawler.items import CarItem
from crawler.storage import (
    CARD_COLUMNS,
    DETAIL_COLUMNS,
    Sweep,
    car_row,
    count_active,
    deactivate_stale,
    known_listings,
    upsert_cars,
)
from tests.factories import listing


def store(session: Session, *items: CarItem, at_offset: timedelta = timedelta()) -> int:
    return len(upsert(session, *items, at_offset=at_offset))


def upsert(session: Session, *items: CarItem, at_offset: timedelta = timedelta()) -> dict[str, str]:
    now = utcnow() + at_offset
    outcomes = upsert_cars([car_row(item, now=now) for item in items], session=session)
    session.commit()
    return outcomes


def history(session: Session, external_id: str) -> list[tuple[int | None, int | None]]:
    rows = session.execute(
        select(CarPriceHistory.price_jpy, CarPriceHistory.total_price_jpy)
        .join(Car)
        .where(Car.external_id == external_id)
        .order_by(CarPriceHistory.id)
    )
    return [tuple(r) for r in rows]


def test_insert_then_unchanged_recrawl_only_moves_last_seen(session: Session) -> None:
    assert upsert(session, listing("AU1"), listing("AU2")) == {"AU1": "new", "AU2": "new"}
    first = session.scalars(select(Car).where(Car.external_id == "AU1")).one()
    snapshot = {c.key: getattr(first, c.key) for c in Car.__table__.columns}

    again = upsert(session, listing("AU1"), listing("AU2"), at_offset=timedelta(hours=1))
    assert again == {"AU1": "unchanged", "AU2": "unchanged"}
    session.expire_all()
    again = session.scalars(select(Car).where(Car.external_id == "AU1")).one()
    changed = {c for c in snapshot if getattr(again, c) != snapshot[c]}
    assert changed == {"last_seen_at"}
    assert again.last_seen_at - snapshot["last_seen_at"] >= timedelta(minutes=59)
    assert session.scalar(select(func.count()).select_from(Car)) == 2
    assert history(session, "AU1") == [(2_016_000, 2_100_000)]


def test_price_change_writes_one_history_row_and_bumps_updated_at(session: Session) -> None:
    store(session, listing("AU1"))
    before = session.scalars(select(Car)).one().updated_at
    cheaper = listing("AU1", price_jpy=1_900_000, total_price_jpy=None)
    assert upsert(session, cheaper, at_offset=timedelta(days=1)) == {"AU1": "changed"}
    session.expire_all()
    car = session.scalars(select(Car)).one()
    assert (car.price_jpy, car.total_price_jpy) == (1_900_000, None)
    assert car.updated_at > before
    assert history(session, "AU1") == [(2_016_000, 2_100_000), (1_900_000, None)]


def test_detail_fields_survive_a_crawl_without_details(session: Session) -> None:
    store(
        session,
        listing("AU1", fuel="hybrid", fuel_ja="ハイブリッド", seats=5, photos=["https://x/1.jpg"]),
    )
    store(session, listing("AU1"), at_offset=timedelta(hours=1))
    session.expire_all()
    car = session.scalars(select(Car)).one()
    assert (car.fuel, car.fuel_ja, car.seats, car.photos) == (
        "hybrid",
        "ハイブリッド",
        5,
        ["https://x/1.jpg"],
    )


def test_duplicates_in_one_batch_merge(session: Session) -> None:
    assert store(session, listing("AU1", seats=5), listing("AU1", price_jpy=999_000)) == 1
    car = session.scalars(select(Car)).one()
    assert (car.price_jpy, car.seats) == (999_000, 5)


def test_known_listings_of_a_shards_makers(session: Session) -> None:
    store(session, listing("AU1", detail_fetched=True), listing("AU2"))
    store(session, listing("AU3", make="Honda", make_code="HO"))
    known = known_listings(session=session, source="carsensor", make_codes=["TO"])
    assert set(known) == {"AU1", "AU2"}
    assert known["AU1"].has_detail and not known["AU2"].has_detail
    assert known["AU1"].price_jpy == 2_016_000
    assert set(known_listings(session=session, source="carsensor", make_codes=None)) == {
        "AU1", "AU2", "AU3",
    }  # fmt: skip
    assert known_listings(session=session, source="elsewhere", make_codes=None) == {}


def test_deactivate_stale_respects_age_and_maker_scope(session: Session) -> None:
    store(session, listing("OLD_TO"), listing("OLD_NI", make_code="NI"), at_offset=-timedelta(5))
    store(session, listing("FRESH"))
    now = utcnow()
    scoped = deactivate_stale(
        session=session, source="carsensor", seen_before=now - timedelta(3), now=now,
        make_codes=["NI"],
    )  # fmt: skip
    assert scoped == Sweep(active=1, unseen=1, deactivated=1)
    everything = deactivate_stale(
        session=session, source="carsensor", seen_before=now - timedelta(3), now=now,
        make_codes=None,
    )  # fmt: skip
    session.commit()
    assert everything == Sweep(active=2, unseen=1, deactivated=1)
    active = {
        eid: is_active for eid, is_active in session.execute(select(Car.external_id, Car.is_active))
    }
    assert active == {"OLD_TO": False, "OLD_NI": False, "FRESH": True}

    assert upsert(session, listing("OLD_TO")) == {"OLD_TO": "reappeared"}
    session.expire_all()
    assert session.scalar(select(Car.is_active).where(Car.external_id == "OLD_TO")) is True


def test_the_sweep_guard_leaves_a_large_share_alone(session: Session) -> None:
    store(session, *(listing(f"OLD{n}") for n in range(3)), at_offset=-timedelta(5))
    store(session, *(listing(f"NEW{n}") for n in range(7)))
    now = utcnow()
    kwargs = {"session": session, "source": "carsensor", "seen_before": now - timedelta(3)}
    assert count_active(session=session, source="carsensor", make_codes=["TO"]) == 10
    refused = deactivate_stale(**kwargs, now=now, make_codes=None, max_share=0.25)  # type: ignore[arg-type]
    assert refused == Sweep(active=10, unseen=3, deactivated=0)
    assert count_active(session=session, source="carsensor", make_codes=None) == 10
    done = deactivate_stale(**kwargs, now=now, make_codes=None, max_share=0.3)  # type: ignore[arg-type]
    assert done == Sweep(active=10, unseen=3, deactivated=3)
    assert count_active(session=session, source="carsensor", make_codes=None) == 7


def test_a_row_carries_every_crawled_column_and_the_lifecycle() -> None:
    # A column core.models marks as crawled reaches the upsert without a word in the crawler.
    item = CarItem(external_id="AU1", url="https://example.test/AU1", year=2020)
    item.unparsed["mileage_km"] = "メーター交換歴あり"
    item.detail_fetched = True
    now = utcnow()
    row = car_row(item, now=now)
    assert set(CARD_COLUMNS + DETAIL_COLUMNS) <= set(row)
    assert (row["year"], row["is_active"], row["drive"]) == (2020, True, None)
    assert row["raw_values"] == {"mileage_km": "メーター交換歴あり"}
    assert row["detail_fetched_at"] == now
