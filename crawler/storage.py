"""Batched, idempotent storage of listings: upsert, price history, staleness."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import (
    Column,
    MetaData,
    Table,
    and_,
    case,
    false,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.db import copy_into
from core.models import Car, CarPriceHistory, car_columns
from crawler.items import ITEM_COLUMNS, CarItem

# JSON columns, which psycopg's COPY needs wrapped as Jsonb.
_JSON_COLUMNS = frozenset({"photos", "raw_values"})
# Read off every list card, so a re-crawl overwrites them (raw_values too: a value read cleanly
# this time clears the unreadable text kept last time); the rest often only on the detail page,
# so a crawl that skips the detail keeps their stored values.
CARD_COLUMNS = car_columns("crawled", "card")
DETAIL_COLUMNS = car_columns("crawled", "detail")


@dataclass(frozen=True, slots=True)
class Known:
    """What the database holds of a listing, to decide whether its detail page is needed."""

    price_jpy: int | None
    total_price_jpy: int | None
    has_detail: bool


def car_row(item: CarItem, *, now: datetime) -> dict[str, Any]:
    """Map a normalised item onto `cars` column values."""
    row: dict[str, Any] = {name: getattr(item, name) for name in ITEM_COLUMNS}
    row.update(
        source=item.source,
        external_id=item.external_id,
        raw_values=dict(item.unparsed) or None,
        detail_fetched_at=now if item.detail_fetched else None,
        first_seen_at=now,
        last_seen_at=now,
        updated_at=now,
    )
    return row


def _merge_duplicates(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    # One statement may not touch a row twice; a later sighting wins, but keeps earlier details.
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["source"], row["external_id"])
        if key in merged:
            earlier = merged[key]
            row = {k: (v if v is not None else earlier.get(k)) for k, v in row.items()}
        merged[key] = row
    return list(merged.values())


# PostgreSQL stages a batch with COPY in this temporary table (core.db.copy_into), then upserts
# it in one statement.
_STAGING = Table(
    "cars_incoming",
    MetaData(),
    *(Column(c.name, c.type) for c in Car.__table__.c if c.name != "id"),
    prefixes=["TEMPORARY"],
)
_STAGED = [c.name for c in _STAGING.c]


def _on_conflict(stmt: Any) -> Any:
    """Card columns overwrite; detail columns keep the stored value when the row has none."""
    cars, new = Car.__table__.c, stmt.excluded
    changed = or_(
        *(cars[c].is_distinct_from(new[c]) for c in CARD_COLUMNS),
        *(and_(new[c].is_not(None), cars[c].is_distinct_from(new[c])) for c in DETAIL_COLUMNS),
    )
    assignments: dict[str, Any] = {c: new[c] for c in CARD_COLUMNS}
    assignments.update({c: func.coalesce(new[c], cars[c]) for c in DETAIL_COLUMNS})
    assignments["last_seen_at"] = new.last_seen_at
    assignments["updated_at"] = case((changed, new.updated_at), else_=cars.updated_at)
    return stmt.on_conflict_do_update(
        index_elements=["source", "external_id"], set_=assignments
    ).returning(Car.id, Car.external_id, Car.updated_at)


def _copy_value(name: str, value: Any) -> Any:
    return Jsonb(value) if name in _JSON_COLUMNS and value is not None else value


def _stage(rows: list[dict[str, Any]], *, session: Session) -> None:
    """COPY the batch into the connection's temporary staging table."""
    values = ([_copy_value(name, row.get(name)) for name in _STAGED] for row in rows)
    copy_into(session, _STAGING, values)
    # Autovacuum never analyzes temporary tables; without statistics the planner misjudges them.
    session.execute(text("ANALYZE cars_incoming"))


# What a stored listing did, as the crawl's accounting counts it (listings/<outcome>).
OUTCOMES = ("new", "changed", "unchanged", "reappeared", "gone")


def upsert_cars(rows: Sequence[dict[str, Any]], *, session: Session) -> dict[str, str]:
    """Insert or update a batch of car rows and record price changes.

    Returns each written listing's outcome by external id: new, reappeared (inactive before),
    changed (a stored value changed, so `updated_at` moved) or unchanged.
    """
    rows = _merge_duplicates(rows)
    if not rows:
        return {}
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        _stage(rows, session=session)
    # A join with the staged ids walks the unique index; a 500-item IN list is parsed slowly.
    ids = select(_STAGING.c.external_id) if postgres else [row["external_id"] for row in rows]
    known = select(Car.external_id, Car.price_jpy, Car.total_price_jpy, Car.is_active).where(
        Car.source == rows[0]["source"], Car.external_id.in_(ids)
    )
    before = {eid: (price, total, active) for eid, price, total, active in session.execute(known)}
    if postgres:
        upsert = pg_insert(Car).from_select(_STAGED, select(*_STAGING.c))
        stored = session.execute(_on_conflict(upsert)).all()
    else:
        stored = session.execute(_on_conflict(sqlite_insert(Car)), rows).all()
    by_id = {row["external_id"]: row for row in rows}
    car_ids, outcomes = {}, {}
    for car_id, external_id, updated_at in stored:
        car_ids[external_id] = car_id
        outcomes[external_id] = _outcome(before.get(external_id), by_id[external_id], updated_at)
    history = [
        {
            "car_id": car_ids[row["external_id"]],
            "price_jpy": row["price_jpy"],
            "total_price_jpy": row["total_price_jpy"],
            "observed_at": row["last_seen_at"],
        }
        for row in rows
        if before.get(row["external_id"], ())[:2] != (row["price_jpy"], row["total_price_jpy"])
    ]
    if history:
        session.execute(CarPriceHistory.__table__.insert(), history)
    return outcomes


