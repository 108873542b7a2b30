"""Pure parsing: our own fixture pages, and the real carsensor pages when ../shared is there."""

from pathlib import Path

import pytest

from crawler.items import CarItem
from crawler.parsing import (
    DetailPage,
    apply_detail,
    clean_url,
    page_number,
    page_url,
    parse_detail_page,
    parse_list_page,
)

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


DETAIL = "https://www.carsensor.net/usedcar/detail/AU1111111111/index.html"


def detail_page(name: str, **kwargs: str) -> DetailPage:
    return parse_detail_page((PAGES / name).read_bytes(), DETAIL, **kwargs)


def test_a_full_detail_page_is_parsed_and_marks_the_card_fetched() -> None:
    detail = detail_page("detail_full.html")
    assert detail.title is not None and detail.title.startswith("ＢＭＷ ３シリーズ")
    assert detail.parsed


def test_a_truncated_detail_page_is_not_parsed_but_keeps_what_it_has() -> None:
    detail = detail_page("detail_truncated.html")
    assert (detail.title, detail.specs) == (None, {})
    assert not detail.parsed
    card = edge_cases()[1]
    apply_detail(card, detail)
    # The photos it found are taken, but the card is not marked fetched: the next crawl asks again.
    assert card.photos == ["https://ccsrpcma.carsensor.net/CSphoto/cut_1.jpg"]
    assert not card.detail_fetched
    assert card.fuel_ja is None


def test_a_block_or_captcha_page_answered_200_is_not_parsed() -> None:
    detail = detail_page("detail_captcha.html")
    assert detail.title == "ただいまアクセスが集中しております"  # the page's only h1
    assert detail.specs == {} and detail.photos == []
    assert not detail.parsed
    card = edge_cases()[1]
    apply_detail(card, detail)
    assert not card.detail_fetched


def test_a_title_and_spec_boxes_without_a_spec_table_parse() -> None:
    html = (PAGES / "detail_full.html").read_text()
    no_tables = html[: html.index('<h2 class="title2" id="sec-joutai">')] + "</div></body></html>"
    detail = parse_detail_page(no_tables, DETAIL)
    assert detail.specs == {"年式": "2019(H31)", "地域": "東京都/世田谷区"}
    assert detail.parsed
    no_title = no_tables.replace('<h1 class="title1">', "<p>").replace("</h1>", "</p>")
    assert not parse_detail_page(no_title, DETAIL).parsed


def test_json_ld_images_as_objects_graph_and_type_lists() -> None:
    detail = detail_page("detail_jsonld_objects.html")
    # ImageObjects by url and contentUrl, in an @graph, under "@type": ["Product", "Car"], then a
    # single ImageObject; the shop's logo, a number, a null and a broken script are skipped.
    assert detail.photos == [
        "https://ccsrpcma.carsensor.net/CSphoto/obj_1.jpg",
        "https://ccsrpcma.carsensor.net/CSphoto/obj_2.jpg",
        "https://ccsrpcma.carsensor.net/CSphoto/obj_3.jpg",
    ]
    assert detail.parsed and detail.specs["駆動方式"] == "4WD"


@pytest.mark.parametrize(
    ("image", "photos"),
    [
        ('"https://img.example/a.jpg"', ["https://img.example/a.jpg"]),
        ('["https://img.example/a.jpg", "//img.example/b.jpg"]',
         ["https://img.example/a.jpg", "https://img.example/b.jpg"]),
        ('{"@type": "ImageObject", "contentUrl": "/p/c.jpg"}', ["https://www.carsensor.net/p/c.jpg"]),
        ('[{"url": "https://img.example/a.jpg"}, "https://img.example/b.jpg"]',
         ["https://img.example/a.jpg", "https://img.example/b.jpg"]),
        ("42", []),
        ("null", []),
        ("true", []),
        ('{"url": 7}', []),
        ('[["https://img.example/nested.jpg"], {}]', []),
        ('""', []),
    ],
)  # fmt: skip
def test_json_ld_image_shapes(image: str, photos: list[str]) -> None:
    html = (
        '<html><head><script type="application/ld+json">'
        f'{{"@type": "Product", "image": {image}}}</script></head><body></body></html>'
    )
    assert parse_detail_page(html, DETAIL).photos == photos


