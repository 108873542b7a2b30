"""Response and request bodies of the API."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args, get_type_hints

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    create_model,
    field_validator,
)

from core import crawls, vocab
from core.filters import CarFilters
from core.market import days_on_market
from core.models import LISTED_COLUMNS, SHOWN_COLUMNS, Car, CarMarket, utcnow
from core.prefectures import prefecture_by_ja


class Credentials(BaseModel):
    """A username and password, as JSON or as the OAuth2 password form."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)

    @field_validator("username")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Token(BaseModel):
    """An access token; the refresh token travels in an httpOnly cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class Me(BaseModel):
    """The signed-in user."""

    id: int
    username: str
    is_admin: bool
    telegram_linked: bool = Field(description="Whether alerts have a Telegram chat to go to")


def _car_fields(names: tuple[str, ...]) -> dict[str, Any]:
    """pydantic fields of these car columns, typed by their Mapped[...] declarations."""
    hints = get_type_hints(Car) | get_type_hints(CarMarket)
    return {name: (get_args(hints[name])[0], ...) for name in names}


class PricePoint(BaseModel):
    """A car's price at one observation."""

    model_config = ConfigDict(from_attributes=True)

    price_jpy: int | None
    total_price_jpy: int | None
    observed_at: datetime


class _Car(BaseModel):
    """What the API adds to every car: the prefecture's English name."""

    model_config = ConfigDict(from_attributes=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def prefecture_en(self) -> str | None:
        """The prefecture in English (Osaka for 大阪府), or None when unknown."""
        found = prefecture_by_ja(getattr(self, "prefecture", None))
        return found.en if found else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def days_on_market(self) -> int | None:
        """Whole days on sale: to now, or to when it was last seen once gone."""
        first_seen_at: datetime | None = getattr(self, "first_seen_at", None)
        if first_seen_at is None:
            return None
        gone_at = None if getattr(self, "is_active", True) else getattr(self, "last_seen_at", None)
        return days_on_market(first_seen_at, gone_at, now=utcnow())


class _CarDetail(_Car):
    """What a car's detail adds to its SHOWN columns."""

    price_history: list[PricePoint]

    @field_validator("photos", mode="before", check_fields=False)
    @classmethod
    def _no_photos(cls, value: object) -> object:
        return [] if value is None else value


# The car's fields are declared once, in core.models.Car; these models derive from it.
CarOut = create_model(
    "CarOut",
    __base__=_Car,
    __doc__="A car as the list, the export and the bot show it.",
    **_car_fields(LISTED_COLUMNS),
)
CarDetail = create_model(
    "CarDetail",
    __base__=_CarDetail,
    __doc__="A car with its photos, seats, doors, price history and the page's unread values.",
    **_car_fields(SHOWN_COLUMNS),
)


class CarPage(BaseModel):
    """One page of cars, the total matching, and a cursor to the next page."""

    items: list[CarOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page (keyset: fast at any depth)"
    )


class Comparables(BaseModel):
    """The cars a car's market price is estimated from, nearest first."""

    items: list[CarOut]


class _PriceQuartiles(BaseModel):
    count: int
    p25_jpy: int
    median_jpy: int
    p75_jpy: int


class YearMarket(_PriceQuartiles):
    """Total prices of one model year, and the median of its cars' market prices (the curve)."""

    year: int
    market_median_jpy: int | None


class MileageMarket(_PriceQuartiles):
    """Total prices in one mileage band, [min_km, max_km); the last band has no max."""

    min_km: int
    max_km: int | None


class MarketPoint(BaseModel):
    """One listing of a model, for a chart of price against year."""

    id: int
    year: int
    mileage_km: int | None
    total_price_jpy: int
    market_price_jpy: int | None
    deal: str | None


class MarketStats(BaseModel):
    """A model's market now, from its active listings with a total price."""

    make: str
    model: str
    model_ja: str | None
    count: int
    p25_jpy: int | None = None
    median_jpy: int | None = None
    p75_jpy: int | None = None
    median_days_on_market: int | None
    by_year: list[YearMarket]
    by_mileage: list[MileageMarket]
    points: list[MarketPoint] = Field(description="At most 3,000, spread evenly when more")
    points_total: int


class FacetValue(BaseModel):
    """A distinct value and how many cars have it."""

    value: str
    count: int


class MakeFacet(FacetValue):
    """A make with its models."""

    models: list[FacetValue]


class Facets(BaseModel):
    """The distinct values of each filter under the current filters, with counts."""

    makes: list[MakeFacet]
    colors: list[FacetValue]
    body_types: list[FacetValue]
    transmissions: list[FacetValue]
    fuels: list[FacetValue]
    prefectures: list[FacetValue]


class Health(BaseModel):
    """Whether the API can reach its database, and whether the crawled data is fresh."""

    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="degraded: a scheduled shard has no complete crawl within 2 × CRAWL_INTERVAL"
    )
    database: Literal["ok", "unreachable"]
    last_crawl_at: datetime | None = Field(None, description="When a listing was last seen")
    data_age_seconds: float | None = Field(
        None, description="Seconds since the newest complete list crawl ended; null: none did"
    )
    reasons: list[str] = Field(default=[], description="Why the status is degraded, per shard")


