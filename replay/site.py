"""A local replay site that speaks carsensor.net's HTTP and markup, for tests and offline runs.

The HTML is written here, after the structure of the real pages in ../shared/carsensor-html:
list cards (div.cassette.js_listTableCassette), the pager's next button, the lease carousel,
and detail pages with spec boxes, spec tables, photo links and JSON-LD. Faults (5xx, 429 with
Retry-After, slow or truncated responses) are queued per path and served once each.

Run it alone with `python -m replay --port 8081 --cars 600`.
"""

import argparse
import logging
import math
import random
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

ROBOTS_TXT = "User-agent: *\nDisallow: /usedcar/search.php\nDisallow: /usedcar/inquiry_mm.php\n"
_LIST_PATH = re.compile(
    r"^/usedcar/(?:b(?P<make>[A-Z]{2,3})/(?:(?P<model>s\w+)/)?)?index(?P<n>\d*)\.html$"
)
_DETAIL_PATH = re.compile(r"^/usedcar/detail/(?P<id>[A-Z]{2}\d+)/index\.html$")
# Bumped whenever a car's `listed` flag changes, so the site's list caches know to rebuild.
_listing_generation = count()
_generation = [next(_listing_generation)]


@dataclass(slots=True)
class FakeCar:
    """One listing as the site shows it: display strings, as carsensor prints them."""

    external_id: str
    make_ja: str
    make_code: str
    model_ja: str
    model_code: str
    grade: str
    catch: str
    year: int
    era: str
    mileage: str
    price_man: str | None
    total_man: str | None
    body_ja: str
    color_ja: str
    mission_ja: str
    displacement: str
    inspection: str
    repair: str
    prefecture: str
    city: str
    shop_name: str
    shop_path: str
    fuel_ja: str
    drive_ja: str
    seats: str
    doors: str
    photos: list[str] = field(default_factory=list)
    # Test switches: a broken card, a detail page that redirects to search, off the lists.
    malformed: str | None = None
    redirect_detail: bool = False
    listed: bool = True

    def __setattr__(self, name: str, value: object) -> None:
        if name == "listed":
            _generation[0] = next(_listing_generation)
        object.__setattr__(self, name, value)


@dataclass(slots=True)
class Fault:
    """One bad answer for one request: a status, a delay, a cut-off body, or another page."""

    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    truncate: bool = False  # the connection drops before Content-Length bytes are sent
    truncate_html: bool = False  # a complete HTTP response whose HTML stops half-way
    body: str | None = None  # served instead of the page (a captcha or block page, say)


