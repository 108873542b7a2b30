"""GET /api/reference: prefecture names and the exchange rates the clients convert with."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.models import ExchangeRate
from core.prefectures import PREFECTURES


def test_reference_needs_a_token(client: TestClient) -> None:
    assert client.get("/api/reference").status_code == 401


def test_reference_names_every_prefecture_and_gives_the_settings_rates(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = client.get("/api/reference", headers=auth).json()
    assert [p["ja"] for p in body["prefectures"]] == [p.ja for p in PREFECTURES]
    assert {"ja": "大阪府", "en": "Osaka", "ru": "Осака"} in body["prefectures"]
    assert body["rates"] == {
        "yen_per": {"USD": 150.0, "EUR": 160.0, "RUB": 1.8},
        "as_of": "2026-12-01",
        "source": "settings",
    }


def test_reference_gives_a_newer_feeds_rates(
    client: TestClient, auth: dict[str, str], session: Session
) -> None:
    for currency, yen in (("USD", 155.5), ("EUR", 170.25), ("RUB", 1.95)):
        session.add(ExchangeRate(
            currency=currency, yen_per_unit=yen, as_of=date(2026, 12, 6), source="http://feed/"
        ))  # fmt: skip
    session.commit()
    rates = client.get("/api/reference", headers=auth).json()["rates"]
    assert rates == {
        "yen_per": {"USD": 155.5, "EUR": 170.25, "RUB": 1.95},
        "as_of": "2026-12-06",
        "source": "feed",
    }
