"""core.valuation: every car's market value, deal, days on market and last price change."""

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.market import deal
from core.models import Car, utcnow
from core.valuation import recompute
from crawler.items import CarItem
from tests.factories import listing, store, stored_cars

NOW = utcnow()
MIN_COMPARABLES = 5


def prius(n: int, total: int, **values: object) -> CarItem:
    fields: dict[str, object] = {"year": 2019, "mileage_km": 30_000 + n * 1_000,
                                 "repair_history": False, **values}  # fmt: skip
    return listing(f"P{n:03d}", total_price_jpy=total, **fields)


def test_every_car_with_enough_comparables_gets_a_value_and_a_deal(session: Session) -> None:
    store(session, *(prius(n, 2_000_000 + n * 10_000) for n in range(12)),
          prius(99, 1_500_000, mileage_km=35_500), at=NOW - timedelta(days=3))  # fmt: skip
    # One Fit: no comparables of its own model, so no estimate (never a guess).
    store(session, listing("FIT", make="Honda", model="Fit", model_ja="フィット"), at=NOW)
    # 14 written: the Fit too, with NULL values, so that a sort by deal lists it (last).
    assert recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW) == 14
    session.commit()
    found = stored_cars(session)
    cheap, fit = found["P099"], found["FIT"]
    assert cheap.market_price_jpy is not None and cheap.market_comparables
    assert cheap.market_comparables >= MIN_COMPARABLES
    assert cheap.market_p25_jpy <= cheap.market_price_jpy <= cheap.market_p75_jpy  # type: ignore[operator]
    assert cheap.deal == deal(1_500_000, cheap.market_price_jpy) == "great"
    assert cheap.deal_ratio == 1_500_000 / cheap.market_price_jpy
    assert cheap.market_discount_jpy == cheap.market_price_jpy - 1_500_000
    assert (fit.market_price_jpy, fit.deal, fit.market_comparables) == (None, None, None)


def test_the_last_price_change_and_a_gone_car(session: Session) -> None:
    store(session, *(prius(n, 2_000_000 + n * 10_000) for n in range(8)),
          at=NOW - timedelta(days=10))  # fmt: skip
    store(session, prius(1, 1_900_000), at=NOW - timedelta(days=2))
    session.execute(
        update(Car)
        .where(Car.external_id == "P002")
        .values(is_active=False, last_seen_at=NOW - timedelta(days=4))
    )
    session.commit()
    recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW)
    session.commit()
    found = stored_cars(session)
    dropped, gone = found["P001"], found["P002"]
    assert dropped.price_change_jpy == 1_900_000 - 2_010_000
    assert dropped.price_changed_at == NOW - timedelta(days=2)
    assert found["P003"].price_change_jpy is None
    # A gone car is a comparable, not estimated.
    assert gone.market_price_jpy is None


def test_below_the_minimum_comparables_a_car_gets_no_value(session: Session) -> None:
    store(session, *(prius(n, 2_000_000 + n * 10_000) for n in range(6)), at=NOW)
    recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW)
    session.commit()
    assert all(car.market_price_jpy for car in stored_cars(session).values())
    # Each car has 5 comparables (the others); asking for 6 leaves every one without a value.
    recompute(session=session, min_comparables=6, now=NOW)
    session.commit()
    session.expire_all()
    for car in stored_cars(session).values():
        assert (car.market_price_jpy, car.deal, car.deal_ratio, car.market_discount_jpy) == (
            None, None, None, None,
        )  # fmt: skip


def test_the_last_change_is_the_newest_of_several(session: Session) -> None:
    store(session, *(prius(n, 2_000_000 + n * 10_000) for n in range(6)),
          at=NOW - timedelta(days=10))  # fmt: skip
    store(session, prius(1, 1_950_000), at=NOW - timedelta(days=5))
    store(session, prius(1, 1_990_000), at=NOW - timedelta(days=1))
    recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW)
    session.commit()
    car = stored_cars(session)["P001"]
    assert (car.price_change_jpy, car.price_changed_at) == (40_000, NOW - timedelta(days=1))


def test_a_second_recompute_writes_only_what_changed(session: Session) -> None:
    store(session, *(prius(n, 2_000_000 + n * 10_000) for n in range(10)), at=NOW)
    assert recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW) == 10
    session.commit()
    assert recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW) == 0
    # One car repriced: its own values change, and those of the cars it is a comparable of.
    store(session, prius(4, 1_500_000), at=NOW)
    changed = recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW)
    session.commit()
    assert 1 <= changed <= 10
    assert stored_cars(session)["P004"].deal == "great"
    assert recompute(session=session, min_comparables=MIN_COMPARABLES, now=NOW) == 0