# Real makers, models and grades, with the codes carsensor uses in its list URLs:
# maker | code | model | model code | body | displacement | fuel | seats | doors | grades (;)
_MODELS = tuple(
    line.split("|")
    for line in """
トヨタ|TO|プリウス|s122|ハッチバック|1800CC|ハイブリッド|5|5|2.0 Z;1.8 S
トヨタ|TO|アクア|s138|ハッチバック|1500CC|ハイブリッド|5|5|1.5 G;1.5 Z
トヨタ|TO|アルファード|s084|ミニバン|2500CC|ガソリン|7|5|2.5 S Cパッケージ;3.5 SC
トヨタ|TO|ハリアー|s069|SUV・クロカン|2000CC|ガソリン|5|5|2.0 Z レザーパッケージ;2.5 G
トヨタ|TO|ランドクルーザープラド|s028|SUV・クロカン|2800CC|軽油|7|5|2.7 TX;2.8 TX L
日産|NI|ノート|s073|ハッチバック|1200CC|ハイブリッド|5|5|1.2 e-POWER X;1.2 e-POWER メダリスト
日産|NI|セレナ|s040|ミニバン|2000CC|ガソリン|8|5|2.0 ハイウェイスター V;1.2 e-POWER XV
日産|NI|スカイライン|s001|セダン|3000CC|ガソリン|5|4|3.0 GT タイプSP;3.5 ハイブリッド タイプP
ホンダ|HO|N-BOX|s109|軽-ハイトワゴン|660CC|ガソリン|4|5|G;カスタム L ターボ
ホンダ|HO|フィット|s024|ハッチバック|1500CC|ハイブリッド|5|5|1.5 ハイブリッド Fパッケージ;1.3 13G
マツダ|MA|CX-5|s062|SUV・クロカン|2200CC|軽油|5|5|2.2 XD Lパッケージ ディーゼルターボ;2.0 20S
マツダ|MA|ロードスター|s009|オープン|1500CC|ガソリン|2|2|1.5 S レザーパッケージ;1.5 RS
スバル|SB|レヴォーグ|s041|ステーションワゴン|1600CC|ガソリン|5|5|1.6 GT アイサイト;1.8 GT-H EX
スズキ|SZ|ジムニー|s011|軽-SUV・クロカン|660CC|ガソリン|4|3|XC 4WD;XL 4WD
ダイハツ|DA|タント|s031|軽-ハイトワゴン|660CC|ガソリン|4|5|カスタム RS;X
三菱|MI|デリカD:5|s013|ミニバン|2200CC|軽油|8|5|2.2 P ディーゼルターボ 4WD;2.4 G パワーパッケージ
レクサス|LE|RX|s003|SUV・クロカン|3500CC|ハイブリッド|5|5|450h バージョンL;300 Fスポーツ
BMW|BM|3シリーズ|s005|セダン|2000CC|ガソリン|5|4|320i Mスポーツ;320d xDrive
メルセデス・ベンツ|ME|Cクラス|s002|セダン|1500CC|ガソリン|5|4|C200 アバンギャルド AMGライン;C220d
フォルクスワーゲン|VW|ゴルフ|s001|ハッチバック|1400CC|ガソリン|5|5|TSI ハイライン;GTI
""".strip().splitlines()
)
_COLORS = ("白", "パールホワイト", "黒", "黒Ｍ", "灰", "銀", "赤", "青", "紺", "茶", "ベージュ")
_MISSIONS = {"ガソリン": ("インパネCVT", "フロアAT", "フロアMTモード付7AT", "フロア6MT")}
_AREAS = (
    ("東京都", "世田谷区"), ("東京都", "八王子市"), ("大阪府", "大阪市"), ("愛知県", "名古屋市"),
    ("兵庫県", "神戸市長田区"), ("北海道", "札幌市"), ("福岡県", "福岡市"), ("神奈川県", "横浜市"),
)  # fmt: skip
_CATCHES = ("禁煙車", "ワンオーナー 禁煙車", "")
_SHOPS = ("オートギャラリー", "カーセンター", "モータース", "自動車販売", "ユーポス")

# Each model's price level (万円: the body price at age 0 and 0 km), fitted on the real listings
# (below) for アルファード, セレナ and デリカD:5, else about the upper grade's new price, as theirs.
_PRICE_LEVELS = {
    "プリウス": 370, "アクア": 260, "アルファード": 789, "ハリアー": 500,
    "ランドクルーザープラド": 550, "ノート": 250, "セレナ": 418, "スカイライン": 600,
    "N-BOX": 220, "フィット": 240, "CX-5": 400, "ロードスター": 340, "レヴォーグ": 400,
    "ジムニー": 200, "タント": 200, "デリカD:5": 656, "RX": 800, "3シリーズ": 650,
    "Cクラス": 700, "ゴルフ": 450,
}  # fmt: skip
# The price law: a Huber regression of log body price on age, log(1 + km / 10,000) and repair
# history with a level per model, on ../shared/carsensor-data/listings.jsonl (4,416 listings of
# 2008 or later with a body price and a mileage, seen in 2026).
PRICE_YEAR = 2026  # age 0
DEPRECIATION_PER_YEAR = 0.101  # log price per year of age
MILEAGE_SLOPE = 0.120  # log price per unit of log(1 + km / 10,000)
REPAIR_DISCOUNT = 0.213  # log price, 修復歴あり
UNKNOWN_MILEAGE_KM = 55_000  # the file's median mileage
# Log-Laplace noise, heavier-tailed than a lognormal: on the same file, log(price ÷ core.market's
# leave-one-out estimate) has quantiles 5/10/90/95 % of −0.32/−0.22/+0.18/+0.28 and 11 % of
# prices below −20 %, 9 % above +20 % (a lognormal with its median spread: 5 %). Scale 0.12
# gives a generated catalog the same: −0.28/−0.20/+0.18/+0.26, 10 % and 8 %. This is the spread
# around comparables, not the regression's residual, which holds grades and generations.
NOISE_SCALE = 0.12
# Fees (total − body), uniform: the file's have p5 6.2万, median 11.9万, p95 19.2万 at any price.
FEES_MAN = (5.5, 19.5)


