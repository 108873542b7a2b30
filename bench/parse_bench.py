"""Parse throughput of the list-page parser on a 30-card page built from carsensor's markup.

Baselines measured in the same run: lxml's bare tree build of the same page (the floor any
lxml-based parser pays), and a BeautifulSoup-on-lxml parser reading the same fields, the way
public carsensor parsers do.
"""

import argparse
import logging
import re
from pathlib import Path

from lxml import etree

from bench.common import best_seconds
from crawler.parsing import parse_list_page

logger = logging.getLogger("bench.parse")
ROOT = Path(__file__).resolve().parents[1]
REAL_PAGE = ROOT.parent / "shared" / "carsensor-html" / "list_bTO_s122.html"
OWN_PAGE = ROOT / "tests" / "crawler" / "pages" / "list_edge_cases.html"
BASE = "https://www.carsensor.net/usedcar/bTO/s122/index.html"
CARDS = 30


def thirty_card_page() -> tuple[str, str]:
    """A 30-card page: the real saved cards repeated with fresh ids (or ours without ../shared)."""
    source = REAL_PAGE if REAL_PAGE.exists() else OWN_PAGE
    html = source.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r'<div class="cassette js_listTableCassette"', html)]
    cards = [html[a : html.index("<!-- /.cassette -->", a)] + "</div>" for a in starts]
    wrapped = [
        '<div class="cassetteWrap js-mainCassette">'
        + re.sub(r"AU\d{10}", f"AU{9_000_000_000 + n}", cards[n % len(cards)])
        + "</div>"
        for n in range(CARDS)
    ]
    tail = html[html.index('<div class="recommendCar">') :]
    head = "<!doctype html><html><head><title>list</title></head><body>"
    return head + "".join(wrapped) + tail, source.name


def bs4_parse(html: str) -> list[dict[str, str | None]]:
    """What a typical public carsensor parser does: BeautifulSoup on lxml, CSS selects."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    cars = []
    for card in soup.select("div.cassette.js_listTableCassette"):
        link = card.select_one("h3.cassetteMain__title a")
        specs = {
            dt.get_text(strip=True): dd.get_text(strip=True)
            for dt, dd in zip(
                card.select("dt.specList__title"), card.select("dd.specList__data"), strict=False
            )
        }
        area = card.select("div.cassetteSub__area p")
        cars.append(
            {
                "id": card.get("id"),
                "url": link.get("href") if link else None,
                "title": link.get_text(" ", strip=True) if link else None,
                "make": card.select_one("div.cassetteMain__carInfoContainer > p").get_text(
                    strip=True
                ),
                "total": card.select_one("p.totalPrice__content").get_text("", strip=True),
                "price": card.select_one("p.basePrice__content").get_text("", strip=True),
                "year": specs.get("年式"),
                "mileage": specs.get("走行距離"),
                "prefecture": area[0].get_text(strip=True) if area else None,
            }
        )
    return cars


def main() -> None:
    """Measure and log cards/s for our parser and the two baselines."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=50, help="pages per timing round")
    args = parser.parse_args()

    html, source = thirty_card_page()
    data = html.encode("utf-8")
    assert len(parse_list_page(data, BASE).cards) == CARDS
    html_parser = etree.HTMLParser(encoding="utf-8")
    bare = best_seconds(lambda: etree.fromstring(data, html_parser), number=args.number)
    ours = best_seconds(lambda: parse_list_page(data, BASE), number=args.number)
    logger.info("page: %d cards from %s, %d bytes", CARDS, source, len(data))
    logger.info("lxml bare tree build : %8.0f cards/s", CARDS / bare)
    logger.info(
        "crawler.parsing      : %8.0f cards/s  (%.2fx the bare build's time)",
        CARDS / ours,
        ours / bare,
    )
    try:
        soup = best_seconds(lambda: bs4_parse(html), repeat=3, number=max(1, args.number // 10))
    except ImportError:
        logger.info("BeautifulSoup baseline skipped: pip install beautifulsoup4")
        return
    logger.info(
        "BeautifulSoup + lxml : %8.0f cards/s  (ours is %.1fx faster)", CARDS / soup, soup / ours
    )


if __name__ == "__main__":
    main()
