"""GET /api/cars under load: wrk against one uvicorn worker on 200k cars in PostgreSQL.

Seeds a scratch database with realistic listings (COPY), starts `uvicorn api.main:app` with one
worker, signs in, and drives a mix of filtered, sorted, deep-offset and keyset (cursor) pages
with wrk: first 32 connections on a freshly started worker (cold: empty count cache, no
prepared statements), then one connection, then 32 connections `--runs` times (steady). Then
times the same queries directly in SQL (the floor: the page query alone and with the count at
one connection, and the page query from 32 concurrent asyncpg connections, the same closed
loop as wrk's), prints the ratios, summarises EXPLAIN ANALYZE of every query (index use, no
sequential scan on cars), and checks that a full CSV export keeps the server's memory flat.
"""

import argparse
import asyncio
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.create_admin import upsert_admin
from api.db import asyncpg_sql
from bench.common import best_seconds, scratch_database
from core.db import make_engine
from core.filters import (
    Anchors,
    CarFilters,
    Page,
    count_cars,
    count_query,
    encode_cursor,
    fetch_page,
    page_anchors,
    page_query,
    page_statement,
)
from core.models import utcnow
from core.settings import Settings
from core.vocab import BODY_TYPES, COLORS, FUELS, MAKES, TRANSMISSIONS, models_of
from tests.fakes.ports import free_port

logger = logging.getLogger("bench.api")
ROOT = Path(__file__).resolve().parents[1]
PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip
GRADES = (
    "S",
    "G",
    "X",
    "Z",
    "ハイブリッドG",
    "2.0 Z",
    "S ツーリングセレクション",
    "カスタムRS",
    "4WD",
)
PASSWORD = "bench-password-123"
STRIDE = Settings().page_anchor_stride  # the API's, from the same environment
INDEX_NODE = r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"

# The request mix: (weight, query string). Deep pages by offset and by cursor are both here.
MIX: list[tuple[int, str]] = [
    (3, ""),
    (2, "sort=price"),
    (2, "sort=-price"),
    (1, "sort=year"),
    (1, "sort=-year"),
    (1, "sort=mileage"),
    (1, "sort=-mileage"),
    (1, "sort=updated"),
    (2, "make=Toyota"),
    (2, "make=Honda&model=Fit&sort=price"),
    (1, "make=Nissan&year_min=2015&sort=-year"),
    (2, "price_min=1000000&price_max=3000000&sort=price"),
    (1, "year_min=2018&year_max=2022&mileage_max=50000"),
    (1, "color=white&body_type=minivan"),
    (1, "transmission=manual&sort=-price"),
    (1, "fuel=hybrid&prefecture=東京都"),
    (1, "repair_history=false&sort=mileage"),
    (1, "q=prius"),
    (1, "q=ツーリング&sort=price"),
    (1, "make=Toyota&sort=price&page=50"),
    (2, "page=500"),
    (1, "sort=-price&page=2000"),
    (1, "sort=year&page=4000&page_size=20"),
    (2, "cursor=DEEP_UPDATED"),
    (1, "sort=price&cursor=DEEP_PRICE"),
]


