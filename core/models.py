"""SQLAlchemy models: the one `cars` table every service reads, its price history, and the rest."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    desc,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.market import DEALS
from core.vocab import BODY_TYPES, COLORS, FUELS, TRANSMISSIONS

# SQLite only auto-increments a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer, "sqlite")
# none_as_null: a listing without photos stores SQL NULL, not JSON null, so COALESCE keeps the old.
JsonList = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
JsonObject = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that SQLite (which stores naive text) also returns as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Reject naive datetimes and store everything in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive values SQLite hands back."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...], table: str = "cars") -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


# The price range filter's key, the same expression as core.filters.EFFECTIVE_PRICE.
_EFFECTIVE_PRICE = func.coalesce(text("total_price_jpy"), text("price_jpy"))

# The `info` of a `cars` column. listed: part of a car in a list, the export and the bot's
# answers; shown: on the detail only. crawled: read off every list card (a re-crawl overwrites
# it) or often only off the detail page (a crawl that skips the detail keeps the stored value).
LISTED: dict[str, object] = {"shown": "list"}
SHOWN: dict[str, object] = {"shown": "detail"}
CARD: dict[str, object] = {"crawled": "card"}
DETAIL: dict[str, object] = {"crawled": "detail"}


class Base(DeclarativeBase):
    """Declarative base of every model."""


class Car(Base):
    """One used-car listing, normalised, keyed by (source, external_id)."""

    __tablename__ = "cars"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_cars_source_external_id"),
        _one_of("transmission", TRANSMISSIONS),
        _one_of("fuel", FUELS),
        _one_of("body_type", BODY_TYPES),
        _one_of("color", COLORS),
        Index("ix_cars_make_model", "make", "model"),
        Index("ix_cars_year", "year"),
        Index("ix_cars_effective_price", _EFFECTIVE_PRICE),
        Index("ix_cars_mileage_km", "mileage_km"),
        Index("ix_cars_updated_at", "updated_at"),
        Index("ix_cars_stale", "source", "is_active", "last_seen_at"),
        # Migration 0002: one index per sort of GET /api/cars, and on PostgreSQL a DESC NULLS
        # LAST twin of each nullable key (SQLite reads the ascending one backwards). The price
        # sort is by total price since migration 0012.
        Index(
            "ix_cars_sort_price",
            "is_active",
            "total_price_jpy",
            "id",
            postgresql_include=["price_jpy"],
        ),
        Index(
            "ix_cars_sort_price_desc",
            "is_active",
            desc("total_price_jpy").nulls_last(),
            desc("id"),
            postgresql_include=["price_jpy"],
        ).ddl_if(dialect="postgresql"),
        Index("ix_cars_sort_year", "is_active", "year", "id"),
        Index(
            "ix_cars_sort_year_desc",
            "is_active",
            desc("year").nulls_last(),
            desc("id"),
        ).ddl_if(dialect="postgresql"),
        Index("ix_cars_sort_mileage", "is_active", "mileage_km", "id"),
        Index(
            "ix_cars_sort_mileage_desc",
            "is_active",
            desc("mileage_km").nulls_last(),
            desc("id"),
        ).ddl_if(dialect="postgresql"),
        Index("ix_cars_sort_updated", "is_active", "updated_at", "id"),
        # core.filters.SEARCH_TEXT under pg_trgm, nested as PostgreSQL prints it back, so that
        # alembic check can compare the expression with the database's.
        Index(
            "ix_cars_search_trgm",
            literal_column(
                "((((((((coalesce(make, '') || ' ') || coalesce(make_ja, '')) || ' ')"
                " || coalesce(model, '')) || ' ') || coalesce(model_ja, '')) || ' ')"
                " || coalesce(grade, ''))"
            ).label("search_text"),
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # Migration 0005: one make by price, and a prefecture's newest listings.
        Index(
            "ix_cars_make_price",
            "make",
            "is_active",
            "total_price_jpy",
            "id",
            postgresql_include=["price_jpy", "model"],
        ),
        Index("ix_cars_prefecture_updated", "prefecture", "is_active", "updated_at", "id"),
    )

    # Each column's `info` says where it shows and where the crawler reads it (`listed`,
    # `shown`, `crawled` below): the API's models, the export and the upsert derive from it.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, info=LISTED)
    source: Mapped[str] = mapped_column(String(32), info=LISTED)
    external_id: Mapped[str] = mapped_column(String(32), info=LISTED)
    url: Mapped[str] = mapped_column(Text, info=CARD | LISTED)

    make: Mapped[str | None] = mapped_column(String(64), info=CARD | LISTED)
    make_ja: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    make_code: Mapped[str | None] = mapped_column(String(8), info=CARD)
    model: Mapped[str | None] = mapped_column(String(128), info=CARD | LISTED)
    model_ja: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    grade: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)

    year: Mapped[int | None] = mapped_column(Integer, info=CARD | LISTED)
    mileage_km: Mapped[int | None] = mapped_column(Integer, info=CARD | LISTED)
    price_jpy: Mapped[int | None] = mapped_column(BigInteger, info=CARD | LISTED)
    total_price_jpy: Mapped[int | None] = mapped_column(BigInteger, info=CARD | LISTED)
    color: Mapped[str | None] = mapped_column(String(16), info=DETAIL | LISTED)
    color_ja: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    body_type: Mapped[str | None] = mapped_column(String(16), info=DETAIL | LISTED)
    body_type_ja: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    transmission: Mapped[str | None] = mapped_column(String(16), info=DETAIL | LISTED)
    transmission_ja: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    fuel: Mapped[str | None] = mapped_column(String(16), info=DETAIL | LISTED)
    fuel_ja: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    engine_cc: Mapped[int | None] = mapped_column(Integer, info=DETAIL | LISTED)
    drive: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    seats: Mapped[int | None] = mapped_column(Integer, info=DETAIL | SHOWN)
    doors: Mapped[int | None] = mapped_column(Integer, info=DETAIL | SHOWN)

    repair_history: Mapped[bool | None] = mapped_column(Boolean, info=DETAIL | LISTED)
    inspection: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    prefecture: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    city: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    shop_name: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    shop_url: Mapped[str | None] = mapped_column(Text, info=CARD | LISTED)
    image_url: Mapped[str | None] = mapped_column(Text, info=DETAIL | LISTED)
    photos: Mapped[list[str] | None] = mapped_column(JsonList, info=DETAIL | SHOWN)
    # Field -> the page's text where it was unreadable or annotated (migration 0006).
    raw_values: Mapped[dict[str, str] | None] = mapped_column(JsonObject, info=CARD | SHOWN)

    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info=CARD | LISTED)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=LISTED)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=LISTED)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=LISTED)
    detail_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=DETAIL)


class CarMarket(Base):
    """A car's market value and deal (core.valuation, migrations 0014–0016), beside `cars`.

    Recomputed after every crawl that changed anything, which rewrites most of them: in this
    narrow table with five indexes that takes seconds, where rewriting them in `cars`, with its
    twenty-odd indexes, took minutes at 500k cars (docs/benchmarks.md, "Market value"). A car
    has a row once a recompute took it in; its values are NULL where it had too few comparables.
    Never crawled, so never upserted by the crawler.
    """

    __tablename__ = "car_market"
    __table_args__ = (
        _one_of("deal", DEALS, "car_market"),
        # The deal sort (price ÷ market, best first) and the discount sort, as the sorts on
        # `cars`: on PostgreSQL with a DESC NULLS LAST twin.
        Index("ix_car_market_deal", "deal_ratio", "car_id"),
        Index("ix_car_market_deal_desc", desc("deal_ratio").nulls_last(), desc("car_id")).ddl_if(
            dialect="postgresql"
        ),
        Index("ix_car_market_discount", "market_discount_jpy", "car_id"),
        Index(
            "ix_car_market_discount_desc", desc("market_discount_jpy").nulls_last(), desc("car_id")
        ).ddl_if(dialect="postgresql"),
    )

    car_id: Mapped[int] = mapped_column(ForeignKey("cars.id", ondelete="CASCADE"), primary_key=True)
    market_price_jpy: Mapped[int | None] = mapped_column(BigInteger, info=LISTED)
    market_p25_jpy: Mapped[int | None] = mapped_column(BigInteger, info=LISTED)
    market_p75_jpy: Mapped[int | None] = mapped_column(BigInteger, info=LISTED)
    market_comparables: Mapped[int | None] = mapped_column(Integer, info=LISTED)
    deal: Mapped[str | None] = mapped_column(String(16), info=LISTED)
    # Total price ÷ market price, the deal's sort key (best first).
    deal_ratio: Mapped[float | None] = mapped_column(Double, info=LISTED)
    # Market price − total price: how many yen under the market (negative: over it).
    market_discount_jpy: Mapped[int | None] = mapped_column(BigInteger, info=LISTED)
    # The last change of the total price (else the body price): new minus old, and when.
    price_change_jpy: Mapped[int | None] = mapped_column(BigInteger, info=LISTED)
    price_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=LISTED)


# A car's columns: those of `cars`, then its market values.
CAR_TABLES = (Car.__table__, CarMarket.__table__)


def car_columns(key: str, *values: object) -> tuple[str, ...]:
    """The names of a car's columns (CAR_TABLES) whose info[key] is one of `values`, in order."""
    return tuple(c.name for table in CAR_TABLES for c in table.c if c.info.get(key) in values)


