"""Saved searches (/api/searches) and the Telegram link code (/api/me/telegram)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core import alerts
from core.models import SavedSearch, User, utcnow
from tests.conftest import AsyncWork

PRIUS = {"name": "Cheap Prius", "filters": {"make": "Toyota", "model": "Prius", "price_max": 2e6}}


def test_save_list_and_delete(client: TestClient, auth: dict[str, str], session: Session) -> None:
    before = utcnow()
    saved = client.post("/api/searches", json={**PRIUS, "language": "ru", "currency": "RUB"},
                        headers=auth)  # fmt: skip
    assert saved.status_code == 201, saved.text
    body = saved.json()
    assert body["filters"] == {"make": "Toyota", "model": "Prius", "price_max": 2_000_000}
    assert (body["language"], body["currency"], body["last_alert_at"]) == ("ru", "RUB", None)
    # Told only of what comes after it was saved.
    row = session.scalars(select(SavedSearch)).one()
    assert row.alerted_until >= before and row.chat_id is None
    other = client.post("/api/searches", json={"name": "Any", "filters": {}}, headers=auth)
    listed = client.get("/api/searches", headers=auth).json()
    assert [s["id"] for s in listed] == [other.json()["id"], body["id"]]
    assert client.delete(f"/api/searches/{body['id']}", headers=auth).status_code == 204
    assert client.delete(f"/api/searches/{body['id']}", headers=auth).status_code == 404
    assert [s["name"] for s in client.get("/api/searches", headers=auth).json()] == ["Any"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "filters": {}}, "name"),
        ({"name": "x", "filters": {"year_min": 2020, "year_max": 2010}}, "filters"),
        ({"name": "x", "filters": {"color": "plaid"}}, "color"),
        ({"name": "x", "filters": {}, "currency": "GBP"}, "currency"),
        ({"name": "x", "filters": {}, "language": "de"}, "language"),
    ],
)
def test_a_bad_search_gets_422_naming_the_field(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/searches", json=body, headers=auth)
    assert response.status_code == 422
    assert field in response.text


def test_searches_are_private_and_limited(
    client: TestClient, auth: dict[str, str], session: Session
) -> None:
    stranger = User(username="stranger", password_hash="x")
    session.add(stranger)
    session.commit()
    theirs = SavedSearch(user_id=stranger.id, name="theirs", filters={})
    session.add(theirs)
    session.commit()
    assert client.get("/api/searches", headers=auth).json() == []
    assert client.delete(f"/api/searches/{theirs.id}", headers=auth).status_code == 404
    for n in range(50):
        assert client.post("/api/searches", json={"name": f"s{n}", "filters": {}},
                           headers=auth).status_code == 201  # fmt: skip
    refused = client.post("/api/searches", json={"name": "one more", "filters": {}}, headers=auth)
    assert refused.status_code == 409 and "at most 50" in refused.text
    assert client.get("/api/searches").status_code == 401


def test_a_link_code_links_the_chat_once(
    client: TestClient,
    auth: dict[str, str],
    session: Session,
    read_async: Callable[[AsyncWork], Any],
) -> None:
    assert client.get("/api/me", headers=auth).json()["telegram_linked"] is False
    issued = client.post("/api/me/telegram", headers=auth).json()
    code = issued["code"]
    assert issued["command"] == f"/link {code}" and len(code) == 8

    def link(text: str, chat_id: int) -> int | None:
        async def work(db: AsyncSession) -> int | None:
            user = await alerts.link_chat(text, chat_id, session=db)
            await db.commit()
            return user.id if user else None

        result: int | None = read_async(work)
        return result

    assert link("WRONG123", 555) is None
    assert link(f" {code[:4]}-{code[4:].lower()} ", 555) is not None  # as a person types it
    assert link(code, 556) is None  # spent
    assert client.get("/api/me", headers=auth).json()["telegram_linked"] is True
    # An expired code links nothing.
    code = client.post("/api/me/telegram", headers=auth).json()["code"]
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    admin.link_code_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert link(code, 557) is None
    assert client.delete("/api/me/telegram", headers=auth).status_code == 204
    assert client.get("/api/me", headers=auth).json()["telegram_linked"] is False
