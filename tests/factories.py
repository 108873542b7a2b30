"""Test data shared by the services' tests: listings as the crawler's pipelines leave them."""

from crawler.items import CarItem


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