def weighted_makes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Makes with their models, domestic ones repeated so they dominate as on carsensor."""
    out = []
    for index, make in enumerate(MAKES):
        models = models_of(make.en)
        if models:
            out.extend([(make.en, make.ja, make.code, models)] * (12 if index < 9 else 1))
    return out


def seed(url: str, count: int) -> None:
    """COPY `count` realistic listings into cars (model_ja repeats the model), then VACUUM."""
    rng = random.Random(7)
    makes = weighted_makes()
    now = utcnow()
    columns = (
        "source", "external_id", "url", "make", "make_ja", "make_code", "model", "model_ja",
        "grade", "year", "mileage_km", "price_jpy", "total_price_jpy", "engine_cc",
        "transmission", "fuel", "body_type", "color", "repair_history", "prefecture", "city",
        "shop_name", "image_url", "is_active", "first_seen_at", "last_seen_at", "updated_at",
    )  # fmt: skip
    engine = make_engine(url)
    raw = engine.raw_connection()
    statement = f"COPY cars ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copier:  # type: ignore[attr-defined]
        for n in range(count):
            make, make_ja, code, models = rng.choice(makes)
            model = rng.choice(models)
            year = min(2025, int(rng.triangular(1995, 2026, 2019)))
            mileage = max(0, int(rng.gauss((2026 - year) * 9000, 15000)))
            price = max(100_000, int(rng.lognormvariate(14.5, 0.7)) // 1000 * 1000)
            negotiable = rng.random() < 0.01
            seen = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
            copier.write_row((
                "carsensor", f"AU{7_000_000_000 + n}",
                f"https://www.carsensor.net/usedcar/detail/AU{7_000_000_000 + n}/index.html",
                make, make_ja, code, model, model, rng.choice(GRADES), year, mileage,
                None if negotiable else price,
                None if negotiable or rng.random() < 0.1 else price + rng.randrange(50, 400) * 1000,
                rng.choice((660, 1000, 1500, 1800, 2000, 2500, 3000, 3500)),
                rng.choice(TRANSMISSIONS), rng.choice(FUELS), rng.choice(BODY_TYPES),
                rng.choice(COLORS), rng.random() < 0.08, rng.choice(PREFECTURES), "中央区",
                f"販売店{n % 5000}", f"https://ccsrpcma.carsensor.net/CSphoto/{n}.jpg",
                rng.random() < 0.9, seen - timedelta(days=30), seen, seen,
            ))  # fmt: skip
    raw.commit()
    raw.close()
    # VACUUM outside a transaction, so index-only scans see an all-visible map.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cars"))
    engine.dispose()


def start_api(url: str, port: int, log: Path, pool_size: int) -> subprocess.Popen[bytes]:
    """uvicorn api.main:app, one worker, access log (our JSON lines) to a file.

    DB_POOL_SIZE is the number of connections wrk keeps open: with a smaller pool, the
    requests beyond it open (and close) an overflow connection to PostgreSQL every time.
    """
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="test", DB_POOL_SIZE=str(pool_size))
    command = [
        str(ROOT / ".venv/bin/uvicorn"), "api.main:app", "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"))
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("uvicorn did not start")


def call(port: int, path: str, token: str | None = None, body: Any = None) -> Any:
    """One JSON request to the API."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def resolve_cursors(port: int, token: str) -> dict[str, str]:
    """Cursors deep in the default and the price order (at row 60k), as a browsing client holds."""
    deep = {}
    for name, query in (("DEEP_UPDATED", ""), ("DEEP_PRICE", "sort=price&")):
        page = call(port, f"/api/cars?{query}page=3000&page_size=20", token)
        deep[name] = page["next_cursor"]
    return deep


def query_strings(cursors: dict[str, str]) -> list[str]:
    """The mix, weights expanded, cursors filled in, Japanese percent-encoded."""
    out = []
    for weight, query in MIX:
        for name, cursor in cursors.items():
            query = query.replace(name, cursor)
        pairs = urllib.parse.parse_qsl(query)
        out.extend([urllib.parse.urlencode(pairs)] * weight)
    return out


def run_wrk(
    port: int, token: str, queries: list[str], seconds: int, connections: int
) -> dict[str, float]:
    """Drive the mix with wrk; return requests/s and latency percentiles in ms."""
    paths = ",\n".join(f'  "/api/cars?{q}"' for q in queries)
    script = f"""
wrk.headers["Authorization"] = "Bearer {token}"
local paths = {{
{paths}
}}
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.timeout))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        handle.name,
    ]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(handle.name)
    logger.info("%s", output.strip())
    fields = [int(v) for v in re.search(r"RESULT (.*)", output).group(1).split()]  # type: ignore[union-attr]
    requests, duration_us, p50, p95, p99, worst, bad_status, timeouts = fields
    return {
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "max": worst / 1000,
        "non_2xx": bad_status,
        "timeouts": timeouts,
    }


def parse_query(query: str) -> tuple[CarFilters, Page]:
    """The filters and page the API builds from a query string."""
    params = dict(urllib.parse.parse_qsl(query))
    return CarFilters.model_validate(params), Page.model_validate(params)


def take_anchors(engine: Engine, queries: list[str]) -> tuple[dict[str, Anchors], list[str]]:
    """The anchors the API takes for the mix's deep pages by number, and how long each took."""
    anchors, took = {}, []
    with Session(engine) as session:
        for query in dict.fromkeys(queries):
            filters, page = parse_query(query)
            if page.deeper_than(STRIDE):
                started = time.perf_counter()
                anchors[query] = page_anchors(filters, session=session, stride=STRIDE)
                ms = (time.perf_counter() - started) * 1000
                took.append(f"{len(anchors[query].keys)} anchors in {ms:.1f} ms: {query}")
    return anchors, took


