"""GET /api/cars: every filter and sort, their combinations, edges, pagination and 422s."""

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.filters import CarFilters
from core.models import LISTED_COLUMNS
from tests.factories import listing as car
from tests.factories import store, store_in_order

# The fixture set, stored in this order (ids 1..11, updated_at ascending), one edge each.
CARS = [
    car("A01", grade="S ツーリングセレクション", color="white", body_type="hatchback",
        transmission="cvt", fuel="hybrid", prefecture="東京都", repair_history=False),
    car("A02", year=2015, mileage_km=80_000, price_jpy=1_000_000, total_price_jpy=None,
        color="black", body_type="hatchback", transmission="cvt", fuel="hybrid",
        prefecture="大阪府", repair_history=True),
    car("A03", model="Alphard", model_ja="アルファード", grade="2.5 S Cパッケージ", year=2021,
        mileage_km=15_000, price_jpy=5_000_000, total_price_jpy=5_300_000, color="white",
        body_type="minivan", transmission="automatic", fuel="gasoline", prefecture="東京都",
        repair_history=False, drive="4WD"),
    car("A04", make="Honda", make_ja="ホンダ", make_code="HO", model="Fit", model_ja="フィット",
        grade="13G_F", year=2018, mileage_km=40_000, price_jpy=900_000, total_price_jpy=990_000,
        color="silver", body_type="hatchback", transmission="cvt", fuel="gasoline",
        prefecture="愛知県", repair_history=False, drive="2WD"),
    car("A05", make="Nissan", make_ja="日産", make_code="NI", model="Note", model_ja="ノート",
        grade="e-POWER 100%電動", year=2020, mileage_km=30_000, price_jpy=1_500_000,
        total_price_jpy=1_600_000, color="blue", body_type="hatchback",
        transmission="automatic", fuel="electric", prefecture="東京都", repair_history=None),
    car("A06", make="Mazda", make_ja="マツダ", make_code="MA", model="CX-5", model_ja="CX-5",
        grade="XD", year=2017, mileage_km=60_000, price_jpy=None, total_price_jpy=None,
        color="red", body_type="suv", transmission="automatic", fuel="diesel",
        prefecture="北海道", repair_history=False, drive="4WD"),
    car("A07", make="BMW", make_ja="BMW", make_code="BM", model="3 Series", model_ja="3シリーズ",
        grade="320i Mスポーツ", year=2016, mileage_km=None, price_jpy=2_000_000,
        total_price_jpy=2_100_000, color="black", body_type="sedan", transmission="automatic",
        fuel="gasoline", prefecture="東京都", repair_history=False),
    car("A08", make="Suzuki", make_ja="スズキ", make_code="SZ", model=None, model_ja="ナゾノクルマ",
        grade="ベースグレード", year=None, mileage_km=5_000, price_jpy=500_000,
        total_price_jpy=600_000, color="white", body_type="kei", transmission="manual",
        fuel="gasoline", prefecture="大阪府", repair_history=False),
    car("A09", is_active=False, color="white", prefecture="東京都"),
    car("A10", make="Honda", make_ja="ホンダ", make_code="HO", model="Fit", model_ja="フィット",
        grade="13G", year=2018, mileage_km=40_000, price_jpy=950_000, total_price_jpy=None,
        color="silver", body_type="hatchback", transmission="cvt", fuel="gasoline",
        prefecture="愛知県", repair_history=False),
    car("A11", make="Honda", make_ja="ホンダ", make_code="HO", model="Fit", model_ja="フィット",
        grade="13G", year=2018, mileage_km=40_000, price_jpy=950_000, total_price_jpy=None,
        color="silver", body_type="hatchback", transmission="cvt", fuel="gasoline",
        prefecture="愛知県", repair_history=False),
]  # fmt: skip
SEEN = {item.external_id: item for item in CARS}


def effective_price(item: Any) -> int | None:
    return item.total_price_jpy if item.total_price_jpy is not None else item.price_jpy


SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "price": lambda item: item.total_price_jpy,  # the "Total price" column: none last
    "year": lambda item: item.year,
    "mileage": lambda item: item.mileage_km,
    "updated": lambda item: CARS.index(item),  # stored in list order
}


def expected(params: dict[str, Any]) -> list[str]:
    """The oracle: filter and sort the fixture set in Python, NULLs last, ties by id."""
    filters = CarFilters.model_validate(params)

    def keep(item: Any) -> bool:
        price = effective_price(item)
        terms = unicodedata.normalize("NFKC", filters.q or "").lower().split()
        text = " ".join(
            v or "" for v in (item.make, item.make_ja, item.model, item.model_ja, item.grade)
        ).lower()
        checks = [
            item.is_active == filters.is_active,
            filters.make is None or (item.make or "").lower() == filters.make.lower(),
            filters.model is None or (item.model or "").lower() == filters.model.lower(),
            all(term in text for term in terms),
            filters.year_min is None or (item.year is not None and item.year >= filters.year_min),
            filters.year_max is None or (item.year is not None and item.year <= filters.year_max),
            filters.price_min is None or (price is not None and price >= filters.price_min),
            filters.price_max is None or (price is not None and price <= filters.price_max),
            filters.mileage_max is None
            or (item.mileage_km is not None and item.mileage_km <= filters.mileage_max),
        ]
        for name in ("color", "body_type", "transmission", "fuel", "prefecture", "drive"):
            wanted = getattr(filters, name)
            checks.append(wanted is None or getattr(item, name) == wanted)
        if filters.repair_history is not None:
            checks.append(item.repair_history is filters.repair_history)
        return all(checks)

    key = SORT_KEYS[filters.sort.lstrip("-")]
    descending = filters.sort.startswith("-")
    kept = [(CARS.index(item), item) for item in CARS if keep(item)]
    present = sorted(
        ((key(item), index) for index, item in kept if key(item) is not None), reverse=descending
    )
    missing = sorted((index for index, item in kept if key(item) is None), reverse=descending)
    return [CARS[index].external_id for _, index in present] + [
        CARS[index].external_id for index in missing
    ]


SORTS = ["price", "-price", "year", "-year", "mileage", "-mileage", "updated", "-updated"]
FILTER_CASES: list[dict[str, Any]] = [
    {},
    {"make": "Toyota"},
    {"make": "toyota"},  # case-insensitive
    {"make": "HONDA", "model": "fit"},
    {"model": "Prius"},
    {"model": "3 series"},
    {"make": "Unknown Make"},
    {"q": "プリウス"},
    {"q": "prius"},
    {"q": "ホンダ 13G"},
    {"q": "13G_F"},  # "_" is literal, not a LIKE wildcard
    {"q": "100%"},  # so is "%"
    {"q": "%"},
    {"q": "ＢＭＷ"},  # full-width, NFKC-folded
    {"q": "ツーリング"},
    {"q": "nothing-matches"},
    {"year_min": 2018},
    {"year_max": 2017},
    {"year_min": 2018, "year_max": 2018},
    {"year_min": 1900, "year_max": 2100},
    {"price_min": 1_000_000},
    {"price_max": 1_000_000},
    {"price_min": 990_000, "price_max": 2_100_000},
    {"price_min": 0},
    {"mileage_max": 40_000},
    {"mileage_max": 0},
    {"color": "white"},
    {"color": "WHITE"},
    {"body_type": "hatchback"},
    {"transmission": "manual"},
    {"fuel": "hybrid"},
    {"prefecture": "東京都"},
    {"drive": "4WD"},
    {"drive": "4WD", "sort": "price"},
    {"repair_history": True},
    {"repair_history": False},
    {"is_active": False},
    {"is_active": False, "color": "white"},
    {"make": "Toyota", "color": "white", "prefecture": "東京都", "year_min": 2019},
    {"make": "Honda", "price_max": 990_000, "mileage_max": 40_000, "transmission": "cvt"},
    {"body_type": "hatchback", "fuel": "hybrid", "repair_history": False, "q": "S"},
    {"color": "black", "year_min": 2015, "year_max": 2016, "price_min": 1_000_000},
]


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["external_id"] for item in response.json()["items"]]


