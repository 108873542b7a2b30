"""Pure parsing: our own fixture pages, and the real carsensor pages when ../shared is there."""

from pathlib import Path

import pytest

from crawler.items import CarItem
from crawler.parsing import apply_detail, clean_url, parse_detail_page, parse_list_page

PAGES = Path(__file__).parent / "pages"
BASE = "https://www.carsensor.net/usedcar/bBM/index.html"


def edge_cases() -> list[CarItem]:
    return parse_list_page((PAGES / "list_edge_cases.html").read_bytes(), BASE).cards


def test_list_page_reads_every_card_but_not_the_lease_carousel() -> None:
    page = parse_list_page((PAGES / "list_edge_cases.html").read_text(), BASE)
    assert [c.external_id for c in page.cards] == ["AU1111111111", "AU2222222222", None]
    assert not any("/lease/" in (c.url or "") for c in page.cards)
    assert page.complete
    assert page.has_pager and page.next_url is None  # the next button is disabled


def test_card_fields_are_raw_strings() -> None:
    bmw = edge_cases()[0]
    assert bmw.url == "https://www.carsensor.net/usedcar/detail/AU1111111111/index.html"
    assert (bmw.make_ja, bmw.model_ja, bmw.grade) == ("ＢＭＷ", "３シリーズ", "320i Mスポーツ")
    assert (bmw.price_raw, bmw.total_price_raw) == ("応談", "---")
    assert (bmw.year_raw, bmw.mileage_raw) == ("H31", "不明")
    assert (bmw.body_type_ja, bmw.color_ja) == ("セダン", "黒Ｍ")
    assert (bmw.engine_raw, bmw.transmission_ja) == ("２０００ＣＣ", "フロアMTモード付7AT")
    assert (bmw.repair_raw, bmw.inspection) == ("あり", "車検整備無")
    assert (bmw.prefecture, bmw.city, bmw.shop_name) == ("東京都", "世田谷区", "テスト自動車")
    assert bmw.shop_url == "https://www.carsensor.net/shop/tokyo/000000001/"
    assert bmw.image_url == "https://ccsrpcma.carsensor.net/CSphoto/bkkn/001/AU1_001L.JPG"


def test_card_prices_join_their_spans() -> None:
    benz = edge_cases()[1]
    assert (benz.price_raw, benz.total_price_raw) == ("201.6", "63")
    assert (benz.year_raw, benz.mileage_raw) == ("2019(R01)", "510km")
    assert (benz.city, benz.shop_name, benz.image_url) == (None, None, None)


def test_card_without_id_or_link_keeps_what_it_has() -> None:
    broken = edge_cases()[2]
    assert broken.external_id is None
    assert broken.make_ja == "トヨタ" and broken.model_ja == "プリウス"


def test_pager_next_link_and_link_rel_next() -> None:
    button = (
        '<html><body><div class="pager"><button class="btnFunc pager__btn__next" '
        "onclick=\"location.href='/usedcar/bTO/index3.html';return false;\">次へ</button>"
        "</div></body></html>"
    )
    page = parse_list_page(button, "https://www.carsensor.net/usedcar/bTO/index2.html")
    assert page.next_url == "https://www.carsensor.net/usedcar/bTO/index3.html"
    link = '<html><head><link rel="next" href="index2.html"></head><body></body></html>'
    page = parse_list_page(link, "https://www.carsensor.net/usedcar/index.html")
    assert page.has_pager and page.next_url == "https://www.carsensor.net/usedcar/index2.html"


def test_truncated_or_empty_page_is_incomplete() -> None:
    html = (PAGES / "list_edge_cases.html").read_text()
    cut = parse_list_page(html[: html.index("AU2222222222_cas") + 200], BASE)
    assert not cut.complete
    assert cut.cards[0].external_id == "AU1111111111"
    assert parse_list_page(b"", BASE).complete is False
    assert parse_list_page("<html><body></body></html>", BASE).cards == []


def test_detail_page_specs_and_photos() -> None:
    detail = parse_detail_page((PAGES / "detail_full.html").read_bytes(), BASE)
    assert detail.specs["色"] == "黒Ｍ"
    assert detail.specs["年式"] == "2019(H31)"
    assert detail.specs["エンジン種別"] == "ガソリン"
    assert detail.specs["地域"] == "東京都/世田谷区"
    assert detail.photos == [
        "https://ccsrpcma.carsensor.net/CSphoto/p_001.jpg",
        "https://ccsrpcma.carsensor.net/CSphoto/p_002.jpg",
    ]


def test_apply_detail_fills_only_what_the_card_lacks() -> None:
    card = edge_cases()[1]
    apply_detail(card, parse_detail_page((PAGES / "detail_full.html").read_bytes(), BASE))
    assert card.detail_fetched
    assert card.color_ja == "パールホワイト"  # the card's own value stays
    assert (card.fuel_ja, card.drive_raw, card.seats_raw, card.doors_raw) == (
        "ガソリン", "2WD", "5名", "4D",
    )  # fmt: skip
    assert card.image_url == "https://ccsrpcma.carsensor.net/CSphoto/p_001.jpg"
    assert card.photos is not None and len(card.photos) == 2


def test_detail_photos_fall_back_to_json_ld() -> None:
    html = (PAGES / "detail_full.html").read_text()
    no_gallery = html.replace('class="js-photo"', 'class="other"')
    assert parse_detail_page(no_gallery, BASE).photos == [
        "https://ccsrpcma.carsensor.net/CSphoto/ld_1.jpg"
    ]


def test_clean_url_drops_tracking_query() -> None:
    assert (
        clean_url("/usedcar/detail/AU1/index.html?TRCD=200002#x", BASE)
        == "https://www.carsensor.net/usedcar/detail/AU1/index.html"
    )


def test_real_list_page(shared_html: Path) -> None:
    page = parse_list_page(
        (shared_html / "list_bTO_s122.html").read_bytes(),
        "https://www.carsensor.net/usedcar/bTO/s122/index.html",
    )
    assert [c.external_id for c in page.cards] == ["AU6877255381", "AU6869806001"]
    first, second = page.cards
    assert first.url == "https://www.carsensor.net/usedcar/detail/AU6877255381/index.html"
    assert (first.make_ja, first.model_ja, first.grade) == ("トヨタ", "プリウス", "2.0 Z")
    assert (first.total_price_raw, first.price_raw) == ("323.9", "312.2")
    assert (first.year_raw, first.mileage_raw, first.engine_raw) == ("2023(R05)", "2万km", "2000CC")
    assert (first.color_ja, first.body_type_ja, first.transmission_ja) == (
        "灰", "ハッチバック", "フロアCVT",
    )  # fmt: skip
    assert (first.prefecture, first.city) == ("兵庫県", "神戸市長田区")
    assert first.shop_name == "リバティ ドリーム長田店"
    assert (second.color_ja, second.mileage_raw, second.inspection) == (
        "黒Ｍ",
        "1.4万km",
        "車検整備付",
    )


@pytest.mark.parametrize("label", ["年式", "走行距離", "修復歴", "車検有無", "地域"])
def test_real_detail_fragment(shared_html: Path, label: str) -> None:
    detail = parse_detail_page(
        (shared_html / "detail_AU6877255381_fragment.html").read_bytes(),
        "https://www.carsensor.net/usedcar/detail/AU6877255381/index.html",
    )
    expected = {
        "年式": "2023(R05)",
        "走行距離": "2.0万km",
        "修復歴": "なし",
        "車検有無": "2026(R08)年7月",
        "地域": "兵庫県/神戸",
    }
    assert detail.specs[label] == expected[label]
