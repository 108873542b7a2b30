"""The item pipelines one by one, with a real Scrapy crawler object and a real database."""

import asyncio
import dataclasses
import logging
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, select

from core.models import Car
from crawler.items import CarItem
from crawler.parsing import parse_list_page
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
    ],
)
def test_bad_cards_drop_with_a_counted_reason(values: dict[str, str | None], reason: str) -> None:
    crawl = crawler()
    with pytest.raises(DropItem, match=reason):
        normalised(raw_card(**values), crawl)
    assert crawl.stats is not None
    assert crawl.stats.get_value(f"item_dropped_reasons_count/{reason}") == 1


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"price_raw": "12a.3"}, "price_jpy", "12a.3"),
        ({"total_price_raw": "価格"}, "total_price_jpy", "価格"),
        ({"year_raw": "X99"}, "year", "X99"),
        ({"mileage_raw": "many km"}, "mileage_km", "many km"),
        ({"engine_raw": "2.0L"}, "engine_cc", "2.0L"),
    ],
)
def test_an_unreadable_figure_becomes_null_and_keeps_its_text(
    values: dict[str, str], field: str, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    crawl = crawler()
    with caplog.at_level(logging.WARNING, logger="crawler.pipelines"):
        item = normalised(raw_card("AU9", **values), crawl)
    assert getattr(item, field) is None
    assert item.unparsed == {field: text}
    # The rest of the listing is still read.
    assert (item.make, item.model, item.repair_history) == ("BMW", "3 Series", False)
    assert crawl.stats is not None
    assert crawl.stats.get_value(f"normalize/unreadable/{field}") == 1
    assert not any(k.startswith("item_dropped") for k in crawl.stats.get_stats())
    assert any(
        "AU9" in r.getMessage() and field in r.getMessage() and text in r.getMessage()
        for r in caplog.records
    )


def test_an_annotated_mileage_is_read_and_its_text_kept() -> None:
    crawl = crawler()
    item = normalised(raw_card(mileage_raw="3.5万km（メーター交換車）"), crawl)
    assert item.mileage_km == 35_000
    assert item.unparsed == {"mileage_km": "3.5万km(メーター交換車)"}  # NFKC-folded
    assert crawl.stats is not None
    assert crawl.stats.get_value("normalize/unreadable/mileage_km") is None
    assert normalised(raw_card(), crawl).unparsed == {}


def odd_cards() -> list[CarItem]:
    html = (Path(__file__).parent / "pages" / "list_odd_values.html").read_bytes()
    return parse_list_page(html, "https://www.carsensor.net/usedcar/index.html").cards


def test_odd_list_values_read_or_become_null() -> None:
    crawl = crawler()
    first, second, third = (normalised(card, crawl) for card in odd_cards())
    # Engine ―, a base price in 円, a mileage with (メーター交換車).
    assert (first.engine_cc, first.price_jpy, first.total_price_jpy) == (None, 1_980_000, None)
    assert (first.mileage_km, first.unparsed) == (35_000, {"mileage_km": "3.5万km(メーター交換車)"})
    # 0CC, 198.0万円 and a total in 円, a mileage with ※メーター交換.
    assert (second.engine_cc, second.price_jpy, second.total_price_jpy) == (
        None, 1_980_000, 2_150_000,
    )  # fmt: skip
    assert (second.mileage_km, second.unparsed) == (12_000, {"mileage_km": "1.2万km ※メーター交換"})
    # Engine —, mileage （走行不明）, and a garbled price: stored all the same.
    assert (third.engine_cc, third.mileage_km, third.price_jpy) == (None, None, None)
    assert third.unparsed == {"price_jpy": "12a.3"}
    assert (third.make, third.model, third.year) == ("Nissan", "Note", 2020)
    assert crawl.stats is not None
    assert crawl.stats.get_value("normalize/unreadable/price_jpy") == 1
    assert crawl.stats.get_value("normalize/unreadable/engine_cc") is None


def test_unparsed_text_is_stored_in_raw_values(db_url: str, db_engine: Engine) -> None:
    crawl = crawler(db_url)
    store = StorePipeline.from_crawler(crawl)

    async def run(items: list[CarItem]) -> None:
        for item in items:
            await store.process_item(item)
        await store.flush()

    asyncio.run(run([normalised(card, crawl) for card in odd_cards()]))
    with db_engine.connect() as conn:
        stored = {eid: raw for eid, raw in conn.execute(select(Car.external_id, Car.raw_values))}
    assert stored == {
        "AU7000000001": {"mileage_km": "3.5万km(メーター交換車)"},
        "AU7000000002": {"mileage_km": "1.2万km ※メーター交換"},
        "AU7000000003": {"price_jpy": "12a.3"},
    }
    # A later crawl that reads the price cleans the kept text away (a card column).
    fixed = odd_cards()[2]
    fixed.price_raw = "123.0"
    asyncio.run(run([normalised(fixed, crawl)]))
    asyncio.run(store.close_spider())
    with db_engine.connect() as conn:
        row = conn.execute(
            select(Car.price_jpy, Car.raw_values).where(Car.external_id == "AU7000000003")
        ).one()
    assert tuple(row) == (1_230_000, None)


def test_unknown_vocabulary_keeps_the_original_and_is_counted() -> None:
    crawl = crawler()
    item = normalised(
        raw_card(make_ja="謎の自動車", color_ja="虹色", transmission_ja="その他"), crawl
    )
    assert (item.make, item.model, item.make_ja) == (None, None, "謎の自動車")
    assert (item.color, item.color_ja, item.transmission) == ("other", "虹色", None)
    assert crawl.stats is not None
    for kind in ("maker", "model", "color", "transmission"):
        assert crawl.stats.get_value(f"vocab/unknown_{kind}") == 1


def test_an_unknown_maker_keeps_the_code_it_was_listed_under() -> None:
    crawl = crawler()
    item = normalised(raw_card(make_ja="謎の自動車", model_ja="謎", make_code="UT"), crawl)
    assert (item.make, item.make_code, item.make_ja, item.model) == (
        "Toyota USA", "UT", "謎の自動車", None,
    )  # fmt: skip
    assert crawl.stats is not None
    assert crawl.stats.get_value("vocab/unknown_maker") == 1
    assert crawl.stats.get_value("vocab/unknown_model") == 1


def test_a_known_maker_under_another_code_keeps_the_lists_code() -> None:
    crawl = crawler()
    item = normalised(raw_card(make_code="AL"), crawl)  # a BMW card on the Alpina list
    assert (item.make, item.make_code) == ("BMW", "AL")
    assert crawl.stats is not None
    assert crawl.stats.get_value("vocab/maker_code_mismatch") == 1


def test_the_catalogue_gives_a_body_type_the_card_lacks() -> None:
    item = normalised(raw_card(make_ja="トヨタ", model_ja="プリウス", body_type_ja=None), crawler())
    assert (item.model, item.body_type) == ("Prius", "hatchback")


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
