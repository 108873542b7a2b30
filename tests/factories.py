"""Test data shared by the services' tests: listings as the crawler's pipelines leave them."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.filters import LISTED
from core.models import utcnow
from crawler.items import CarItem
from crawler.storage import car_row, upsert_cars


def listing(external_id: str, **values: object) -> CarItem:
    """A normalised Toyota Prius listing; `values` override any field."""
    item = CarItem(
        external_id=external_id,
        url=f"https://www.carsensor.net/usedcar/detail/{external_id}/index.html",
        make="Toyota",
        make_ja="トヨタ",
        make_code="TO",
        model="Prius",
        model_ja="プリウス",
        grade="S",
        year=2019,
        mileage_km=27_000,
        price_jpy=2_016_000,
        total_price_jpy=2_100_000,
    )
    for name, value in values.items():
        setattr(item, name, value)
    return item


def store(session: Session, *items: CarItem, at: datetime | None = None) -> None:
    """Upsert items through the crawler's storage, all seen at `at` (default: now)."""
    now = at or utcnow()
    upsert_cars([car_row(item, now=now) for item in items], session=session)
    session.commit()


def store_in_order(session: Session, *items: CarItem) -> None:
    """Store items one by one a minute apart, so ids and updated_at follow the argument order."""
    start = utcnow() - timedelta(days=1)
    for minutes, item in enumerate(items):
        store(session, item, at=start + timedelta(minutes=minutes))


def stored_cars(session: Session) -> dict[str, Any]:
    """Every stored car as the API lists it (its market values too), by external id."""
    return {row.external_id: row for row in session.execute(LISTED)}