def _era(year: int, rng: random.Random) -> str:
    if year > 2019 or (year == 2019 and rng.random() < 0.5):
        return f"R{year - 2018:02d}"
    if year >= 1989:
        return f"H{year - 1988:02d}"
    return f"S{year - 1925:02d}"


def _mileage(km: int | None) -> str:
    if km is None:
        return "不明"
    if km < 10_000:
        return f"{km}km"
    return f"{km / 10_000:.1f}万km".replace(".0万", "万")


def _inspection(rng: random.Random) -> str:
    year = rng.randrange(2026, 2029)
    return f"{year}(R{year - 2018:02d})年{rng.randrange(1, 13):02d}月"


def _uniform(rng: random.Random, steps: int) -> float:
    """A uniform draw in (0, 1) made of one `rng.randrange(steps)`."""
    return (rng.randrange(steps) + 0.5) / steps


def _body_price(level: int, year: int, km: int | None, repaired: bool, quantile: float) -> float:
    """The body price in 万円 (one decimal): the level, depreciated by age, mileage and repair
    history, times log-Laplace noise at `quantile` (0 < quantile < 1)."""
    age = PRICE_YEAR - year
    log_mileage = math.log1p((UNKNOWN_MILEAGE_KM if km is None else km) / 10_000)
    # The Laplace distribution's inverse CDF: one uniform draw gives one noise value.
    noise = NOISE_SCALE * math.copysign(-math.log(1 - 2 * abs(quantile - 0.5)), quantile - 0.5)
    log_price = (
        math.log(level)
        - DEPRECIATION_PER_YEAR * age
        - MILEAGE_SLOPE * log_mileage
        - (REPAIR_DISCOUNT if repaired else 0.0)
        + noise
    )
    return round(math.exp(log_price), 1)


def make_catalog(size: int, *, seed: int = 1) -> list[FakeCar]:
    """`size` plausible listings with unique ids, the same for the same seed."""
    rng = random.Random(seed)
    cars = []
    for n in range(size):
        make_ja, code, model_ja, model_code, body, cc, fuel, seats, doors, grades = rng.choice(
            _MODELS
        )
        year = rng.randrange(2008, 2026)
        # The noise and the fee take the draws of the old uniform price and fee (7,700 and 320
        # steps), and every draw keeps its place: a seed's cars keep their other fields.
        quantile = _uniform(rng, 7_700)
        priced = rng.random() >= 0.02
        fee = (
            round(FEES_MAN[0] + (FEES_MAN[1] - FEES_MAN[0]) * _uniform(rng, 320), 1)
            if priced and rng.random() >= 0.05
            else None
        )
        prefecture, city = rng.choice(_AREAS)
        shop_no = rng.randrange(1, 400)
        photo = f"//ccsrpcma.carsensor.net/CSphoto/bkkn/{shop_no:03d}/{n:06d}/U{seed:03d}{n:07d}"
        mission = rng.choice(_MISSIONS.get(fuel, ("インパネCVT", "フロアAT")))
        grade, catch, era = rng.choice(grades.split(";")), rng.choice(_CATCHES), _era(year, rng)
        km = None if rng.random() < 0.01 else rng.randrange(5, 150_000)
        color = rng.choice(_COLORS)
        inspection = rng.choice(("車検整備付", "車検整備無", _inspection(rng)))
        repair = rng.choice(("なし", "なし", "なし", "あり"))
        body_man = _body_price(_PRICE_LEVELS[model_ja], year, km, repair == "あり", quantile)
        cars.append(
            FakeCar(
                external_id=f"AU{6_000_000_000 + seed * 10_000_000 + n}",
                make_ja=make_ja, make_code=code, model_ja=model_ja, model_code=model_code,
                grade=grade, catch=catch, year=year, era=era, mileage=_mileage(km),
                price_man=f"{body_man:.1f}" if priced else None,
                total_man=None if fee is None else f"{body_man + fee:.1f}",
                body_ja=body, color_ja=color,
                mission_ja=mission, displacement=cc, inspection=inspection, repair=repair,
                prefecture=prefecture, city=city,
                shop_name=f"{rng.choice(_SHOPS)} {city}店", shop_path=f"/shop/x/{shop_no:09d}/",
                fuel_ja=fuel, drive_ja=rng.choice(("2WD", "4WD")), seats=f"{seats}名",
                doors=f"{doors}D", photos=[f"{photo}_{k:03d}L.JPG" for k in range(1, 4)],
            )
        )  # fmt: skip
    return cars