def sql_floor(
    engine: Engine, queries: list[str], anchors: dict[str, Anchors], *, repeat: int = 15
) -> dict[str, tuple[float, float]]:
    """Per distinct query: median ms of the page query alone, and of the page plus the count."""
    times = {}
    with Session(engine) as session:
        for query in dict.fromkeys(queries):
            filters, page = parse_query(query)
            pages, counts = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                fetch_page(filters, page, session=session, anchors=anchors.get(query))
                middle = time.perf_counter()
                count_cars(filters, session=session)
                pages.append((middle - started) * 1000)
                counts.append((time.perf_counter() - middle) * 1000)
            page_ms = statistics.median(pages)
            times[query] = (page_ms, page_ms + statistics.median(counts))
    return times


def sql_under_load(
    url: str, queries: list[str], anchors: dict[str, Anchors], seconds: float, connections: int
) -> dict[str, float]:
    """The mix's page queries straight from `connections` asyncpg connections, closed loop.

    The same SQL the API sends (compiled by SQLAlchemy, prepared by asyncpg), drawn at random
    with the mix's weights, for `seconds`: what PostgreSQL alone answers under the concurrency
    wrk puts on the API, so the API's p50 can be compared with the SQL's at equal queueing.
    """
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    prepared = []
    for query in queries:
        filters, page = parse_query(query)
        statement, params = page_statement(filters, page, anchors.get(query))
        sql, names, processors = asyncpg_sql(statement, dialect)
        values = [
            params[name] if process is None else process(params[name])
            for name, process in zip(names, processors, strict=True)
        ]
        prepared.append((sql, values))
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def drive() -> tuple[list[float], float]:
        latencies: list[float] = []
        pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
        rng = random.Random(42)
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            async with pool.acquire() as conn:
                while (now := time.perf_counter()) < deadline:
                    sql, values = prepared[rng.randrange(len(prepared))]
                    await conn.fetch(sql, *values)
                    latencies.append(time.perf_counter() - now)

        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - started
        await pool.close()
        return latencies, elapsed

    latencies, elapsed = asyncio.run(drive())
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def depth_series(engine: Engine, sort: str = "-price") -> list[tuple[int, float, float, float]]:
    """(page number, ms by page number without and with anchors, ms by cursor) at growing
    depths, page size 20."""
    series = []
    with Session(engine) as session:
        filters = CarFilters(sort=sort)
        anchors = page_anchors(filters, session=session, stride=STRIDE)
        for number in (1, 10, 100, 1000, 4000, 8000):
            page = Page(page=number)
            if number == 1:
                cursor_page = page
            else:  # the cursor a client holds after reading page `number - 1`
                previous = fetch_page(filters, Page(page=number - 1), session=session)
                cursor_page = Page(cursor=encode_cursor(sort, previous[-1]))
            by_number = best_seconds(partial(fetch_page, filters, page, session=session))
            anchored = best_seconds(
                partial(fetch_page, filters, page, session=session, anchors=anchors)
            )
            by_cursor = best_seconds(partial(fetch_page, filters, cursor_page, session=session))
            series.append((number, by_number * 1000, anchored * 1000, by_cursor * 1000))
    return series


