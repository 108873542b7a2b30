"""Upsert throughput into PostgreSQL: the batched pipeline path against naive and COPY.

All in one run, on the same 20k rows: the batched `upsert_cars` (as StorePipeline calls it),
the naive ORM way (look up, insert or update, commit, per row), and COPY into an empty table,
the physical limit.
"""

import argparse
import io
import logging
import random
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.common import scratch_database
from core.db import make_engine
from core.models import Car, utcnow
from crawler.items import CarItem
from crawler.storage import car_row, upsert_cars

logger = logging.getLogger("bench.upsert")
MAKES = [
    ("Toyota", "トヨタ", "TO", "Prius", "プリウス"),
    ("Nissan", "日産", "NI", "Note", "ノート"),
]


def rows(count: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """Realistic normalised rows, as the pipelines hand them to storage."""
    rng = random.Random(seed)
    now = utcnow()
    out = []
    for n in range(count):
        make, make_ja, code, model, model_ja = rng.choice(MAKES)
        price = rng.randrange(300, 9000) * 1000
        item = CarItem(
            external_id=f"AU{6_000_000_000 + n}", url=f"https://www.carsensor.net/usedcar/detail/AU{n}/index.html",
            make=make, make_ja=make_ja, make_code=code, model=model, model_ja=model_ja,
            grade="2.0 Z", year=rng.randrange(2005, 2025), mileage_km=rng.randrange(0, 150_000),
            price_jpy=price, total_price_jpy=price + 120_000, engine_cc=2000,
            transmission="cvt", transmission_ja="フロアCVT", body_type="hatchback",
            body_type_ja="ハッチバック", color="white", color_ja="白", repair_history=False,
            prefecture="東京都", city="世田谷区", shop_name="テスト自動車",
            image_url="https://ccsrpcma.carsensor.net/x.jpg",
        )  # fmt: skip
        out.append(car_row(item, now=now))
    return out


def batched(url: str, data: list[dict[str, Any]], batch: int) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    for start in range(0, len(data), batch):
        with Session(engine) as session, session.begin():
            upsert_cars(data[start : start + batch], session=session)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def naive(url: str, data: list[dict[str, Any]]) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    for row in data:
        with Session(engine) as session, session.begin():
            car = session.scalars(
                select(Car).where(
                    Car.source == row["source"], Car.external_id == row["external_id"]
                )
            ).one_or_none()
            if car is None:
                session.add(Car(**row))
            else:
                for name, value in row.items():
                    setattr(car, name, value)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def copy(url: str, data: list[dict[str, Any]]) -> float:
    engine = make_engine(url)
    columns = [c for c in data[0] if c != "photos"]
    buffer = io.StringIO()
    for row in data:
        buffer.write("\t".join("\\N" if row[c] is None else str(row[c]) for c in columns) + "\n")
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE cars CASCADE"))
    raw = engine.raw_connection()
    started = time.perf_counter()
    statement = f"COPY cars ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copier:  # type: ignore[attr-defined]
        copier.write(buffer.getvalue())
    raw.commit()
    elapsed = time.perf_counter() - started
    raw.close()
    engine.dispose()
    return elapsed


def main() -> None:
    """Run the three ways on the same rows and log rows/s and the ratios."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    data = rows(args.rows)
    with scratch_database("bench_upsert") as url:
        insert_s = batched(url, data, args.batch)
        later = [dict(r, last_seen_at=r["last_seen_at"] + timedelta(hours=1)) for r in data]
        update_s = batched(url, later, args.batch)
        with make_engine(url).begin() as conn:
            conn.execute(text("TRUNCATE cars CASCADE"))
        naive_s = naive(url, data)
        copy_s = copy(url, data)
    timings = {
        "batched insert": insert_s,
        "batched re-upsert": update_s,
        "naive": naive_s,
        "COPY": copy_s,
    }
    rate = {name: args.rows / seconds for name, seconds in timings.items()}
    for name, per_second in rate.items():
        logger.info("%-18s %9.0f rows/s", name, per_second)
    logger.info("batched / naive : %.1fx (target >= 10x)", rate["batched insert"] / rate["naive"])
    logger.info("batched / COPY  : %.2fx (target >= 0.3x)", rate["batched insert"] / rate["COPY"])


if __name__ == "__main__":
    main()