def _price_spans(kind: str, man: str | None, missing: str) -> str:
    if man is None:
        return f'<span class="{kind}__mainPriceNum">{missing}</span>'
    whole, _, fraction = man.partition(".")
    sub = f'<span class="{kind}__subPriceNum">.{fraction}</span>' if fraction else ""
    return (
        f'<span class="{kind}__mainPriceNum">{whole}</span>{sub}'
        f'<span class="{kind}__unit">万円</span>'
    )


def _year_dd(car: FakeCar) -> str:
    return (
        f'<span class="specList__emphasisData">{car.year}</span>'
        f'<span class="specList__jpYear">({car.era})</span>'
    )


def _mileage_dd(mileage: str) -> str:
    if match := re.fullmatch(r"([\d.]+)(万?km)", mileage):
        return f'<span class="specList__emphasisData">{match[1]}</span>{match[2]}'
    return escape(mileage)


def render_card(car: FakeCar) -> str:
    """One list card in carsensor's markup."""
    detail = f"/usedcar/detail/{car.external_id}/index.html"
    href = f'href="{detail}?TRCD=200002&amp;RESTID=CS210610"'
    card_id = f' id="{car.external_id}_cas"'
    if car.malformed == "no_id":
        href, card_id = "", ""
    price = "12a.3" if car.malformed == "garbled_price" else car.price_man
    title = "&nbsp;".join(escape(part) for part in (car.model_ja, car.grade, car.catch) if part)
    specs = (
        ("年式", _year_dd(car)), ("走行距離", _mileage_dd(car.mileage)),
        ("車検", escape(car.inspection)), ("修復歴", escape(car.repair)), ("保証", "保証付"),
        ("排気量", escape(car.displacement)), ("ミッション", escape(car.mission_ja)),
    )  # fmt: skip
    spec_html = "".join(
        f'<div class="specList__detailBox"><dt class="specList__title">{label}</dt>'
        f'<dd class="specList__data">{value}</dd></div>'
        for label, value in specs
    )
    image = (
        f'<noscript><img src="{escape(car.photos[0])}" width="240" alt=""></noscript>'
        if car.photos
        else ""
    )
    return f"""<div class="cassette js_listTableCassette"{card_id} data-bknnum="1">
<div class="cassetteMain"><div class="cassetteMain__inner">
<div class="cassetteMain__carImgContainer">
<div class="cassetteMain__mainImg"><a name="detail_a" {href}>{image}</a></div>
<ul class="carBodyInfoList"><li class="carBodyInfoList__item">{escape(car.body_ja)}</li>
<li class="carBodyInfoList__item">{escape(car.color_ja)}<span class="cassetteColorTip"></span>
</li></ul>
</div>
<div class="cassetteMain__carInfoContainer">
<div class="cassetteMain__label"><span class="labelIcon--approve">車両品質評価書付</span></div>
<p>{escape(car.make_ja)}</p>
<h3 class="cassetteMain__title"><a {href} class="cassetteMain__link">{title}</a></h3>
<div class="cassetteMain__detailInfoBlock"><div class="cassetteMain__priceInfo">
<div class="cassetteMain__mainPrice">
<div class="totalPrice"><p class="totalPrice__title">支払総額</p>
<p class="totalPrice__content">{_price_spans("totalPrice", car.total_man, "---")}</p></div>
<div class="basePrice"><p class="basePrice__title">車両本体価格</p>
<p class="basePrice__content">{_price_spans("basePrice", price, "応談")}</p></div>
</div>
<dl class="planPrice"><dt class="planPrice__title"><b>A</b>プラン</dt>
<dd class="planPrice__priceNum"><span>{escape(car.total_man or "---")}</span>万円</dd></dl>
</div>
<div class="cassetteMain__specInfo"><dl class="specList">{spec_html}</dl></div>
</div></div></div></div>
<div class="cassetteSub">
<div class="cassetteSub__area"><p>{escape(car.prefecture)}</p><p>{escape(car.city)}</p></div>
<div class="cassetteSub__shop"><p class="js_shop"><a href="{car.shop_path}"
 onclick="location.href='{car.shop_path}?BKKN={car.external_id}'; return false;"
 title="{escape(car.shop_name)}">{escape(car.shop_name)}</a></p></div>
</div>
</div><!-- /.cassette -->
"""