def test_every_filter_and_sort_matches_the_oracle(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, *CARS)
    for case in FILTER_CASES:
        for sort in SORTS:
            params = {**case, "sort": sort, "page_size": 100}
            response = client.get("/api/cars", params=params, headers=auth)
            want = expected(params)
            assert ids(response) == want, params
            assert response.json()["total"] == len(want), params


def test_hand_checked_orders(client: TestClient, session: Session, auth: dict[str, str]) -> None:
    store_in_order(session, *CARS)

    def get(**params: Any) -> list[str]:
        return ids(client.get("/api/cars", params={**params, "page_size": 100}, headers=auth))

    # Default: most recently updated first; inactive A09 hidden.
    assert get() == ["A11", "A10", "A08", "A07", "A06", "A05", "A04", "A03", "A02", "A01"]
    # Total price; the four cars without one (A02, A10, A11 show only a body price) come last
    # both ways. A01 and A07 tie on 2,100,000 and break by id.
    assert get(sort="price") == [
        "A08", "A04", "A05", "A01", "A07", "A03", "A02", "A06", "A10", "A11",
    ]  # fmt: skip
    assert get(sort="-price") == [
        "A03", "A07", "A01", "A05", "A04", "A08", "A11", "A10", "A06", "A02",
    ]  # fmt: skip
    assert get(sort="year")[-1] == "A08" and get(sort="-year")[-1] == "A08"
    assert get(sort="mileage")[-1] == "A07" and get(sort="-mileage")[-1] == "A07"
    assert get(q="ＢＭＷ") == ["A07"]
    assert get(q="13G_F") == ["A04"]
    assert get(price_min=2_100_000, price_max=2_100_000, sort="price") == ["A01", "A07"]


def test_items_carry_every_field(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, CARS[0])
    body = client.get("/api/cars", headers=auth).json()
    assert body["page"] == 1 and body["page_size"] == 20 and body["total"] == 1
    item = body["items"][0]
    assert list(item) == [*LISTED_COLUMNS, "prefecture_en", "days_on_market"]
    assert item["prefecture"] == "東京都" and item["prefecture_en"] == "Tokyo"
    assert item["make_ja"] == "トヨタ" and item["model_ja"] == "プリウス"
    assert item["price_jpy"] == 2_016_000 and item["total_price_jpy"] == 2_100_000
    assert item["first_seen_at"].endswith("Z") or item["first_seen_at"].endswith("+00:00")


