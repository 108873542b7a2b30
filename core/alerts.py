"""Saved searches and their alerts: what is new for a search since it was last told, and the
one-time codes that link a web user's Telegram chat.

A crawl that stored anything ends with the final report in its `crawl_runs` row (started by
the scheduler, the API or by hand): its time is the next watermark. For each saved search
still behind it, the alert lists the matching cars first seen since the search's
`alerted_until`, and the matching cars whose price fell by ALERT_PRICE_DROP_PERCENT or more
since then. The sender claims the search (moves its watermark, `claim`) before it sends, so
that two bot processes never send one alert twice; nothing new moves the watermark without a
message.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.filters import (
    CARS,
    EFFECTIVE_PRICE,
    HISTORY,
    OBSERVED_PRICE,
    CarFilters,
    cars_query,
    reads_market,
)
from core.models import CrawlRun, SavedSearch, User, utcnow

TOP = 10  # cars listed in one alert; the link shows them all


@dataclass(frozen=True, slots=True)
class PriceDrop:
    """A car whose price fell: its listed columns, and its price before (total, else body)."""

    car: dict[str, Any]
    was_jpy: int

    @property
    def percent(self) -> float:
        """How much cheaper it is now, in percent of the old price."""
        now: int = self.car["total_price_jpy"] or self.car["price_jpy"]
        return 100.0 * (self.was_jpy - now) / self.was_jpy


@dataclass(frozen=True, slots=True)
class Alert:
    """What one saved search is told: up to TOP new cars and drops, and how many in all."""

    search: SavedSearch
    chat_id: int
    since: datetime  # the search's watermark when the alert was made
    until: datetime
    new: list[dict[str, Any]] = field(default_factory=list)
    drops: list[PriceDrop] = field(default_factory=list)
    new_count: int = 0
    drop_count: int = 0

    @property
    def empty(self) -> bool:
        """Whether there is nothing to tell."""
        return not (self.new_count or self.drop_count)


def saved_filters(filters: CarFilters) -> dict[str, Any]:
    """Filters as a saved search keeps them: CarFilters' JSON, only the fields set."""
    dumped: dict[str, Any] = filters.model_dump(
        mode="json", exclude_defaults=True, exclude={"is_active"}
    )
    return dumped


def search_filters(search: SavedSearch) -> CarFilters:
    """The saved filters, as the search runs them (active cars only)."""
    return CarFilters.model_validate({**search.filters, "is_active": True})


def _query_value(value: object) -> object:
    """A filter's value as the web app's URL spells it: true/false, deal=great,good."""
    if isinstance(value, bool):
        return str(value).lower()
    return ",".join(value) if isinstance(value, tuple) else value


def web_link(base_url: str, filters: CarFilters) -> str:
    """The web app's view of these filters, newest listings first."""
    query = filters.model_dump(exclude_defaults=True, exclude={"is_active", "sort"})
    params = {k: _query_value(v) for k, v in query.items()}
    return f"{base_url.rstrip('/')}/?{urlencode({**params, 'sort': '-updated'})}"


async def stored_until(
    *, session: AsyncSession, settle: timedelta = timedelta(0)
) -> datetime | None:
    """When the last crawl that stored anything wrote its final report, at least `settle` ago;
    None if none has.

    The final report (crawler.extensions.RunReport) is the crawl's own last write, so this
    does not wait for the scheduler to notice that the job has ended. `settle` lets the
    batches other crawls stamped before that moment but had not yet committed land first:
    a window never reopens, so a car committed behind it would never be told.
    """
    query = select(func.max(CrawlRun.progress_at)).where(
        CrawlRun.outcome.is_not(None),
        CrawlRun.items_stored > 0,
        CrawlRun.progress_at <= utcnow() - settle,
    )
    result: datetime | None = await session.scalar(query)
    return result


async def behind(until: datetime, *, session: AsyncSession) -> list[tuple[SavedSearch, int]]:
    """The saved searches not yet told of changes up to `until`, with the chat to tell.

    A web user's search goes to the user's linked chat; one whose user has linked none waits.
    """
    chat = func.coalesce(SavedSearch.chat_id, User.telegram_chat_id)
    query = (
        select(SavedSearch, chat)
        .outerjoin(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.alerted_until < until, chat.is_not(None))
        .order_by(SavedSearch.id)
    )
    return [(search, chat_id) for search, chat_id in (await session.execute(query)).all()]