def _lease_carousel() -> str:
    # Not listings: the spider must neither store nor follow these.
    items = "".join(
        f'<li class="recommendCar__item"><a href="/usedcar/lease/AU70000000{k}/index.html">'
        f"<p>リース車両 {k}</p></a></li>"
        for k in range(3)
    )
    return f'<div class="recommendCar"><ul>{items}</ul></div>'


def _pager(prefix: str, page: int, pages: int, *, script: bool = False) -> str:
    """carsensor's pager: next button, numbered links around the page, and 最後.

    `script`: the next button has no onclick URL (js-carListTopPagerBtn, driven by script).
    """

    def url(n: int) -> str:
        return f"{prefix}index.html" if n == 1 else f"{prefix}index{n}.html"

    last = page >= pages
    state = ' disabled="disabled"' if last else ""
    onclick = (
        "" if last or script else f" onclick=\"location.href='{url(page + 1)}';return false;\""
    )
    extra = " js-carListTopPagerBtn" if script else ""
    numbers = "".join(
        f'<span class="pager__current">{n}</span>' if n == page else f'<a href="{url(n)}">{n}</a>'
        for n in range(max(1, page - 4), min(pages, page + 4) + 1)
    )
    return (
        f'<div class="pager"><div class="pager__text">{numbers}'
        f'<a href="{url(pages)}" class="pager__link">最後</a></div>'
        f'<div class="pager__btn"><button type="button" class="btnFunc pager__btn__next{extra}"'
        f"{state}{onclick}>次へ</button></div></div>"
    )


def render_list_page(
    cars: list[FakeCar],
    *,
    prefix: str,
    page: int,
    pages: int,
    pager: bool | str,
    total: int | None = None,
    layout: str = "cassette",
) -> str:
    """A whole list page: result count, cards, lease carousel and (optionally) the pager.

    `pager` "script": a script-driven next button; `layout` other than "cassette": the cards'
    classes renamed, as a redesign of the site would.
    """
    cards = "".join(render_card(car) for car in cars)
    if layout != "cassette":
        cards = cards.replace("js_listTableCassette", f"js_{layout}Item").replace(
            "cassette", layout
        )
    nav = _pager(prefix, page, pages, script=pager == "script") if pager else ""
    count = (
        f'<div id="js-resultBar"><p class="resultBar__result"><span>{total:,}</span>台</p></div>'
        if total is not None
        else ""
    )
    return (
        '<!doctype html><html lang="ja"><head><meta charset="UTF-8">'
        f"<title>中古車一覧 {page}ページ目 | カーセンサー</title></head><body>{count}"
        f'<div class="cassetteWrap js-mainCassette">{cards}</div>{nav}{_lease_carousel()}'
        "</body></html>"
    )


