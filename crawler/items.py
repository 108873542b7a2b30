"""The crawler's items: what the spider reads off a page, then what the pipelines derive."""

from dataclasses import dataclass, field, make_dataclass
from typing import Any, get_args, get_type_hints

from core.models import Car, car_columns

# The `source` of every listing this crawler stores.
SOURCE = "carsensor"


@dataclass(slots=True)
class ListingRead:
    """What a crawl knows of a listing besides its `cars` columns."""

    external_id: str | None = None
    source: str = SOURCE

    # The page's text behind the normalised numbers and facts.
    year_raw: str | None = None
    mileage_raw: str | None = None
    price_raw: str | None = None
    total_price_raw: str | None = None
    engine_raw: str | None = None
    drive_raw: str | None = None
    seats_raw: str | None = None
    doors_raw: str | None = None
    repair_raw: str | None = None

    # Normalised field -> the raw text behind it, when it was unreadable or carried a note
    # (a meter swap): kept for a buyer to read instead of dropping the listing. Stored as
    # cars.raw_values.
    unparsed: dict[str, str] = field(default_factory=dict)
    # Whether the detail page was read; stored as cars.detail_fetched_at.
    detail_fetched: bool = False


# The `cars` columns a crawl writes (core.models' `crawled`) that are fields of the item: all
# but the two that ListingRead's `unparsed` and `detail_fetched` fill in.
ITEM_COLUMNS = tuple(
    name
    for name in car_columns("crawled", "card", "detail")
    if name not in ("raw_values", "detail_fetched_at")
)


def _crawled_fields() -> list[tuple[str, Any, Any]]:
    """The ITEM_COLUMNS, typed as the model types them, with the model's defaults."""
    hints = get_type_hints(Car)
    fields = []
    for name in ITEM_COLUMNS:
        default = Car.__table__.c[name].default
        value = default.arg if default is not None and default.is_scalar else None
        fields.append((name, get_args(hints[name])[0], field(default=value)))
    return fields


# One listing: the spider fills the raw text and the columns a page shows as they are (make_ja,
# prefecture, …); the pipelines fill the normalised columns (make, year, price_jpy, …).
CarItem = make_dataclass(
    "CarItem",
    _crawled_fields(),
    bases=(ListingRead,),
    slots=True,
    namespace={"__module__": __name__, "__doc__": "One listing, as the crawler stores it."},
)