def explain(engine: Engine, queries: list[str], anchors: dict[str, Anchors]) -> list[str]:
    """For each distinct query: the indexes its page and count plans use, and any seq scan."""
    lines = []
    with engine.connect() as conn:
        for query in dict.fromkeys(queries):
            filters, page = parse_query(query)
            summary = []
            for label, statement in (
                ("page", page_query(filters, page, anchors.get(query))),
                ("count", count_query(filters)),
            ):
                sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN ANALYZE {sql}")))
                indexes = sorted(set(re.findall(INDEX_NODE, plan)))
                seq = "SEQ SCAN on cars" if "Seq Scan on cars" in plan else "no seq scan"
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                ms = took.group(1) if took else "?"
                summary.append(f"{label}: {', '.join(indexes) or '-'} ({seq}; {ms} ms)")
            lines.append(f"{query or '(defaults)'}\n    " + "\n    ".join(summary))
    return lines


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> dict[str, int]:
    """Current and peak resident memory of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1])
    return values


def export_memory(port: int, pid: int, token: str) -> tuple[dict[str, int], dict[str, int], int]:
    """RSS before and after streaming the full CSV export, and the bytes received."""
    before = rss_kb(pid)  # after the load test: its peak is in VmHWM already
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/cars/export.csv?is_active=true")
    request.add_header("Authorization", f"Bearer {token}")
    size = 0
    with urllib.request.urlopen(request, timeout=300) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return before, rss_kb(pid), size


def steady_runs(
    url: str,
    port: int,
    pid: int,
    token: str,
    queries: list[str],
    anchors: dict[str, Anchors],
    args: argparse.Namespace,
) -> list[tuple[dict[str, float], dict[str, float]]]:
    """`args.runs` pairs: the API under wrk, then the same mix's SQL straight from asyncpg.

    Each API figure has its SQL baseline from the same moment: the machine is shared, and
    its load moves both.
    """
    pairs = []
    for _ in range(args.runs):
        cpu_before = cpu_seconds(pid)
        api = run_wrk(port, token, queries, args.seconds, args.connections)
        api["cpu_ms"] = (cpu_seconds(pid) - cpu_before) * 1000 / (api["rps"] * args.seconds)
        sql = sql_under_load(url, queries, anchors, args.sql_seconds, args.connections)
        pairs.append((api, sql))
    return pairs


def main() -> None:
    """Seed, serve, load (cold, then steady), compare with SQL, explain, and report."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--cold-seconds", type=int, default=10)
    parser.add_argument("--sql-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3, help="steady runs, each with its SQL")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    with scratch_database("carsensor_bench_api") as url:
        started = time.perf_counter()
        seed(url, args.cars)
        logger.info("seeded %d cars in %.1f s", args.cars, time.perf_counter() - started)
        engine = make_engine(url)
        with Session(engine) as session:
            upsert_admin("bench", PASSWORD, session=session)
            session.commit()
        port = free_port()
        log = Path(tempfile.mkdtemp()) / "api.log"
        # A first worker only signs in and finds the deep cursors; the measured one starts
        # after it, cold: no count cached, no statement prepared, no pooled connection.
        server = start_api(url, port, log, args.connections)
        try:
            token = call(port, "/api/login", body={"username": "bench", "password": PASSWORD})[
                "access_token"
            ]
            cursors = resolve_cursors(port, token)
        finally:
            server.terminate()
            server.wait()
        queries = query_strings(cursors)
        # The SQL baselines run what a warm API runs: deep pages by number from their anchors.
        anchors, anchor_times = take_anchors(engine, queries)
        server = start_api(url, port, log, args.connections)
        try:
            cpu_before = cpu_seconds(server.pid)
            cold = run_wrk(port, token, queries, args.cold_seconds, args.connections)
            cold["cpu_ms"] = (
                (cpu_seconds(server.pid) - cpu_before) * 1000 / (cold["rps"] * args.cold_seconds)
            )
            # One connection: the API's own latency, without queueing behind 31 others.
            single = run_wrk(port, token, queries, 10, 1)
            pairs = steady_runs(url, port, server.pid, token, queries, anchors, args)
            before, after, size = export_memory(port, server.pid, token)
        finally:
            server.terminate()
            server.wait()
        floor = sql_floor(engine, queries, anchors)
        plans = explain(engine, queries, anchors)
        depths = depth_series(engine)
        engine.dispose()
    page_p50 = statistics.median(floor[q][0] for q in queries)
    both_p50 = statistics.median(floor[q][1] for q in queries)
    conns = args.connections
    logger.info("")
    logger.info("API: wrk, %d connections, 1 worker (p95 target < 50 ms)", conns)
    logger.info("  %-11s %6s %8s %8s %8s %8s %9s", "run", "req/s", "p50", "p95", "p99", "errors",
                "CPU/req")  # fmt: skip
    rows = [(f"cold {args.cold_seconds} s", cold)] + [
        (f"steady {n}", api) for n, (api, _) in enumerate(pairs, 1)
    ]
    for label, run in rows:
        logger.info("  %-11s %6.0f %6.1f ms %6.1f ms %6.1f ms %4d/%-3d %6.2f ms", label, run["rps"],
                    run["p50"], run["p95"], run["p99"], run["non_2xx"], run["timeouts"],
                    run["cpu_ms"])  # fmt: skip
    logger.info("SQL at %d connections: the page queries of the mix straight from asyncpg, "
                "%d s after each steady run", conns, args.sql_seconds)  # fmt: skip
    for n, (api, sql) in enumerate(pairs, 1):
        logger.info("  steady %d: SQL %5.0f q/s, p50 %5.2f ms, p95 %5.2f ms; "
                    "API p50 / SQL p50 = %.1fx", n, sql["rps"], sql["p50"], sql["p95"],
                    api["p50"] / sql["p50"])  # fmt: skip
    logger.info("SQL floor: the same mix through core.filters, one connection, median of 15 each")
    logger.info("  page query alone: p50 %.2f ms, mean %.2f ms", page_p50,
                statistics.fmean(floor[q][0] for q in queries))  # fmt: skip
    logger.info("  page + count:     p50 %.2f ms, mean %.2f ms", both_p50,
                statistics.fmean(floor[q][1] for q in queries))  # fmt: skip
    logger.info("API, one connection, 10 s: %.0f req/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms",
                single["rps"], single["p50"], single["p95"], single["p99"])  # fmt: skip
    steady_p50 = statistics.median(api["p50"] for api, _ in pairs)
    for label, ms in (("page + count", both_p50), ("page alone", page_p50)):
        logger.info("  API p50 / one-connection SQL p50 (%s): %.1fx at %d connections (median "
                    "run), %.1fx at one", label, steady_p50 / ms, conns,
                    single["p50"] / ms)  # fmt: skip
    logger.info("Per query, SQL ms: page alone, page + count")
    for query, (page_ms, both_ms) in sorted(floor.items(), key=lambda item: -item[1][1]):
        shown = urllib.parse.unquote(query)[:80] or "(defaults)"
        logger.info("  %7.2f %7.2f  %s", page_ms, both_ms, shown)
    logger.info("Depth, sort=-price, page size 20: page number -> ms by ?page= (plain OFFSET, "
                "from anchors), by ?cursor=")  # fmt: skip
    for number, by_number, anchored, by_cursor in depths:
        logger.info("  page %5d (row %7d): %7.2f ms  %7.2f ms  %7.2f ms", number,
                    (number - 1) * 20, by_number, anchored, by_cursor)  # fmt: skip
    logger.info("Anchors of the mix's deep pages by number (taken in the background by the API)")
    for line in anchor_times:
        logger.info("  %s", urllib.parse.unquote(line))
    logger.info("EXPLAIN ANALYZE")
    for line in plans:
        logger.info("  %s", urllib.parse.unquote(line))
    logger.info(
        "CSV export of every active car: %.1f MB; server RSS %d -> %d kB, peak %d -> %d kB",
        size / 1e6, before["VmRSS"], after["VmRSS"], before["VmHWM"], after["VmHWM"],
    )  # fmt: skip


if __name__ == "__main__":
    main()