def render_detail_page(car: FakeCar) -> str:
    """A detail page: spec boxes, the two spec tables, the photo gallery and JSON-LD."""
    rows = (
        ("年式(初度登録年)", f"{car.year}({car.era})"), ("走行距離", car.mileage),
        ("色", car.color_ja), ("ボディタイプ", car.body_ja),
        ("ミッション", car.mission_ja), ("駆動方式", car.drive_ja),
        ("乗車定員", car.seats), ("ドア数", car.doors),
        ("排気量", car.displacement), ("エンジン種別", car.fuel_ja),
    )  # fmt: skip
    table = "".join(
        "<tr>"
        + "".join(
            f'<th class="defaultTable__head">{escape(head)}</th>'
            f'<td class="defaultTable__description">{escape(value)}</td>'
            for head, value in rows[k : k + 2]
        )
        + "</tr>"
        for k in range(0, len(rows), 2)
    )
    photos = "".join(
        f'<a class="js-photo" href="#" data-photo="{escape(p)}"><img src="x.gif" alt=""></a>'
        for p in car.photos
    )
    images = ", ".join(f'"https:{p}"' for p in car.photos)
    return f"""<!doctype html><html lang="ja"><head><meta charset="UTF-8">
<title>{escape(car.make_ja)} {escape(car.model_ja)}</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Product",
"name":"{escape(car.model_ja)}","image":[{images}]}}</script></head><body>
<div class="detailMain" data-vehicle-id="{car.external_id}">
<h1 class="title1">{escape(car.make_ja)}&nbsp;{escape(car.model_ja)}<span>{escape(car.grade)}</span></h1>
<div class="specWrap">
<div class="specWrap__box"><p class="specWrap__box__title">修復歴</p>
<p class="specWrap__boxDetail">{escape(car.repair)}</p></div>
<div class="specWrap__box"><p class="specWrap__box__title">車検有無</p>
<p class="specWrap__boxDetail">{escape(car.inspection)}</p></div>
<div class="specWrap__box"><p class="specWrap__box__title">地域</p>
<p class="specWrap__boxDetail">{escape(car.prefecture)}<span class="specWrap__boxDelimiter">/</span>{escape(car.city)}</p></div>
</div>
<div class="photoArea">{photos}</div>
<h2 class="title2" id="sec-kihon">基本情報</h2>
<table class="defaultTable__table"><tbody>{table}</tbody></table>
</div></body></html>"""  # noqa: E501