@pytest.mark.parametrize("sort", SORTS)
def test_pages_and_cursors_walk_the_same_stable_order(
    client: TestClient, session: Session, auth: dict[str, str], sort: str
) -> None:
    store_in_order(session, *CARS)
    want = expected({"sort": sort})
    by_page: list[str] = []
    for number in range(1, 6):
        response = client.get(
            "/api/cars", params={"sort": sort, "page": number, "page_size": 3}, headers=auth
        )
        body = response.json()
        assert (body["total"], body["page"], body["page_size"]) == (len(want), number, 3)
        by_page += ids(response)
    assert by_page == want

    by_cursor: list[str] = []
    params: dict[str, Any] = {"sort": sort, "page_size": 3}
    while True:
        body = client.get("/api/cars", params=params, headers=auth).json()
        by_cursor += [item["external_id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert by_cursor == want


def test_a_page_past_the_end_is_empty_with_the_total(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store(session, car("B1"), car("B2"))
    body = client.get("/api/cars", params={"page": 50}, headers=auth).json()
    assert body == {"items": [], "total": 2, "page": 50, "page_size": 20, "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"sort": "price "}, "sort"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"year_min": 1899}, "year_min"),
        ({"year_max": 2101}, "year_max"),
        ({"price_min": -1}, "price_min"),
        ({"mileage_max": -5}, "mileage_max"),
        ({"color": "chartreuse"}, "color"),
        ({"body_type": "spaceship"}, "body_type"),
        ({"transmission": "dct"}, "transmission"),
        ({"fuel": "coal"}, "fuel"),
        ({"repair_history": "maybe"}, "repair_history"),
        ({"is_active": "sometimes"}, "is_active"),
        ({"q": "x" * 101}, "q"),
        ({"make": "bad\x00byte"}, "make"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_invalid_parameters_get_422_naming_the_parameter(
    client: TestClient, auth: dict[str, str], params: dict[str, Any], parameter: str
) -> None:
    response = client.get("/api/cars", params=params, headers=auth)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [error["loc"] for error in detail] == [["query", parameter]]
    assert "input" not in detail[0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_min": 2020, "year_max": 2019}, "year_min must not be greater than year_max"),
        ({"price_min": 2, "price_max": 1}, "price_min must not be greater than price_max"),
    ],
)
def test_min_above_max_gets_422_naming_both(
    client: TestClient, auth: dict[str, str], params: dict[str, Any], message: str
) -> None:
    response = client.get("/api/cars", params=params, headers=auth)
    assert response.status_code == 422
    assert message in response.json()["detail"][0]["msg"]


def test_errors_in_filters_and_page_are_reported_together(
    client: TestClient, auth: dict[str, str]
) -> None:
    params = {"color": "chartreuse", "page_size": 0, "sort": "price", "page": "2"}
    response = client.get("/api/cars", params=params, headers=auth)
    assert response.status_code == 422
    locs = [error["loc"] for error in response.json()["detail"]]
    assert locs == [["query", "color"], ["query", "page_size"]]


def test_a_cursor_from_another_sort_is_rejected(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, *CARS)
    cursor = client.get("/api/cars", params={"page_size": 1}, headers=auth).json()["next_cursor"]
    response = client.get("/api/cars", params={"sort": "price", "cursor": cursor}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]
    assert "sort=-updated" in response.json()["detail"][0]["msg"]


def test_unknown_parameters_and_blank_values_are_ignored(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store(session, car("B1"))
    response = client.get(
        "/api/cars", params={"colour": "red", "utm_source": "x", "make": "", "q": " "}, headers=auth
    )
    assert ids(response) == ["B1"]


ALIAS_CARS = [
    car("L01"),  # a Toyota Prius
    car("L02", model="Land Cruiser", model_ja="ランドクルーザー200", grade="ZX"),
    car("L03", model="Land Cruiser Prado", model_ja="ランドクルーザープラド", grade="TX"),
    car("L04", make="Honda", make_ja="ホンダ", make_code="HO", model="Fit", model_ja="フィット"),
    car("L05", make="Volkswagen", make_ja="フォルクスワーゲン", make_code="VW", model="Golf",
        model_ja="ゴルフ", grade="GTI"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("alias", "canonical", "found"),
    [
        ("приус", "Prius", ["L01"]),
        ("Приуса", "Prius", ["L01"]),
        ("ланд крузер прадо", "Land Cruiser Prado", ["L03"]),
        ("ランクル", "Land Cruiser", ["L03", "L02"]),
        ("ランクルプラド", "Land Cruiser Prado", ["L03"]),
        ("крузак", "Land Cruiser", ["L03", "L02"]),
        ("хонда фит", "Honda Fit", ["L04"]),
        ("гольф gti", "Golf GTI", ["L05"]),
        ("ベンツ", "Mercedes-Benz", []),
    ],
)
def test_aliases_find_the_same_cars_as_the_canonical_names(
    client: TestClient,
    session: Session,
    auth: dict[str, str],
    alias: str,
    canonical: str,
    found: list[str],
) -> None:
    store_in_order(session, *ALIAS_CARS)

    def search(q: str) -> list[str]:
        return ids(client.get("/api/cars", params={"q": q}, headers=auth))

    assert search(alias) == search(canonical) == found


def test_an_unknown_word_beside_an_alias_still_narrows(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, *ALIAS_CARS)
    assert ids(client.get("/api/cars", params={"q": "крузак tx"}, headers=auth)) == ["L03"]
    assert ids(client.get("/api/cars", params={"q": "приус zzz"}, headers=auth)) == []
