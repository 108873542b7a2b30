"""GET /api/cars/{id}, /api/cars/facets and /api/cars/export.csv."""

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import read
from core.models import LISTED_COLUMNS, Car, utcnow
from tests.api.test_cars_list import CARS, expected
from tests.factories import listing as car
from tests.factories import store, store_in_order


def car_id(session: Session, external_id: str) -> int:
    return session.scalars(select(Car.id).where(Car.external_id == external_id)).one()


def test_detail_has_photos_specs_and_price_history(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    start = utcnow() - timedelta(days=2)
    photos = ["https://img.example/1.jpg", "https://img.example/2.jpg"]
    store(session, car("D1", photos=photos, seats=5, doors=4), at=start)
    store(session, car("D1", price_jpy=1_900_000, total_price_jpy=None), at=start + timedelta(1))
    response = client.get(f"/api/cars/{car_id(session, 'D1')}", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["photos"] == photos and (body["seats"], body["doors"]) == (5, 4)
    assert [(p["price_jpy"], p["total_price_jpy"]) for p in body["price_history"]] == [
        (2_016_000, 2_100_000),
        (1_900_000, None),
    ]
    assert set(LISTED_COLUMNS) <= set(body)


def test_detail_of_an_inactive_car_and_of_a_car_without_photos(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store(session, car("D2", is_active=False))
    body = client.get(f"/api/cars/{car_id(session, 'D2')}", headers=auth).json()
    assert body["is_active"] is False and body["photos"] == []
    assert body["raw_values"] is None


def test_detail_shows_the_text_of_a_value_that_could_not_be_read(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    unread = {"price_jpy": "12a.3", "mileage_km": "3.5万km(メーター交換車)"}
    store(session, car("D3", price_jpy=None, mileage_km=35_000, unparsed=unread))
    body = client.get(f"/api/cars/{car_id(session, 'D3')}", headers=auth).json()
    assert (body["price_jpy"], body["mileage_km"], body["raw_values"]) == (None, 35_000, unread)


def test_detail_404_and_422(client: TestClient, auth: dict[str, str]) -> None:
    missing = client.get("/api/cars/12345", headers=auth)
    assert missing.status_code == 404 and missing.json() == {"detail": "Car not found"}
    for bad in ("abc", "0", "-1", str(2**63)):
        response = client.get(f"/api/cars/{bad}", headers=auth)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"] == ["path", "car_id"]


def test_facets_count_under_the_same_filters(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, *CARS)
    body = client.get("/api/cars/facets", headers=auth).json()
    # Counts in descending order, then by value; the inactive A09 is not counted.
    assert body["makes"] == [
        {"value": "Honda", "count": 3, "models": [{"value": "Fit", "count": 3}]},
        {"value": "Toyota", "count": 3, "models": [
            {"value": "Prius", "count": 2}, {"value": "Alphard", "count": 1}]},
        {"value": "BMW", "count": 1, "models": [{"value": "3 Series", "count": 1}]},
        {"value": "Mazda", "count": 1, "models": [{"value": "CX-5", "count": 1}]},
        {"value": "Nissan", "count": 1, "models": [{"value": "Note", "count": 1}]},
        {"value": "Suzuki", "count": 1, "models": []},  # its model is not in the dictionary
    ]  # fmt: skip
    assert body["colors"] == [
        {"value": "silver", "count": 3}, {"value": "white", "count": 3},
        {"value": "black", "count": 2}, {"value": "blue", "count": 1},
        {"value": "red", "count": 1},
    ]  # fmt: skip
    assert body["transmissions"] == [
        {"value": "cvt", "count": 5}, {"value": "automatic", "count": 4},
        {"value": "manual", "count": 1},
    ]  # fmt: skip
    assert {f["value"]: f["count"] for f in body["prefectures"]} == {
        "東京都": 4, "愛知県": 3, "大阪府": 2, "北海道": 1,
    }  # fmt: skip
    assert sum(f["count"] for f in body["body_types"]) == 10
    assert sum(f["count"] for f in body["fuels"]) == 10

    tokyo_white = client.get(
        "/api/cars/facets", params={"prefecture": "東京都", "color": "white"}, headers=auth
    ).json()
    assert tokyo_white["makes"] == [
        {"value": "Toyota", "count": 2, "models": [
            {"value": "Alphard", "count": 1}, {"value": "Prius", "count": 1}]},
    ]  # fmt: skip
    assert tokyo_white["colors"] == [{"value": "white", "count": 2}]
    inactive = client.get("/api/cars/facets", params={"is_active": False}, headers=auth).json()
    assert inactive["makes"][0]["count"] == 1
    invalid = client.get("/api/cars/facets", params={"year_min": 3000}, headers=auth)
    assert invalid.status_code == 422


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_has_the_filtered_rows_in_order(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    store_in_order(session, *CARS)
    header, *rows = read_csv(client.get("/api/cars/export.csv", headers=auth))
    assert header == list(LISTED_COLUMNS)
    assert [row[2] for row in rows] == expected({})
    by_id = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    assert (
        by_id["A01"]["model_ja"] == "プリウス"
        and by_id["A01"]["grade"] == "S ツーリングセレクション"
    )
    assert by_id["A02"]["total_price_jpy"] == "" and by_id["A02"]["repair_history"] == "true"
    assert by_id["A05"]["grade"] == "e-POWER 100%電動"

    params = {"make": "Honda", "sort": "-price", "page": 3, "page_size": 1}
    _, *hondas = read_csv(client.get("/api/cars/export.csv", params=params, headers=auth))
    # Paging parameters do not apply: the export is every matching row.
    assert [row[2] for row in hondas] == expected({"make": "Honda", "sort": "-price"})
    assert client.get("/api/cars/export.csv?sort=x", headers=auth).status_code == 422


def test_csv_export_streams_in_batches(
    client: TestClient, session: Session, auth: dict[str, str], monkeypatch: Any
) -> None:
    store(session, *(car(f"S{n:04d}") for n in range(250)))
    monkeypatch.setattr(read, "EXPORT_BATCH", 100)
    with client.stream("GET", "/api/cars/export.csv", headers=auth) as response:
        chunks = list(response.iter_raw())
    # The header, then one body message per batch of 100 rows: never the whole table at once.
    assert len(chunks) == 1 + 3
    lines = b"".join(chunks).decode("utf-8-sig").splitlines()
    assert len(lines) == 251 and all(chunk.count(b"\r\n") <= 100 for chunk in chunks)