def peak_rate(times: Sequence[float], window: float) -> float:
    """The most of these sorted arrival times in any `window` seconds, per second."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most / window


class ReplaySite:
    """A threaded HTTP server on 127.0.0.1 that serves `cars` as carsensor.net would."""

    def __init__(
        self,
        cars: Iterable[FakeCar],
        *,
        per_page: int = 30,
        pager: bool | str = True,
        show_total: bool = True,
    ) -> None:
        self.cars = list(cars)
        self.by_id = {car.external_id: car for car in self.cars}
        self.per_page = per_page
        self.pager = pager  # True, False (no pager at all) or "script" (script-driven next)
        self.show_total = show_total
        self.layout = "cassette"  # anything else renames the cards' classes (a redesign)
        self.requests: list[str] = []
        # When each recorded request arrived (time.time()), in the order of `requests`.
        self.times: list[float] = []
        self.record = True
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._chaos: tuple[float, random.Random, str] = (0.0, random.Random(0), "")
        self._lock = threading.Lock()
        self._lists: dict[tuple[str | None, str | None], tuple[int, list[FakeCar]]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT of the running site."""
        assert self._server is not None, "the site is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> Self:
        """Serve in a background thread; port 0 picks a free one."""
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def add_fault(self, path: str, fault: Fault) -> None:
        """Serve `fault` to the next request for `path` (faults queue up in order)."""
        with self._lock:
            self._faults[path].append(fault)

    def clear_faults(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._faults.clear()

    def count(self, prefix: str) -> int:
        """How many requests asked for a path starting with `prefix`."""
        return sum(path.startswith(prefix) for path in self.requests)

    def peak_rate(self, window: float = 10.0, prefix: str = "/") -> float:
        """The most requests for paths starting with `prefix` in any `window` seconds, per
        second (the count divided by the window)."""
        with self._lock:
            times = sorted(
                at
                for path, at in zip(self.requests, self.times, strict=True)
                if path.startswith(prefix)
            )
        return peak_rate(times, window)

    def chaos(self, share: float, *, seed: int, body: str) -> None:
        """From now on, answer `share` of the page requests with a random fault: a 500, a cut
        HTML page, or `body` (a block page) with status 200."""
        self._chaos = (share, random.Random(seed), body)

    def next_fault(self, path: str) -> Fault | None:
        """Take the fault queued for `path`, if any, or draw one when chaos is on."""
        with self._lock:
            queue = self._faults.get(path)
            if queue:
                return queue.popleft()
            share, rng, body = self._chaos
            if path == "/robots.txt" or rng.random() >= share:
                return None
            return rng.choice((Fault(status=500), Fault(truncate_html=True), Fault(body=body)))

    def listed(self, make: str | None, model: str | None) -> list[FakeCar]:
        """The listed cars of a list scope, cached until a car's `listed` flag changes."""
        generation, cars = self._lists.get((make, model), (-1, []))
        if generation != _generation[0]:
            generation = _generation[0]
            cars = [
                car
                for car in self.cars
                if car.listed
                and (make is None or car.make_code == make)
                and (model is None or car.model_code == model)
            ]
            self._lists[(make, model)] = (generation, cars)
        return cars

    def respond(self, path: str) -> tuple[int, dict[str, str], str]:
        """Status, headers and HTML for a path, with no fault applied."""
        html_type = {"Content-Type": "text/html; charset=UTF-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS_TXT
        if match := _LIST_PATH.match(path):
            cars = self.listed(match["make"], match["model"])
            page = int(match["n"] or 1)
            pages = max(1, -(-len(cars) // self.per_page))
            if page > pages:
                return 404, html_type, "<html><body>ページが見つかりません</body></html>"
            chunk = cars[(page - 1) * self.per_page : page * self.per_page]
            prefix = path[: path.rindex("/") + 1]
            return 200, html_type, render_list_page(
                chunk, prefix=prefix, page=page, pages=pages, pager=self.pager,
                total=len(cars) if self.show_total else None, layout=self.layout,
            )  # fmt: skip
        if (match := _DETAIL_PATH.match(path)) and (car := self.by_id.get(match["id"])):
            if car.redirect_detail:
                return 302, {"Location": "/usedcar/search.php?SKIND=1"}, ""
            return 200, html_type, render_detail_page(car)
        if path == "/usedcar/search.php":
            return 200, html_type, "<html><body>検索結果</body></html>"
        return 404, html_type, "<html><body>ページが見つかりません</body></html>"


class _Handler(BaseHTTPRequestHandler):
    """Serves the site's pages, applying any fault queued for the path."""

    site: ReplaySite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.site.record:
            with self.site._lock:
                self.site.requests.append(path)
                self.site.times.append(time.time())
        fault = self.site.next_fault(path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        status, headers, text = self.site.respond(path)
        if fault is not None and fault.body is not None:
            text = fault.body
        body = text.encode("utf-8")
        if fault is not None and fault.status is not None:
            status, body = fault.status, b"<html><body>error</body></html>"
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        if fault is not None and fault.truncate_html:
            body = body[: len(body) // 2]
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault is not None and fault.truncate:
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test): nothing to do

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("%s %s", self.address_string(), format % args)


def main() -> None:
    """Serve a generated catalog until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="python -m replay", description="carsensor replay site")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: all)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--cars", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    site = ReplaySite(make_catalog(args.cars, seed=args.seed))
    site.record = False  # a long-running site keeps no request log
    site.start(args.port, args.host)
    logger.info("replay site with %d cars on %s", args.cars, site.base_url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
