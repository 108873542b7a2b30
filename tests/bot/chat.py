"""The bot tests' shared world: a seeded stock of cars, and a chat driven through the dispatcher."""

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy.orm import Session

from bot.alerts import Alerts
from core.db import make_engine
from core.models import CrawlRun, utcnow
from crawler.items import CarItem
from replay.telegram_api import Call, FakeTelegram
from tests.factories import listing, store

TOKEN = "123456789:TEST-token-for-the-fake-server"
ANNA = 111  # a Russian-speaking user; in a private chat, the chat id is the user id
WEB = "https://cars.example"  # the web app's address in alerts


def bmw(
    external_id: str, total: int, year: int, mileage: int, prefecture: str, **values: Any
) -> CarItem:
    """A red BMW 3 Series listing; `values` override any field."""
    red_bmw = dict(
        make="BMW", make_ja="BMW", make_code="BM", model="3 Series", model_ja="3シリーズ",
        grade="320i Mスポーツ", color="red", color_ja="レッド", total_price_jpy=total,
        price_jpy=total - 90_000, year=year, mileage_km=mileage, prefecture=prefecture,
    )  # fmt: skip
    return listing(external_id, **(red_bmw | values))


# Seven red BMWs up to ¥2,000,000, stored in this order (the default sort shows the last first).
RED_BMWS = (
    bmw("B1", 1_000_000, 2012, 98_000, "東京都"),
    bmw("B2", 1_200_000, 2014, 75_000, "大阪府"),
    bmw("B3", 1_400_000, 2016, 60_000, "愛知県"),
    bmw("B4", 1_550_000, 2015, 52_000, "東京都"),
    bmw("B5", 1_700_000, 2018, 41_000, "神奈川県"),
    bmw("B6", 1_800_000, 2017, 30_000, "福岡県"),
    bmw("B7", 1_950_000, 2019, 12_000, "北海道"),
)
OTHER_CARS = (
    bmw("X1", 2_500_000, 2021, 8_000, "東京都"),  # too dear
    bmw("X2", 400_000, 2008, 120_000, "千葉県", color="white"),  # white
    listing("X3", color="red", total_price_jpy=900_000),  # a red Toyota
    bmw("X4", 1_300_000, 2016, 50_000, "東京都", is_active=False),  # sold
)