# A car in a list, the export and the bot's answers; on the detail, also the SHOWN columns.
LISTED_COLUMNS = car_columns("shown", "list")
SHOWN_COLUMNS = car_columns("shown", "list", "detail")


class CarPriceHistory(Base):
    """A car's price at its first observation and at every change."""

    __tablename__ = "car_price_history"
    __table_args__ = (Index("ix_car_price_history_car_observed", "car_id", "observed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    car_id: Mapped[int] = mapped_column(ForeignKey("cars.id", ondelete="CASCADE"))
    price_jpy: Mapped[int | None] = mapped_column(BigInteger)
    total_price_jpy: Mapped[int | None] = mapped_column(BigInteger)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A person who may sign in to the API, with an argon2 password hash."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("telegram_chat_id", name="uq_users_telegram_chat_id"),
        UniqueConstraint("link_code_hash", name="uq_users_link_code_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Admins may start crawls (POST /api/crawls); `python -m api.create_admin` makes one.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Access tokens issued before this instant are refused: set when the user is disabled,
    # demoted or gets a new password (migration 0008).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Telegram chat the user's saved searches alert, linked by a one-time code the web app
    # shows and the bot reads (/link CODE); the code is kept only as its SHA-256 (migration 0013).
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    link_code_hash: Mapped[str | None] = mapped_column(String(64))
    link_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    """One issued refresh token, stored only as its SHA-256; rotation chains form a family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed sign-in (or one in progress), kept for the throttling window: counted per
    username and address together, and per address (api.accounts.standing)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index(
            "ix_login_failures_username_client_failed_at", "username", "client_address", "failed_at"
        ),
        Index("ix_login_failures_client_failed_at", "client_address", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CRAWL_STATUSES = ("pending", "running", "finished", "incomplete", "failed", "lost")
_ACTIVE_RUN = "status IN ('pending', 'running')"


class CrawlRun(Base):
    """One scrapyd job crawling one shard (a maker code, or 'all'), and how it ended."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in CRAWL_STATUSES)),
            name="ck_crawl_runs_status",
        ),
        Index("ix_crawl_runs_shard", "shard", "id"),
        # At most one pending or running run per shard, even with two schedulers racing.
        Index(
            "uq_crawl_runs_active_shard",
            "shard",
            unique=True,
            postgresql_where=text(_ACTIVE_RUN),
            sqlite_where=text(_ACTIVE_RUN),
        ),
        Index("ix_crawl_runs_status", "status"),
        Index("ix_crawl_runs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # A maker code, "all", or up to 8 small makers' codes joined by "+" (core.crawls.plan).
    shard: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(Text)
    job_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Progress while running, from the crawl's periodic log line; final once it has ended.
    pages_crawled: Mapped[int | None] = mapped_column(Integer)
    items_scraped: Mapped[int | None] = mapped_column(Integer)
    items_stored: Mapped[int | None] = mapped_column(Integer)
    items_dropped: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[int | None] = mapped_column(Integer)
    # Why a run ended incomplete or failed (migration 0006).
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written by the crawl itself (crawler.extensions.RunReport) every few seconds and at its
    # end: the denominator of its progress, and what its listings did (migration 0009).
    pages_expected: Mapped[int | None] = mapped_column(Integer)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listings_new: Mapped[int | None] = mapped_column(Integer)
    listings_changed: Mapped[int | None] = mapped_column(Integer)
    listings_unchanged: Mapped[int | None] = mapped_column(Integer)
    listings_gone: Mapped[int | None] = mapped_column(Integer)
    listings_reappeared: Mapped[int | None] = mapped_column(Integer)
    details_fetched: Mapped[int | None] = mapped_column(Integer)
    details_failed: Mapped[int | None] = mapped_column(Integer)
    # Set with the final report: the run's own verdict, which the scheduler adopts.
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Spidermon's checks of the run (migration 0010): [{"name", "ok", "detail"}], and the share
    # of stored items that had each field, which the next run of the shard is compared with.
    monitors: Mapped[list[dict[str, object]] | None] = mapped_column(JsonList)
    fill_rates: Mapped[dict[str, float] | None] = mapped_column(JsonObject)
    # When the market values (core.valuation) were next recomputed after the run had ended
    # (migration 0015): deals-only alerts wait for it.
    market_valued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrawlBudget(Base):
    """The site-wide request schedule every crawl job books its requests from (crawler.budget).

    Times are seconds since the epoch on the database's clock, so nodes need not agree on theirs.
    """

    __tablename__ = "crawl_budget"

    site: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The end of the last slot booked by anyone, and the last slot a list crawl booked.
    next_at: Mapped[float] = mapped_column(Double, default=0.0)
    list_at: Mapped[float] = mapped_column(Double, default=0.0)


class ChatState(Base):
    """A Telegram chat's conversation (aiogram's FSM state and data), shared by bot processes."""

    __tablename__ = "chat_states"

    # aiogram's StorageKey as "bot:chat:user:thread:business:destiny" (bot.storage).
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, object] | None] = mapped_column(JsonObject)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeRate(Base):
    """The yen price of one unit of a currency, as the last refresh from a rates feed read it."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)  # USD, EUR, RUB
    yen_per_unit: Mapped[float] = mapped_column(Double)
    as_of: Mapped[date] = mapped_column(Date)  # the feed's own date for the rate
    source: Mapped[str] = mapped_column(Text)  # the feed's address
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedSearch(Base):
    """Filters someone asked to be told about: new matching cars and price drops (core.alerts).

    Saved in the web app by a user (alerts go to the user's linked chat) or in the bot by a
    chat (/watch). Changes up to `alerted_until` have been told, or were there before it was
    saved.
    """

    __tablename__ = "saved_searches"
    __table_args__ = (
        CheckConstraint(
            "user_id IS NOT NULL OR chat_id IS NOT NULL", name="ck_saved_searches_owner"
        ),
        Index("ix_saved_searches_user_id", "user_id"),
        Index("ix_saved_searches_chat_id", "chat_id"),
        Index("ix_saved_searches_alerted_until", "alerted_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    # core.filters.CarFilters as JSON, only the fields that are set.
    filters: Mapped[dict[str, object]] = mapped_column(JsonObject)
    language: Mapped[str] = mapped_column(String(2), default="en")  # the alert's: en, ru, ja
    currency: Mapped[str] = mapped_column(String(3), default="JPY")  # the alert's prices
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    alerted_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