class Problem(BaseModel):
    """Every error body: a message, or for 422 the list of invalid parameters."""

    detail: str | list[dict[str, object]]
    # Sign-in refusals (401, 429): failures left before the next one brings a delay.
    attempts_left: int | None = None


class MonitorResult(BaseModel):
    """One of Spidermon's checks of a run, as the crawl recorded it."""

    name: str
    ok: bool
    detail: str | None = None


class CrawlRunOut(BaseModel):
    """One scrapyd job crawling one shard; progress while running, counts once ended."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shard: str
    node: str
    job_id: str
    status: Literal["pending", "running", "finished", "incomplete", "failed", "lost"]
    # Why a run is incomplete (nothing was marked gone), or what flagged it (the sweep guard).
    reason: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pages_crawled: int | None
    items_scraped: int | None
    items_stored: int | None
    items_dropped: int | None
    errors: int | None
    # Written by the crawl itself while it runs and at its end; null before its first report.
    pages_expected: int | None = Field(description="Pages the result bars and pagers promise")
    progress_at: datetime | None = Field(description="When the crawl last wrote its counters")
    listings_new: int | None
    listings_changed: int | None
    listings_unchanged: int | None
    listings_gone: int | None
    listings_reappeared: int | None
    details_fetched: int | None
    details_failed: int | None
    monitors: list[MonitorResult] | None = Field(
        default=None, description="Spidermon's checks of the run once it ended; null before"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def makers(self) -> list[str]:
        """The makers the shard crawls, in English; empty for "all" and the details backfill."""
        makes = (vocab.make_by_code(code) for code in crawls.shard_makes(self.shard))
        return [make.en for make in makes if make is not None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float | None:
        """Pages read of pages expected, 0-100; null until the crawl knows how many to expect."""
        return crawls.progress(self).percent

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pages_per_second(self) -> float | None:
        """Pages read per second since the run started, as of its last report."""
        return crawls.progress(self).pages_per_second

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at that rate while the run is active; null once it has ended."""
        return crawls.progress(self).eta_seconds


class CrawlList(BaseModel):
    """Recent crawl runs, newest first."""

    runs: list[CrawlRunOut]
    active: int = Field(description="Runs pending or running now")
    last: CrawlRunOut | None = Field(description="The newest run")
    can_start: bool = Field(description="Whether this user may start a crawl")


class CrawlStart(BaseModel):
    """Which shards to crawl now; none given means every configured shard."""

    shards: list[str] | None = Field(default=None, min_length=1, max_length=100)


class CrawlStarted(BaseModel):
    """The runs a POST /api/crawls started."""

    job_ids: list[str]
    runs: list[CrawlRunOut]


# Team accounts: /api/users and /api/me/password.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class UserOut(BaseModel):
    """A user as admins see them (never a password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    """Every user, by username."""

    users: list[UserOut]


class UserCreate(BaseModel):
    """A new account; the password must pass the rules (422 names the one it breaks)."""

    # No whitespace or control characters: a name to type at sign-in, and no NUL for PostgreSQL.
    username: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f]+$")
    password: Password
    is_admin: bool = False


class UserUpdate(BaseModel):
    """What an admin changes on an account; a field left out (or null) stays as it is."""

    is_active: bool | None = None
    is_admin: bool | None = None
    password: Password | None = None


class PasswordChange(BaseModel):
    """The signed-in user's current password and the new one."""

    old_password: Password
    new_password: Password


class PrefectureName(BaseModel):
    """A prefecture as listings store it (ja), in English and in Russian."""

    ja: str
    en: str
    ru: str


class RatesOut(BaseModel):
    """The yen price of one dollar, euro and rouble, and the day it held."""

    yen_per: dict[str, float] = Field(description="Currency code → yen for one unit")
    as_of: date | None
    source: Literal["settings", "feed"]


class Reference(BaseModel):
    """What the clients show beside the cars: prefecture names and exchange rates."""

    prefectures: list[PrefectureName]
    rates: RatesOut


Language = Literal["en", "ru", "ja"]
Currency = Literal["JPY", "USD", "EUR", "RUB"]


class SavedSearchIn(BaseModel):
    """Filters to be told about, with a name, and the language and currency of the alerts."""

    name: str = Field(min_length=1, max_length=200)
    filters: CarFilters
    language: Language = "en"
    currency: Currency = "JPY"


class SavedSearchOut(BaseModel):
    """A saved search."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    filters: dict[str, Any] = Field(description="GET /api/cars's filters, as saved")
    language: Language
    currency: Currency
    created_at: datetime
    last_alert_at: datetime | None


class LinkCode(BaseModel):
    """A one-time code that links the user's Telegram chat: send `command` to the bot."""

    code: str
    command: str
    expires_at: datetime
