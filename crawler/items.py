"""The crawler's items: what the spider reads off a page, then what the pipelines derive."""

from dataclasses import dataclass, field

# The `source` of every listing this crawler stores.
SOURCE = "carsensor"


@dataclass(slots=True)
class CarItem:
    """One listing. The spider fills the raw text fields; pipelines fill the normalised ones."""

    # Identity, read off the list card.
    external_id: str | None = None
    url: str | None = None
    source: str = SOURCE

    # Raw text as the page shows it.
    make_ja: str | None = None
    model_ja: str | None = None
    grade: str | None = None
    year_raw: str | None = None
    mileage_raw: str | None = None
    price_raw: str | None = None
    total_price_raw: str | None = None
    engine_raw: str | None = None
    transmission_ja: str | None = None
    body_type_ja: str | None = None
    color_ja: str | None = None
    fuel_ja: str | None = None
    drive_raw: str | None = None
    seats_raw: str | None = None
    doors_raw: str | None = None
    repair_raw: str | None = None
    inspection: str | None = None
    prefecture: str | None = None
    city: str | None = None
    shop_name: str | None = None
    shop_url: str | None = None
    image_url: str | None = None
    photos: list[str] | None = None

    # Normalised field -> the raw text behind it, when it was unreadable or carried a note
    # (a meter swap): kept for a buyer to read instead of dropping the listing.
    unparsed: dict[str, str] = field(default_factory=dict)

    # Lifecycle facts the spider learns from the detail request.
    is_active: bool = True
    detail_fetched: bool = False

    # Normalised values, filled by the pipelines.
    make: str | None = None
    make_code: str | None = None
    model: str | None = None
    year: int | None = None
    mileage_km: int | None = None
    price_jpy: int | None = None
    total_price_jpy: int | None = None
    engine_cc: int | None = None
    transmission: str | None = None
    body_type: str | None = None
    color: str | None = None
    fuel: str | None = None
    drive: str | None = None
    seats: int | None = None
    doors: int | None = None
    repair_history: bool | None = None