@pytest.mark.parametrize("encoding", [None, "shift_jis", "cp932", "Shift_JIS"])
def test_a_shift_jis_detail_page_reads_by_its_declared_charset(encoding: str | None) -> None:
    kwargs = {"encoding": encoding} if encoding else {}
    detail = detail_page("detail_shift_jis.html", **kwargs)
    # 髙 and ① are in Windows' Shift_JIS (cp932) only: read as strict Shift_JIS they vanish.
    assert detail.title == "トヨタ アクア1.5 G 髙橋モータース①オーナー （スーパーホワイトII）"
    assert detail.specs["地域"] == "静岡県/浜松市"
    assert (detail.specs["エンジン種別"], detail.specs["乗車定員"]) == ("ハイブリッド", "5名")
    assert detail.photos == ["https://ccsrpcma.carsensor.net/CSphoto/sjis_001.jpg"]
    assert detail.parsed
    card = edge_cases()[1]
    apply_detail(card, detail)
    assert (card.fuel_ja, card.drive_raw, card.seats_raw) == ("ハイブリッド", "2WD", "5名")


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="EUC-JP">',
        '<meta http-equiv="Content-Type" content="text/html; charset=euc-jp">',
    ],
)
def test_an_euc_jp_page_reads_by_its_meta(declaration: str) -> None:
    html = (PAGES / "detail_full.html").read_text().replace('<meta charset="UTF-8">', declaration)
    detail = parse_detail_page(html.encode("euc_jp"), DETAIL)
    assert detail.specs == detail_page("detail_full.html").specs
    assert detail.specs["色"] == "黒Ｍ"


def test_the_callers_encoding_wins_and_undeclared_bytes_are_utf8() -> None:
    box = "<div class='specWrap__box'><p>色</p><p>白</p></div>"
    page = f"<html><body><h1>日産</h1>{box}</body></html>"
    # Scrapy's response.encoding comes from the HTTP header, which outranks the page.
    assert parse_detail_page(page.encode("euc_jp"), DETAIL, encoding="euc_jp").title == "日産"
    assert parse_detail_page(page.encode("utf-8"), DETAIL).specs == {"色": "白"}
    # An encoding name Python does not know falls back to the page's own (here none: UTF-8).
    assert parse_detail_page(page.encode("utf-8"), DETAIL, encoding="x-nonsense").title == "日産"


def test_list_cards_keep_odd_values_as_raw_text() -> None:
    html = (PAGES / "list_odd_values.html").read_bytes()
    cards = parse_list_page(html, "https://www.carsensor.net/usedcar/index.html").cards
    assert [(c.external_id, c.engine_raw, c.price_raw, c.total_price_raw, c.mileage_raw)
            for c in cards] == [
        ("AU7000000001", "―", "1,980,000円", "---", "3.5万km(メーター交換車)"),
        ("AU7000000002", "0CC", "198.0", "2,150,000円", "1.2万km ※メーター交換"),
        ("AU7000000003", "—", "12a.3", None, "（走行不明）"),
    ]  # fmt: skip


def test_real_detail_fragment_counts_as_parsed(shared_html: Path) -> None:
    detail = parse_detail_page(
        (shared_html / "detail_AU6877255381_fragment.html").read_bytes(),
        "https://www.carsensor.net/usedcar/detail/AU6877255381/index.html",
    )
    # Its spec table was cut when it was saved, but the title and the spec boxes are there.
    assert detail.title is not None and detail.title.startswith("トヨタ プリウス2.0 Z")
    assert detail.parsed


