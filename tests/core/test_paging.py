"""core.paging: cursors, and pages that cross from the sort key's values into its NULLs."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.filters import CarFilters
from core.models import utcnow
from core.paging import InvalidCursor, Page, decode_cursor, encode_cursor
from core.read import page_of_cars
from tests.api.test_cars_list import CARS, expected
from tests.conftest import AsyncWork
from tests.factories import store_in_order


def _cursor(payload: object) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "sort"),
    [
        ("%%%", "-updated"),
        (_cursor({"a": 1}), "-updated"),
        (_cursor(7), "price"),
        (_cursor(["price", 100, True]), "price"),  # an id must be an integer, not a boolean
        (_cursor(["price", 1.5, 3]), "price"),
        (_cursor(["price", "cheap", 3]), "price"),
        (_cursor(["updated", "yesterday", 3]), "updated"),
        (_cursor(["updated", "2026-01-01T00:00:00", 3]), "updated"),  # naive time
        (_cursor(["-price", 100, 3]), "price"),
        (_cursor(["deal", float("nan"), 3]), "deal"),  # json writes NaN, and reads it back
        (_cursor(["deal", "0.9", 3]), "deal"),
        (_cursor(["discount", 0.5, 3]), "discount"),  # yen are whole
    ],
)
def test_garbled_cursors_are_rejected(cursor: str, sort: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, sort)


def test_the_deal_cursor_keeps_its_ratio_exactly() -> None:
    ratio = 2_000_000 / 2_345_678
    assert decode_cursor(_cursor(["deal", ratio, 3]), "deal") == (ratio, 3)
    assert decode_cursor(_cursor(["-deal", 1, 3]), "-deal") == (1, 3)


def test_a_cursor_round_trips() -> None:
    row = {"id": 9, "price_jpy": 100, "total_price_jpy": 110, "updated_at": utcnow()}
    assert decode_cursor(encode_cursor("-price", row), "-price") == (110, 9)
    no_total = {**row, "total_price_jpy": None}
    assert decode_cursor(encode_cursor("price", no_total), "price") == (None, 9)
    assert decode_cursor(encode_cursor("updated", row), "updated") == (row["updated_at"], 9)


def test_a_keyset_page_crosses_from_values_into_the_null_tail(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    # Page size 1 puts a cursor on every row, including the last non-NULL and the NULL ones.
    store_in_order(session, *CARS)

    async def walk(sort: str, session: AsyncSession) -> list[str]:
        filters, seen, cursor = CarFilters(sort=sort), [], None
        for _ in range(len(CARS) + 1):
            page = Page(page_size=1, cursor=cursor)
            items = await page_of_cars(filters, page, session=session)
            if not items:
                break
            seen.append(items[0]["external_id"])
            cursor = encode_cursor(sort, items[0])
        return seen

    for sort in ("price", "-price", "year", "-mileage"):
        assert read_async(lambda s, sort=sort: walk(sort, s)) == expected({"sort": sort}), sort