def crawl_stored(db_url: str, *items: CarItem) -> None:
    """A crawl that stored `items` now: the listings through the crawler's storage, then the
    finished crawl_runs row its final report (crawler.extensions.RunReport) writes."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        store(session, *items)
        session.add(CrawlRun(
            shard="manual", node="test", job_id=f"manual-{uuid.uuid4().hex}", status="finished",
            outcome="finished", items_stored=max(len(items), 1), progress_at=utcnow(),
        ))  # fmt: skip
        session.commit()
    engine.dispose()


def golf(external_id: str, grade: str, total: int, photo: bool = True) -> CarItem:
    """A Volkswagen Golf listing of `grade`, with a photo unless told otherwise."""
    image = f"https://ccsrpcma.carsensor.net/CSphoto/ml/{external_id}/001.JPG" if photo else None
    return listing(
        external_id, make="Volkswagen", make_ja="フォルクスワーゲン", make_code="VW",
        model="Golf", model_ja="ゴルフ", grade=grade, total_price_jpy=total,
        price_jpy=total - 100_000, year=2018, mileage_km=40_000, prefecture="大阪府",
        image_url=image,
    )  # fmt: skip


# Golfs for the photo and currency tests, stored after the rest (tests.bot.conftest.golfs_db):
# the newest first, G1's ¥2,760,000 is $18,400 at ¥150.
GOLFS = (
    golf("G4", "GTI パフォーマンス", 3_300_000),  # above $20,000
    golf("G3", "GTI", 2_980_000),
    golf("G2", "GTI DCC", 2_550_000),
    golf("G1", "GTI クラブスポーツ", 2_760_000),
    golf("G5", "TSI コンフォートライン", 1_900_000, photo=False),
    golf("G6", "TSI ハイライン", 2_100_000),
)


def photo(external_id: str) -> str:
    """The photo URL of a seeded Golf."""
    return f"https://ccsrpcma.carsensor.net/CSphoto/ml/{external_id}/001.JPG"


def url(external_id: str) -> str:
    """The listing link of a seeded car."""
    return f"https://www.carsensor.net/usedcar/detail/{external_id}/index.html"


@dataclass
class Clock:
    """A monotonic clock the test moves by hand."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Conversation:
    """A chat with the bot: send texts and press buttons, get back the Bot API calls made."""

    dispatcher: Dispatcher
    bot: Bot
    telegram: FakeTelegram
    clock: Clock = field(default_factory=Clock)
    update_ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    async def _feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.telegram.calls)
        update.setdefault("update_id", next(self.update_ids))
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        return self.telegram.calls[before:]

    def message(self, text: str, *, user: int = ANNA, language: str = "ru") -> dict[str, Any]:
        """The update Telegram sends for `text` from `user` in their private chat."""
        sender = {"id": user, "is_bot": False, "first_name": "Anna", "language_code": language}
        message = {
            "message_id": next(self.update_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user, "type": "private", "first_name": "Anna"},
            "from": sender,
            "text": text,
        }
        return {"update_id": next(self.update_ids), "message": message}

    async def say(self, text: str, *, user: int = ANNA, language: str = "ru") -> list[Call]:
        """Send `text` as `user` in their private chat."""
        return await self._feed(self.message(text, user=user, language=language))

    @property
    def alerts(self) -> Alerts:
        """This bot process's alerts loop."""
        alerts: Alerts = self.dispatcher["alerts"]
        return alerts

    async def start(self) -> None:
        """Start the process as polling or a webhook would: its alerts begin looking."""
        await self.dispatcher.emit_startup(bot=self.bot)

    async def stop(self) -> None:
        """Stop the process as polling or a webhook would: its alerts stop."""
        await self.dispatcher.emit_shutdown(bot=self.bot)

    async def press(self, reply: Call, text: str, *, user: int = ANNA) -> list[Call]:
        """Press the inline button labelled `text` under the message `reply` sent or edited."""
        (data,) = [b["callback_data"] for row in reply.buttons for b in row if b["text"] == text]
        query = {
            "id": f"cb{next(self.update_ids)}",
            "from": {"id": user, "is_bot": False, "first_name": "Anna", "language_code": "ru"},
            "chat_instance": "ci-1",
            "message": reply.result,
            "data": data,
        }
        return await self._feed({"callback_query": query})


def methods(calls: list[Call]) -> list[str]:
    """The methods of the calls, in order."""
    return [call.method for call in calls]


def only_message(calls: list[Call], method: str = "sendMessage") -> Call:
    """The one call of an update, checked to be `method`."""
    assert [call.method for call in calls] == [method], calls
    return calls[0]


async def eventually(check: Callable[[], bool], what: str, *, timeout: float = 60.0) -> None:
    """Wait until `check()` holds, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(0.05)


async def settled(*alerts: Alerts) -> None:
    """Wait until each alerts loop has run a whole round that began after this call."""
    begun = [loop.rounds for loop in alerts]
    await eventually(
        lambda: all(loop.rounds >= n + 2 for loop, n in zip(alerts, begun, strict=True)),
        "a whole round of alerts",
    )


def alerts_to(telegram: FakeTelegram, chat: int = ANNA) -> list[Call]:
    """The alerts the chat received: delivered messages that start with a search's name."""
    return [
        call
        for call in telegram.of("sendMessage")
        if call.error is None
        and call.params["chat_id"] == str(chat)
        and call.params["text"].startswith("🔔 <b>")
    ]