# --- list pages that lie: block pages, a new layout, a script-driven pager --------------------

BMW_LIST = "https://www.carsensor.net/usedcar/bBM/index.html"


@pytest.mark.parametrize(
    "name", ["block_captcha.html", "block_busy.html", "block_maintenance.html", "list_empty.html"]
)
def test_a_block_or_empty_page_has_no_cards_no_pager_and_no_total(name: str) -> None:
    page = parse_list_page((PAGES / name).read_bytes(), BMW_LIST)
    assert (page.cards, page.has_pager, page.next_url, page.total) == ([], False, None, None)
    assert page.complete and not page.is_last


def test_a_new_layout_loses_the_cards_but_keeps_the_pager_and_the_count() -> None:
    page = parse_list_page((PAGES / "list_new_layout.html").read_bytes(), BMW_LIST)
    assert page.cards == [] and page.has_pager
    assert (page.next_url, page.last_page, page.total) == (
        "https://www.carsensor.net/usedcar/bBM/index2.html", 145, 4321,
    )  # fmt: skip


def test_a_script_driven_next_button_falls_back_to_the_numbered_links() -> None:
    url = "https://www.carsensor.net/usedcar/bBM/index2.html"
    page = parse_list_page((PAGES / "list_script_pager.html").read_bytes(), url)
    assert [card.external_id for card in page.cards] == ["AU1111111111"]
    assert (page.next_url, page.last_page, page.is_last, page.total) == (
        "https://www.carsensor.net/usedcar/bBM/index3.html", 145, False, 4321,
    )  # fmt: skip


def test_without_the_next_page_linked_the_last_link_still_leads_on() -> None:
    html = (
        (PAGES / "list_script_pager.html")
        .read_text()
        .replace('<a href="/usedcar/bBM/index3.html" class="js-carListTopPagerBtn">3</a>', "")
    )
    page = parse_list_page(html, "https://www.carsensor.net/usedcar/bBM/index2.html")
    assert page.next_url == "https://www.carsensor.net/usedcar/bBM/index3.html"
    on_the_last = parse_list_page(html, "https://www.carsensor.net/usedcar/bBM/index145.html")
    assert on_the_last.next_url is None and on_the_last.last_page == 145


def test_link_rel_next_is_the_last_resort() -> None:
    html = (
        '<html><head><link rel="next" href="/usedcar/bBM/index2.html"></head><body></body></html>'
    )
    page = parse_list_page(html, BMW_LIST)
    assert page.has_pager and page.next_url == "https://www.carsensor.net/usedcar/bBM/index2.html"


@pytest.mark.parametrize(
    ("url", "number", "third"),
    [
        (BMW_LIST, 1, "https://www.carsensor.net/usedcar/bBM/index3.html"),
        (
            "https://x.test/usedcar/bBM/s033/f002/",
            1,
            "https://x.test/usedcar/bBM/s033/f002/index3.html",
        ),
        (
            "https://x.test/usedcar/index7.html?SORT=1",
            7,
            "https://x.test/usedcar/index3.html?SORT=1",
        ),
    ],
)
def test_page_numbers_and_urls(url: str, number: int, third: str) -> None:
    assert page_number(url) == number
    assert page_url(url, 3) == third


def test_only_links_to_pages_of_the_same_list_count_as_the_pager() -> None:
    html = (
        (PAGES / "list_script_pager.html")
        .read_text()
        .replace(
            '<div class="pager__text">',
            '<div class="pager__text"><a href="/usedcar/bTO/index99.html">99</a>'
            '<a href="/usedcar/detail/AU1/index.html">最後</a>',
        )
    )
    page = parse_list_page(html, "https://www.carsensor.net/usedcar/bBM/index2.html")
    assert (page.last_page, page.next_url) == (
        145, "https://www.carsensor.net/usedcar/bBM/index3.html",
    )  # fmt: skip