def _outcome(
    before: tuple[int | None, int | None, bool] | None, row: dict[str, Any], updated_at: datetime
) -> str:
    if before is None:
        return "new"
    if not before[2] and row["is_active"]:
        return "reappeared"
    # The upsert moves updated_at to the row's own timestamp only when a stored value changed.
    return "changed" if updated_at == row["updated_at"] else "unchanged"


def known_listings(
    *, session: Session, source: str, make_codes: Sequence[str] | None
) -> dict[str, Known]:
    """A source's stored listings (of these makers only, unless None) by external id."""
    query = select(Car.external_id, Car.price_jpy, Car.total_price_jpy, Car.detail_fetched_at)
    query = query.where(Car.source == source)
    if make_codes is not None:
        query = query.where(Car.make_code.in_(make_codes))
    # Streamed: a buffered result of a 100k-listing maker would double the peak memory.
    query = query.execution_options(yield_per=10_000)
    return {
        external_id: Known(price, total, fetched is not None)
        for external_id, price, total, fetched in session.execute(query)
    }


@dataclass(frozen=True, slots=True)
class Sweep:
    """What a stale sweep found: listings active in its scope, unseen ones, and what it did."""

    active: int
    unseen: int
    deactivated: int


def _in_scope(source: str, make_codes: Sequence[str] | None) -> list[Any]:
    conditions = [Car.source == source, Car.is_active.is_(True)]
    if make_codes is not None:
        conditions.append(Car.make_code.in_(make_codes))
    return conditions


def count_active(*, session: Session, source: str, make_codes: Sequence[str] | None) -> int:
    """The active listings of a source, of these makers only unless None."""
    query = select(func.count()).select_from(Car).where(*_in_scope(source, make_codes))
    return int(session.scalar(query) or 0)


def deactivate_stale(
    *,
    session: Session,
    source: str,
    seen_before: datetime,
    now: datetime,
    make_codes: Sequence[str] | None,
    max_share: float = 1.0,
) -> Sweep:
    """Mark inactive the active listings last seen before `seen_before`, unless they are more
    than `max_share` of the scope's active listings: then nothing (the crawl likely missed them).
    """
    conditions = _in_scope(source, make_codes)
    active = int(session.scalar(select(func.count()).select_from(Car).where(*conditions)) or 0)
    stale = [*conditions, Car.last_seen_at < seen_before]
    unseen = int(session.scalar(select(func.count()).select_from(Car).where(*stale)) or 0)
    if unseen > max_share * active:
        return Sweep(active, unseen, 0)
    result = session.execute(
        update(Car).where(*stale).values(is_active=False, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return Sweep(active, unseen, int(getattr(result, "rowcount", 0) or 0))


# What a detail request carries of a stored listing: what the pipelines need to pass it on, and
# the card's own values, which the detail page only completes (as on a list crawl with details).
_DUE_FIELDS = (
    "external_id", "url", "source", "make_ja", "model_ja", "make_code", "body_type_ja",
    "color_ja", "transmission_ja", "inspection", "image_url",
)  # fmt: skip
_DETAILS = tuple(c for c in DETAIL_COLUMNS if c != "detail_fetched_at")


def details_due(
    *, session: Session, source: str, limit: int, fetched_before: datetime
) -> list[CarItem]:
    """Active listings whose details are missing or fetched before `fetched_before`, at most
    `limit`: those without details first, each group newest first."""
    missing = Car.detail_fetched_at.is_(None)
    query = (
        select(*(Car.__table__.c[name] for name in _DUE_FIELDS))
        .where(
            Car.source == source,
            Car.is_active.is_(True),
            or_(missing, Car.detail_fetched_at < fetched_before),
        )
        .order_by(case((missing, 0), else_=1), Car.first_seen_at.desc(), Car.id.desc())
        .limit(limit)
    )
    return [CarItem(**row._mapping) for row in session.execute(query)]


def store_details(rows: Sequence[dict[str, Any]], *, session: Session) -> dict[str, str]:
    """Write what detail pages added to stored listings, never their list data.

    A parsed page fills the detail columns (keeping stored values where the page has none); a gone
    page marks the listing inactive; a failed one changes nothing. Returns {external_id: "gone" |
    "detailed"} for the listings updated.
    """
    columns = Car.__table__.c
    outcomes: dict[str, str] = {}
    for row in _merge_duplicates(rows):
        listing = and_(Car.source == row["source"], Car.external_id == row["external_id"])
        if not row["is_active"]:
            outcome = "gone"
            stmt = update(Car).where(listing, Car.is_active.is_(True))
            stmt = stmt.values(is_active=False, updated_at=row["updated_at"])
        elif row["detail_fetched_at"] is not None:
            outcome = "detailed"
            found = {c: row[c] for c in DETAIL_COLUMNS if row.get(c) is not None}
            # A page read again unchanged moves its fetch time, not the listing's updated_at.
            changed = or_(
                false(),
                *(columns[c].is_distinct_from(v) for c, v in found.items() if c in _DETAILS),
            )
            stamp = case((changed, row["updated_at"]), else_=Car.updated_at)
            stmt = update(Car).where(listing).values(**found, updated_at=stamp)
        else:
            continue
        result = session.execute(stmt, execution_options={"synchronize_session": False})
        if getattr(result, "rowcount", 0):
            outcomes[row["external_id"]] = outcome
    return outcomes
