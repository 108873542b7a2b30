"""The item pipelines one by one, with a real Scrapy crawler object and a real database."""

import asyncio
import dataclasses

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, select

from core.models import Car
from crawler.items import CarItem
from crawler.pipelines import (
    FoldTextPipeline,
    NumbersPipeline,
    RequiredFieldsPipeline,
    StorePipeline,
    VocabularyPipeline,
)
from crawler.spiders.carsensor import CarsensorSpider


def raw_card(external_id: str = "AU1", **values: str | None) -> CarItem:
    """A card as the spider yields it: raw display strings only."""
    item = CarItem(
        external_id=external_id,
        url=f"https://www.carsensor.net/usedcar/detail/{external_id}/index.html",
        make_ja="ＢＭＷ", model_ja="３シリーズ", grade="320i", year_raw="2019(H31)",
        mileage_raw="2.7万km", price_raw="201.6", total_price_raw="215.3", engine_raw="2000CC",
        transmission_ja="フロアMTモード付7AT", body_type_ja="セダン", color_ja="黒Ｍ",
        repair_raw="なし",
    )  # fmt: skip
    return dataclasses.replace(item, **values)


def crawler(db_url: str = "sqlite://", **settings: object) -> Crawler:
    return get_crawler(CarsensorSpider, {"DATABASE_URL": db_url, **settings})


def normalised(item: CarItem, crawl: Crawler) -> CarItem:
    """Run the cleanup pipelines in their configured order."""
    for pipeline in (
        RequiredFieldsPipeline.from_crawler(crawl),
        FoldTextPipeline(),
        NumbersPipeline.from_crawler(crawl),
        VocabularyPipeline.from_crawler(crawl),
    ):
        item = pipeline.process_item(item)
    return item


def test_a_clean_card_comes_out_canonical() -> None:
    item = normalised(raw_card(), crawler())
    assert (item.make, item.make_ja, item.make_code) == ("BMW", "BMW", "BM")
    assert (item.model, item.model_ja) == ("3 Series", "3シリーズ")
    assert (item.year, item.mileage_km, item.price_jpy, item.total_price_jpy) == (
        2019, 27_000, 2_016_000, 2_153_000,
    )  # fmt: skip
    assert (item.transmission, item.body_type, item.color, item.repair_history) == (
        "automatic", "sedan", "black", False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"external_id": None}, "missing_external_id"),
        ({"url": ""}, "missing_url"),
        ({"model_ja": None}, "missing_model_ja"),
        ({"price_raw": "12a.3"}, "garbled_price_jpy"),
        ({"year_raw": "X99"}, "garbled_year"),
        ({"mileage_raw": "many km"}, "garbled_mileage_km"),
    ],
)
def test_bad_cards_drop_with_a_counted_reason(values: dict[str, str | None], reason: str) -> None:
    crawl = crawler()
    with pytest.raises(DropItem, match=reason):
        normalised(raw_card(**values), crawl)
    assert crawl.stats is not None
    assert crawl.stats.get_value(f"item_dropped_reasons_count/{reason}") == 1


def test_unknown_vocabulary_keeps_the_original_and_is_counted() -> None:
    crawl = crawler()
    item = normalised(
        raw_card(make_ja="謎の自動車", color_ja="虹色", transmission_ja="その他"), crawl
    )
    assert (item.make, item.model, item.make_ja) == (None, None, "謎の自動車")
    assert (item.color, item.color_ja, item.transmission) == ("other", "虹色", None)
    assert crawl.stats is not None
    for kind in ("make", "model", "color", "transmission"):
        assert crawl.stats.get_value(f"vocab/unknown/{kind}") == 1


def test_a_row_the_database_refuses_costs_only_itself(db_url: str, db_engine: Engine) -> None:
    crawl = crawler(db_url, STORE_BATCH_SIZE=10)
    store = StorePipeline.from_crawler(crawl)
    items = [normalised(raw_card(f"AU{n}"), crawl) for n in range(5)]
    items[2].color = "mauve"  # violates the colour CHECK constraint on both backends

    async def run() -> None:
        for item in items:
            await store.process_item(item)
        await store.close_spider()

    asyncio.run(run())
    assert crawl.stats is not None
    assert crawl.stats.get_value("store/rejected_items") == 1
    assert crawl.stats.get_value("store/items_stored") == 4
    with db_engine.connect() as conn:
        stored = set(conn.scalars(select(Car.external_id)))
    assert stored == {"AU0", "AU1", "AU3", "AU4"}
    assert not store.failed


def test_an_unreachable_database_fails_the_store_after_retries() -> None:
    down = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"
    crawl = crawler(down, STORE_RETRY_TIMES=1, STORE_RETRY_BACKOFF=0.01)
    store = StorePipeline.from_crawler(crawl)

    async def run() -> None:
        await store.process_item(normalised(raw_card(), crawl))
        await store.close_spider()
        await store.process_item(normalised(raw_card("AU2"), crawl))

    asyncio.run(run())
    assert store.failed
    assert crawl.stats is not None
    assert crawl.stats.get_value("store/failed_batches") == 1
    assert crawl.stats.get_value("store/unsaved_items") == 2
