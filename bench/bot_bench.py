"""Bot reply latency without the LLM: an update in, to sendMessage out, on 200k cars in PostgreSQL.

Seeds a scratch database (bench.api_bench's COPY seeding), then feeds the real dispatcher (rule
parser, middlewares, handlers, the chat's context in the database) one message update at a
time; aiogram sends its reply over HTTP to the replay package's fake Bot API server on
loopback. Each latency runs from the start of `feed_update` to the fake server receiving the
sendMessage (after the album of the first cars' photos, which the seeded cars have). In the
same run it times the database work of the same searches alone (`run_search`, the floor) and
prints the ratio.
"""

import argparse
import asyncio
import logging
import statistics
import time
from datetime import UTC, datetime

from aiogram.types import Update

from bench.api_bench import seed
from bench.common import scratch_database
from bot.app import build_bot, build_dispatcher
from bot.parser import parse_query
from bot.search import run_search
from core.db import async_session_factory, make_async_engine
from core.settings import Settings
from replay.telegram_api import FakeTelegram

logger = logging.getLogger("bench.bot")
TOKEN = "123456789:BENCH-token-for-the-fake-server"
WARMUP = 20
# New searches in the three languages, as users type them.
QUERIES = (
    "Найди красную BMW до 2 млн",
    "белая тойота приус до 150 тыс км",
    "мерс от 2018 года на автомате",
    "самая дешёвая хонда фит",
    "ниссан серена дизель без ДТП",
    "Лексус не старше 5 лет до 5 млн",
    "красная BMW X5 2024 года до 300 тыс",
    "white SUV under 2 million with less than 30000 km",
    "cheapest Toyota Aqua",
    "newest Mazda CX-5 automatic",
    "black Honda hybrid 2015-2018",
    "Subaru wagon under 1.5M",
    "Suzuki kei car manual",
    "Volkswagen Golf diesel",
    "トヨタ プリウス 100万円以下",
    "ホンダ N-BOX 2019年以降",
    "日産 ノート 白 5万km以下",
    "スバル レヴォーグ 事故歴なし",
    "マツダ 安い順",
    "ダイハツ タント 50万円以下",
)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def message_update(number: int, text: str) -> dict[str, object]:
    """A private message from a new user each time, so every update is a fresh search."""
    user = {"id": 10_000 + number, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    return {
        "update_id": number,
        "message": {
            "message_id": number,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user["id"], "type": "private", "first_name": "Bench"},
            "from": user,
            "text": text,
        },
    }


async def bot_latencies(url: str, texts: list[str]) -> list[float]:
    """Milliseconds from feed_update to the fake server receiving sendMessage, per text."""
    settings = Settings(_env_file=None, database_url=url, telegram_bot_token=TOKEN)
    telegram = FakeTelegram()
    await telegram.start()
    engine = make_async_engine(settings)
    bot = build_bot(TOKEN, telegram.url)
    dispatcher = build_dispatcher(settings, async_session_factory(engine))
    latencies = []
    try:
        for number, text in enumerate(texts, start=1):
            update = Update.model_validate(message_update(number, text), context={"bot": bot})
            before = len(telegram.calls)
            started = time.monotonic()  # the clock the fake server stamps its calls with
            await dispatcher.feed_update(bot, update)
            methods = [call.method for call in telegram.calls[before:]]
            if methods[-1:] != ["sendMessage"] or methods.count("sendMessage") != 1:
                raise RuntimeError(f"{text!r}: the bot called {methods}, not one sendMessage")
            latencies.append((telegram.calls[-1].at - started) * 1000)
    finally:
        await bot.session.close()
        await telegram.stop()
        await engine.dispose()
    return latencies


async def sql_latencies(url: str, texts: list[str]) -> list[float]:
    """Milliseconds of the database work alone (run_search on the parsed filters), per text."""
    engine = make_async_engine(Settings(_env_file=None, database_url=url))
    latencies = []
    try:
        async with async_session_factory(engine)() as session:
            for text in texts:
                filters = parse_query(text).filters
                started = time.perf_counter()
                await run_search(filters, 0, session=session)
                latencies.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return latencies


def main() -> None:
    """Seed, feed the updates, time the same searches in SQL, and report."""
    # aiogram and aiohttp log every update and request at INFO.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=200_000)
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args()
    texts = [QUERIES[n % len(QUERIES)] for n in range(WARMUP + args.updates)]
    with scratch_database("bench_bot") as url:
        started = time.perf_counter()
        seed(url, args.cars)
        logger.info("seeded %d cars in %.1f s", args.cars, time.perf_counter() - started)
        bot = asyncio.run(bot_latencies(url, texts))[WARMUP:]
        sql = asyncio.run(sql_latencies(url, texts))[WARMUP:]
    bot_p50, bot_p95 = statistics.median(bot), percentile(bot, 0.95)
    sql_p50, sql_p95 = statistics.median(sql), percentile(sql, 0.95)
    logger.info("")
    logger.info("bot reply, rule parser, %d updates one at a time, %d cars", len(bot), args.cars)
    logger.info("  update → sendMessage  p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms"
                "  (target: p95 < 100 ms)", bot_p50, bot_p95, max(bot))  # fmt: skip
    logger.info("  SQL floor (run_search) p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms",
                sql_p50, sql_p95, max(sql))  # fmt: skip
    logger.info(
        "  bot / SQL              p50 %6.2fx   p95 %6.2fx", bot_p50 / sql_p50, bot_p95 / sql_p95
    )
    logger.info("Per query, median ms: bot, SQL")
    for query in QUERIES:
        mine = [b for b, text in zip(bot, texts[WARMUP:], strict=True) if text == query]
        floor = [s for s, text in zip(sql, texts[WARMUP:], strict=True) if text == query]
        logger.info("  %7.1f %7.1f  %s", statistics.median(mine), statistics.median(floor), query)


if __name__ == "__main__":
    main()