def _before(since: datetime) -> Any:
    """A car's price (total, else body) as last observed at or before `since`."""
    return (
        select(OBSERVED_PRICE)
        .where(HISTORY.c.car_id == CARS.c.id, HISTORY.c.observed_at <= since)
        .order_by(HISTORY.c.observed_at.desc(), HISTORY.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def changes(
    search: SavedSearch,
    chat_id: int,
    until: datetime,
    *,
    drop_percent: float,
    session: AsyncSession,
) -> Alert:
    """The alert of `search` for the changes in (its alerted_until, `until`].

    A search by deal (deals only, or sorted by deal or discount) looks only as far as the market
    values have taken in the crawls (a new car has no deal until then); its window ends earlier
    or is empty, and it waits.
    """
    filters = search_filters(search)
    since = search.alerted_until
    if reads_market(filters):
        valued = await session.scalar(
            select(func.max(CrawlRun.progress_at)).where(CrawlRun.market_valued_at.is_not(None))
        )
        until = max(since, min(until, valued or since))
    new = cars_query(filters).where(CARS.c.first_seen_at > since, CARS.c.first_seen_at <= until)
    was = _before(since)
    repriced = exists().where(
        HISTORY.c.car_id == CARS.c.id, HISTORY.c.observed_at > since, HISTORY.c.observed_at <= until
    )
    drops = (
        cars_query(filters)
        .add_columns(was.label("was_jpy"))
        .where(
            CARS.c.first_seen_at <= since,
            repriced,
            was * (100 - drop_percent) >= EFFECTIVE_PRICE * 100,
        )
        .order_by(None)
        .order_by((EFFECTIVE_PRICE * 1.0 / was).asc(), CARS.c.id)
    )
    new_rows = [dict(row) for row in (await session.execute(new.limit(TOP))).mappings()]
    drop_rows = [dict(row) for row in (await session.execute(drops)).mappings()]
    new_count = len(new_rows)
    if new_count == TOP:
        counted = select(func.count()).select_from(new.order_by(None).subquery())
        new_count = await session.scalar(counted) or 0
    return Alert(
        search=search,
        chat_id=chat_id,
        since=since,
        until=until,
        new=new_rows,
        drops=[PriceDrop(row, row.pop("was_jpy")) for row in drop_rows[:TOP]],
        new_count=new_count,
        drop_count=len(drop_rows),
    )


async def claim(alert: Alert, *, session: AsyncSession) -> bool:
    """Move the search's watermark to the alert's end if nobody else has; whether this did.

    The caller commits, then sends: a process that dies in between loses one alert, but two
    processes never both send it.
    """
    values: dict[str, Any] = {"alerted_until": alert.until}
    if not alert.empty:
        values["last_alert_at"] = utcnow()
    result = await session.execute(
        update(SavedSearch)
        .where(SavedSearch.id == alert.search.id, SavedSearch.alerted_until == alert.since)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- linking a web user's Telegram chat -------------------------------------------------------

LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LINK_CODE_TTL = timedelta(minutes=10)


def new_link_code() -> str:
    """A one-time code of 8 characters (40 bits) the user sends the bot as /link CODE."""
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(8))


def link_code_hash(code: str) -> str:
    """The SHA-256 under which a code is kept: spaces, dashes and case do not matter."""
    folded = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(folded.encode()).hexdigest()


async def link_chat(code: str, chat_id: int, *, session: AsyncSession) -> User | None:
    """Link `chat_id` to the user whose unexpired code this is, and spend the code.

    A chat linked to another user before moves to this one. None for an unknown or expired
    code; the caller commits.
    """
    user = await session.scalar(
        select(User).where(
            User.link_code_hash == link_code_hash(code),
            User.link_code_expires_at > utcnow(),
            User.is_active.is_(True),
        )
    )
    if user is None:
        return None
    await session.execute(
        update(User)
        .where(User.telegram_chat_id == chat_id, User.id != user.id)
        .values(telegram_chat_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    user.telegram_chat_id = chat_id
    user.link_code_hash = None
    user.link_code_expires_at = None
    return user
