"""Pure parsing: carsensor HTML in, dataclasses out. No I/O, no Scrapy."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from w3lib.encoding import html_to_unicode

from crawler.items import CarItem

_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True)


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_CARDS = etree.XPath(f"//div[{_cls('js_listTableCassette')}]")
_CARD_LINK = etree.XPath(
    f".//h3[{_cls('cassetteMain__title')}]/a/@href"
    " | .//a[contains(@href, '/usedcar/detail/')]/@href"
)
_CARD_TITLE = etree.XPath(f"string(.//h3[{_cls('cassetteMain__title')}]/a)")
_CARD_MAKE = etree.XPath(f"string(.//div[{_cls('cassetteMain__carInfoContainer')}]/p[not(@class)])")
_CARD_BODY_INFO = etree.XPath(f".//li[{_cls('carBodyInfoList__item')}]")
_CARD_TOTAL = etree.XPath(f"string(.//p[{_cls('totalPrice__content')}])")
_CARD_PRICE = etree.XPath(f"string(.//p[{_cls('basePrice__content')}])")
_CARD_SPECS = etree.XPath(f".//div[{_cls('specList__detailBox')}]")
_CARD_AREA = etree.XPath(f".//div[{_cls('cassetteSub__area')}]/p")
_CARD_SHOP = etree.XPath(f"(.//div[{_cls('cassetteSub__shop')}]//a)[1]")
_CARD_IMAGE = etree.XPath(
    f"(.//div[{_cls('cassetteMain__mainImg')}]//img/@src"
    f" | .//div[{_cls('cassetteMain__mainImg')}]//img/@data-original)[1]"
)
_PAGER_NEXT = etree.XPath("//button[contains(@class, 'pager__btn__next')]")
# Numbered links and 最後 sit in div.pager__text; some pagers mark them js-carListTopPagerBtn.
# Cheap tests on purpose: these scan a 400 kB page, and normalize-space() on every element's
# class (or every link's text) cost a fifth of the parse (docs/benchmarks.md).
_PAGER_LINKS = etree.XPath(
    "//div[contains(@class, 'pager')]//a[@href]"
    " | //a[contains(@class, 'js-carListTopPagerBtn')][@href]"
)
_LINK_NEXT = etree.XPath("//link[@rel='next']/@href")
# The result bar (該当台数 N台, in .resultBar__result); id() is a lookup, not a scan.
_RESULT_COUNT = etree.XPath("id('js-resultBar')")
_COUNT = re.compile(r"([\d,]+)\s*台")
_ONCLICK_HREF = re.compile(r"location\.href\s*=\s*['\"]([^'\"]+)['\"]")
_PAGE_IN_URL = re.compile(r"index(\d*)\.html$")
_DETAIL_ID = re.compile(r"/usedcar/detail/([A-Z]{2}\d+)/")

_TABLE_ROWS = etree.XPath(f"//table[{_cls('defaultTable__table')}]//tr")
_SPEC_BOXES = etree.XPath(f"//div[{_cls('specWrap__box')}]")
_PHOTOS = etree.XPath(f"//a[{_cls('js-photo')}]/@data-photo")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()")
_TITLE = etree.XPath(f"string((//h1[{_cls('title1')}])[1])")
_ANY_H1 = etree.XPath("string((//h1)[1])")
_LD_PRODUCTS = frozenset({"Product", "Car", "Vehicle"})
_PARENTHESES = re.compile(r"[(（][^)）]*[)）]")

# List-card spec labels -> CarItem raw fields.
_LIST_SPECS = {
    "年式": "year_raw",
    "走行距離": "mileage_raw",
    "車検": "inspection",
    "修復歴": "repair_raw",
    "排気量": "engine_raw",
    "ミッション": "transmission_ja",
}
# Detail-page spec labels -> CarItem raw fields. They only fill what the card lacks, so a
# re-crawl that skips the detail page reads the same values and changes nothing.
DETAIL_SPECS = {
    "色": "color_ja",
    "ボディタイプ": "body_type_ja",
    "ミッション": "transmission_ja",
    "エンジン種別": "fuel_ja",
    "駆動方式": "drive_raw",
    "乗車定員": "seats_raw",
    "ドア数": "doors_raw",
    "排気量": "engine_raw",
    "修復歴": "repair_raw",
    "車検有無": "inspection",
}


@dataclass(slots=True)
class ListPage:
    """A list page: its cards, and what its pager and result bar promise."""

    cards: list[CarItem] = field(default_factory=list)
    has_pager: bool = False
    next_url: str | None = None
    is_last: bool = False  # the pager says no page follows
    last_page: int | None = None  # the highest page number the pager links to
    total: int | None = None  # listings the page says its search holds (該当 N台)
    complete: bool = True  # the HTML reached </html>


@dataclass(slots=True)
class DetailPage:
    """What a detail page adds to a listing: its title, spec-table values and photos."""

    title: str | None = None
    specs: dict[str, str] = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        """A real detail page: a title and specs (a block page, captcha or cut page has not)."""
        return bool(self.title) and bool(self.specs)


def _tree(html: str | bytes, encoding: str | None = None) -> etree._Element | None:
    if isinstance(html, bytes):
        # The caller's encoding (Scrapy's, from the HTTP header or the page), else the page's
        # BOM or <meta charset>, else UTF-8. Python decodes: libxml2 alone reads an undeclared
        # page as Latin-1, drops cp932's extra kanji from Shift_JIS and knows no "euc_jp".
        header = f"charset={encoding}" if encoding else None
        _, html = html_to_unicode(header, html, default_encoding="utf-8")
    data = html.encode("utf-8")
    return etree.fromstring(data, _PARSER) if data.strip() else None


def _text(node: etree._Element | str) -> str:
    raw = node if isinstance(node, str) else node.xpath("string()")
    return " ".join(str(raw).replace("\xa0", " ").split())


def clean_url(href: str, base_url: str) -> str:
    """Absolute URL without tracking query or fragment."""
    scheme, netloc, path, _, _ = urlsplit(urljoin(base_url, href))
    return urlunsplit((scheme, netloc, path, "", ""))


def _price(text: str) -> str | None:
    # "323 .9 万円" -> "323.9"; markers such as 応談 or --- pass through for the normaliser.
    compact = "".join(text.split()).removesuffix("万円")
    return compact or None


def parse_card(card: etree._Element, base_url: str) -> CarItem:
    """Read one list card into a CarItem of raw strings (validation happens downstream)."""
    item = CarItem()
    links = _CARD_LINK(card)
    if links:
        item.url = clean_url(links[0], base_url)
    card_id = (card.get("id") or "").removesuffix("_cas")
    if not card_id and item.url and (match := _DETAIL_ID.search(item.url)):
        card_id = match.group(1)
    item.external_id = card_id or None

    title = str(_CARD_TITLE(card)).split("\xa0")
    item.model_ja = _text(title[0]) or None
    item.grade = _text(title[1]) if len(title) > 1 else None
    item.make_ja = _text(_CARD_MAKE(card)) or None

    body_info = _CARD_BODY_INFO(card)
    if body_info:
        item.body_type_ja = _text(body_info[0]) or None
    if len(body_info) > 1:
        item.color_ja = _text(body_info[1]) or None

    item.total_price_raw = _price(str(_CARD_TOTAL(card)))
    item.price_raw = _price(str(_CARD_PRICE(card)))
    for box in _CARD_SPECS(card):
        label = _text(box.find("dt")) if box.find("dt") is not None else ""
        value = box.find("dd")
        if label in _LIST_SPECS and value is not None:
            setattr(item, _LIST_SPECS[label], _text(value) or None)

    area = _CARD_AREA(card)
    if area:
        item.prefecture = _text(area[0]) or None
    if len(area) > 1:
        item.city = _text(area[1]) or None
    shop = _CARD_SHOP(card)
    if shop:
        item.shop_name = _text(shop[0]) or shop[0].get("title")
        if href := shop[0].get("href"):
            item.shop_url = clean_url(href, base_url)
    image = _CARD_IMAGE(card)
    if image:
        item.image_url = urljoin("https://", image[0]) if image[0].startswith("//") else image[0]
    return item


def page_number(url: str) -> int:
    """1 for index.html or a directory, N for indexN.html."""
    match = _PAGE_IN_URL.search(urlsplit(url).path)
    return int(match.group(1) or 1) if match else 1


def page_url(url: str, number: int) -> str:
    """The URL of page `number` of the list `url` is a page of (a directory gets index.html)."""
    scheme, netloc, path, query, _ = urlsplit(url)
    name = "index.html" if number == 1 else f"index{number}.html"
    path = _PAGE_IN_URL.sub(name, path) if _PAGE_IN_URL.search(path) else path + name
    return urlunsplit((scheme, netloc, path, query, ""))


def _read_pager(root: etree._Element, page: ListPage, base_url: str) -> None:
    current = page_number(base_url)
    buttons = _PAGER_NEXT(root)
    numbers: dict[int, str] = {}
    folder = urlsplit(base_url).path.rpartition("/")[0]
    for link in _PAGER_LINKS(root):
        url = urljoin(base_url, link.get("href"))
        path = urlsplit(url).path
        # Only pages of this very list: never a detail page or another list a link leads to.
        if _PAGE_IN_URL.search(path) and path.rpartition("/")[0] == folder:
            numbers[page_number(url)] = url
    page.has_pager = bool(buttons or numbers)
    page.last_page = max([*numbers, current]) if numbers else None
    for button in buttons:  # the top and the bottom pager
        if button.get("disabled") is not None or "is-disabled" in button.get("class", ""):
            page.is_last = True
        elif match := _ONCLICK_HREF.search(button.get("onclick", "")):
            page.next_url = page.next_url or urljoin(base_url, match.group(1))
    if page.is_last or page.next_url:
        return
    # A script-driven next button (js-carListTopPagerBtn, no onclick URL): the numbered links
    # and 最後 still say where the list goes.
    if current + 1 in numbers:
        page.next_url = numbers[current + 1]
    elif page.last_page is not None and page.last_page > current:
        page.next_url = page_url(base_url, current + 1)
    elif links := _LINK_NEXT(root):
        page.next_url = urljoin(base_url, links[0])
        page.has_pager = True
    elif numbers and not buttons:
        page.is_last = True  # numbered links only, none after this one


def parse_list_page(html: str | bytes, base_url: str, *, encoding: str | None = None) -> ListPage:
    """Parse a list page: its listing cards (never the lease carousel), pager and result count."""
    root = _tree(html, encoding)
    if root is None:
        return ListPage(complete=False)
    tail = html[-4096:].lower()
    page = ListPage(complete=(b"</html>" if isinstance(tail, bytes) else "</html>") in tail)
    page.cards = [parse_card(card, base_url) for card in _CARDS(root)]
    _read_pager(root, page, base_url)
    for node in _RESULT_COUNT(root):
        if match := _COUNT.search(_text(node)):
            page.total = int(match.group(1).replace(",", ""))
            break
    return page


def _ld_objects(data: object) -> Iterator[dict[str, Any]]:
    # A script holds one object, a list of them, or an @graph of them.
    for obj in data if isinstance(data, list) else [data]:
        if isinstance(obj, dict):
            yield obj
            graph = obj.get("@graph")
            if isinstance(graph, list):
                yield from (node for node in graph if isinstance(node, dict))


def _image_urls(image: object) -> list[str]:
    """`image` as a URL, an ImageObject ({"url"} or {"contentUrl"}), or a list of either."""
    entries = image if isinstance(image, list) else [image]
    urls = []
    for entry in entries:
        if isinstance(entry, dict):
            entry = entry.get("url") or entry.get("contentUrl")
        if isinstance(entry, str) and entry.strip():
            urls.append(entry.strip())
    return urls


def _json_ld_images(root: etree._Element) -> list[str]:
    images: list[str] = []
    for script in _JSON_LD(root):
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(kind, str) and kind in _LD_PRODUCTS for kind in kinds):
                images.extend(_image_urls(obj.get("image")))
    return images


def parse_detail_page(
    html: str | bytes, base_url: str, *, encoding: str | None = None
) -> DetailPage:
    """Parse a detail page's title, spec tables (falling back to the spec boxes) and photos."""
    root = _tree(html, encoding)
    page = DetailPage()
    if root is None:
        return page
    page.title = _text(_TITLE(root)) or _text(_ANY_H1(root)) or None
    for box in _SPEC_BOXES(root):
        paragraphs = box.findall("p")
        if len(paragraphs) > 1:
            label = _PARENTHESES.sub("", _text(paragraphs[0]))
            page.specs[label] = "".join(_text(p) for p in paragraphs[1:])
    for row in _TABLE_ROWS(root):
        cells = [c for c in row if c.tag in ("th", "td")]
        for head, value in zip(cells[::2], cells[1::2], strict=False):
            label = _PARENTHESES.sub("", _text(head))
            if label and (text := _text(value)):
                page.specs[label] = text
    photos = [str(p) for p in _PHOTOS(root)] or _json_ld_images(root)
    seen: set[str] = set()
    for photo in photos:
        url = urljoin("https://", photo) if photo.startswith("//") else urljoin(base_url, photo)
        if url not in seen:
            seen.add(url)
            page.photos.append(url)
    return page


def apply_detail(item: CarItem, detail: DetailPage) -> None:
    """Fill the listing's missing fields from a detail page's specs, and take its photos.

    Only a page that parsed marks the detail fetched: otherwise the next crawl asks again.
    """
    for label, attr in DETAIL_SPECS.items():
        if getattr(item, attr) is None and (value := detail.specs.get(label)):
            setattr(item, attr, value)
    if detail.photos:
        item.photos = detail.photos
        item.image_url = item.image_url or detail.photos[0]
    if detail.parsed:
        item.detail_fetched = True
