"""GET /api/cars under wrk: this working tree against a baseline build, at several table sizes.

For each row count of `--rows`, a scratch PostgreSQL database of its own (a unique name,
dropped even on failure) gets realistic listings by COPY, then VACUUM ANALYZE. The request
mix is scaled to the data: pages by number at a share of each filter set's matches, keyset
cursors taken from a response of the build under test. Then `--runs` rounds, each one run of
the working tree's API ("new") and one of the baseline's (a git worktree of `--baseline`, same
DATABASE_URL), each a fresh `uvicorn api.main:app` with one worker and DB_POOL_SIZE=32: a
warm-up, wrk at 32 connections for `--seconds`, wrk at one connection for `--single-seconds`.
After each new run, the SQL floor: the page queries the new build sends for the same mix
(core.paging.page_query compiled for asyncpg), at one connection, one after another; and the
framework floor ("floor", bench/floor_app.py): a bare FastAPI app that answers the same mix
with those queries on an asyncpg pool, under the same wrk runs.

Every measurement is logged when it is made and the JSON report (`--out`) is rewritten after
each one, so a failure keeps what was measured; each row count ends with a summary: the runs,
the ratios new/baseline and new/floor per round (min/median/max), the SQL floor and the
targets.
"""

import argparse
import asyncio
import hashlib
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.create_admin import upsert_admin
from bench.common import scratch_database, spread
from core.db import make_engine
from core.filters import CARS, CarFilters, filter_conditions
from core.models import utcnow
from core.paging import Page, null_tail, page_query
from core.vocab import BODY_TYPES, COLORS, FUELS, MAKES, TRANSMISSIONS, models_of
from replay.ports import free_port

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
CONNECTIONS = 32
P95_TARGET_MS = 50.0
RATIO_TARGET = 1.5
INDEX_NODE = r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Entry:
    """One request of the mix: its filters and sort, and which page of them.

    `depth` is the share of the filter set's matches before the page (0: the first page);
    with `cursor`, the page after that depth is asked by the cursor of the page before it.
    """

    weight: int
    query: str
    depth: float = 0.0
    cursor: bool = False


MIX = (
    Entry(3, ""),
    Entry(2, "sort=price"),
    Entry(2, "sort=-price"),
    Entry(1, "sort=year"),
    Entry(1, "sort=-year"),
    Entry(1, "sort=mileage"),
    Entry(1, "sort=-mileage"),
    Entry(1, "sort=updated"),
    Entry(2, "make=Toyota"),
    Entry(2, "make=Honda&model=Fit&sort=price"),
    Entry(1, "make=Nissan&year_min=2015&sort=-year"),
    Entry(2, "price_min=1000000&price_max=3000000&sort=price"),
    Entry(1, "year_min=2018&year_max=2022&mileage_max=50000"),
    Entry(1, "color=white&body_type=minivan"),
    Entry(1, "transmission=manual&sort=-price"),
    Entry(1, "fuel=hybrid&prefecture=東京都"),
    Entry(1, "repair_history=false&sort=mileage"),
    Entry(1, "q=prius"),
    Entry(1, "q=ツーリング&sort=price"),
    Entry(2, "", depth=0.01),
    Entry(1, "sort=-price", depth=0.05),
    Entry(1, "sort=year&page_size=50", depth=0.1),
    Entry(1, "make=Toyota&sort=price", depth=0.1),
    Entry(2, "", depth=0.1, cursor=True),
    Entry(1, "sort=price", depth=0.2, cursor=True),
)


@dataclass(frozen=True)
class Build:
    """An API to measure: its name in the report, the checkout it runs from, its ASGI app."""

    name: str
    root: Path
    app: str = "api.main:app"


@dataclass(frozen=True)
class Server:
    """A running API: where it listens, its process, and a signed-in token."""

    port: int
    pid: int
    token: str


class Report:
    """The JSON report, rewritten whole after every measurement."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = path
        self.data: dict[str, Any] = {"meta": meta, "sizes": []}
        self.save()

    def size(self, rows: int) -> dict[str, Any]:
        """A new section for one row count, already in the report."""
        section: dict[str, Any] = {"rows": rows, "runs": [], "sql": []}
        self.data["sizes"].append(section)
        return section

    def save(self) -> None:
        """Write the report; a rename, so a reader never sees half of it."""
        draft = self.path.with_name(f".{self.path.name}.tmp")
        draft.write_text(json.dumps(self.data, indent=1, ensure_ascii=False, default=str))
        draft.replace(self.path)


def weighted_makes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Makes with their models, domestic ones repeated so they dominate as on carsensor."""
    out = []
    for index, make in enumerate(MAKES):
        models = models_of(make.en)
        if models:
            out.extend([(make.en, make.ja, make.code, models)] * (12 if index < 9 else 1))
    return out


def seed(url: str, count: int) -> None:
    """COPY `count` listings into cars, some without price, year or mileage; then VACUUM."""
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
            negotiable = rng.random() < 0.01  # 応談: no price at all
            seen = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
            copier.write_row((
                "carsensor", f"AU{7_000_000_000 + n}",
                f"https://www.carsensor.net/usedcar/detail/AU{7_000_000_000 + n}/index.html",
                make, make_ja, code, model, model, rng.choice(GRADES),
                None if rng.random() < 0.02 else year,
                None if rng.random() < 0.03 else mileage,
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
    with Session(engine) as session:
        upsert_admin("bench", PASSWORD, session=session)
        session.commit()
    engine.dispose()


def parse_query(query: str) -> tuple[CarFilters, Page]:
    """The filters and page the API reads from a query string."""
    params = dict(urllib.parse.parse_qsl(query))
    return CarFilters.model_validate(params), Page.model_validate(params)


def page_numbers(url: str) -> dict[Entry, int]:
    """The page number of each deep entry of the mix, from its filter set's matches here."""
    engine = make_engine(url)
    numbers = {}
    with Session(engine) as session:
        for entry in MIX:
            if entry.depth:
                filters, page = parse_query(entry.query)
                count_query = select(func.count()).where(*filter_conditions(filters))
                matches = session.scalar(count_query.select_from(CARS)) or 0
                numbers[entry] = 1 + int(matches * entry.depth) // page.page_size
    engine.dispose()
    return numbers


def with_params(query: str, **extra: object) -> str:
    """`query` with more parameters, percent-encoded as a client sends it."""
    return urllib.parse.urlencode([*urllib.parse.parse_qsl(query), *extra.items()])


def call(port: int, path: str, token: str | None = None, body: Any = None) -> Any:
    """One JSON request to the API; HTTPError for an error status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def resolve_mix(server: Server, numbers: dict[Entry, int]) -> list[tuple[Entry, str]]:
    """Each entry's query string for this server: its page number, or the cursor it issued.

    A cursor comes from the page before it; if that page is the last (a small table), from
    the first page, and if even that is short, the entry asks the first page instead.
    """
    mix = []
    for entry in MIX:
        query = entry.query
        if entry.cursor:
            cursor = None
            for number in dict.fromkeys((numbers[entry], 1)):
                path = f"/api/cars?{with_params(query, page=number)}"
                cursor = call(server.port, path, server.token)["next_cursor"]
                if cursor is not None:
                    break
            query = with_params(query, cursor=cursor) if cursor else with_params(query)
        elif entry.depth:
            query = with_params(query, page=numbers[entry])
        else:
            query = with_params(query)
        mix.append((entry, query))
    return mix


def check_mix(server: Server, mix: list[tuple[Entry, str]]) -> list[str]:
    """Ask every request of the mix once; the ones that did not answer 200, with their status."""
    failed = []
    for _, query in mix:
        try:
            call(server.port, f"/api/cars?{query}", server.token)
        except urllib.error.HTTPError as error:
            failed.append(f"{error.code} {urllib.parse.unquote(query)}")
    return failed


@contextmanager
def serve(build: Build, url: str, log_dir: Path, secret: str) -> Iterator[Server]:
    """A fresh uvicorn of `build`, one worker, signed in; stopped afterwards."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        APP_ENV="test",
        SECRET_KEY=secret,
        DB_POOL_SIZE=str(CONNECTIONS),
        PYTHONPATH=str(build.root),
        FLOOR_MIX=str(log_dir / "floor-mix.json"),
    )
    command = [
        sys.executable, "-m", "uvicorn", build.app, "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log = log_dir / f"{build.name}-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=build.root, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(port, "/api/health")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{build.name} API did not start:\n{tail}") from None
                time.sleep(0.1)
        login = {"username": "bench", "password": PASSWORD}
        token = call(port, "/api/login", body=login)["access_token"]
        yield Server(port, process.pid, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_wrk(
    server: Server, mix: list[tuple[Entry, str]], seconds: float, connections: int
) -> dict[str, float]:
    """wrk over the mix (weights expanded, in a fixed shuffled order): req/s and latency in ms."""
    paths = [query for entry, query in mix for _ in range(entry.weight)]
    random.Random(42).shuffle(paths)
    listed = ",\n".join(f'  "/api/cars?{query}"' for query in paths)
    script = f"""
wrk.headers["Authorization"] = "Bearer {server.token}"
local paths = {{
{listed}
}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout",
        "10s", "-s", handle.name, f"http://127.0.0.1:{server.port}",
    ]  # fmt: skip
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    found = re.search(r"RESULT (.*)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    requests, duration_us, p50, p95, p99, worst, bad_status, failed = map(int, found[1].split())
    return {
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "max": worst / 1000,
        "non_2xx": bad_status,
        "errors": failed,
    }


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


def export_memory(server: Server) -> dict[str, Any]:
    """The server's RSS before and after streaming the CSV export of every active car."""
    before = rss_kb(server.pid)
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/cars/export.csv")
    request.add_header("Authorization", f"Bearer {server.token}")
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return {"bytes": size, "before_kb": before, "after_kb": rss_kb(server.pid)}


def measure_api(
    build: Build,
    url: str,
    numbers: dict[Entry, int],
    args: argparse.Namespace,
    *,
    export: bool,
    mix: list[tuple[Entry, str]] | None = None,
) -> tuple[dict[str, Any], list[tuple[Entry, str]]]:
    """One run of `build`: warm-up, 32 connections, then one; and the mix it was given
    (`mix`, else its own: cursors it issued)."""
    with serve(build, url, args.log_dir, args.secret) as server:
        mix = mix or resolve_mix(server, numbers)
        run: dict[str, Any] = {"failed_requests": check_mix(server, mix)}
        run_wrk(server, mix, args.warmup, CONNECTIONS)
        cpu_before = cpu_seconds(server.pid)
        run["c32"] = run_wrk(server, mix, args.seconds, CONNECTIONS)
        requests = run["c32"]["rps"] * args.seconds
        run["c32"]["cpu_ms"] = (cpu_seconds(server.pid) - cpu_before) * 1000 / requests
        run["c1"] = run_wrk(server, mix, args.single_seconds, 1)
        if export:
            run["export"] = export_memory(server)
    return run, mix


def asyncpg_statement(statement: Select[Any]) -> tuple[str, list[Any]]:
    """`statement` as the API's engine sends it: asyncpg's $n SQL and the bound values."""
    compiled = statement.compile(dialect=DIALECT)
    params = compiled.construct_params()
    values = []
    for name in compiled.positiontup or ():
        process = compiled.binds[name].type.dialect_impl(DIALECT).bind_processor(DIALECT)
        values.append(params[name] if process is None else process(params[name]))
    return str(compiled), values


def sql_floor(url: str, mix: list[tuple[Entry, str]], repeat: int) -> dict[str, Any]:
    """The new build's SQL for each request of the mix, one connection, one after another.

    Each request is its page query, plus the NULL-tail query when the API would run it
    (core.read.page_of_cars); prepared once, as asyncpg prepares the API's statements. The
    weighted mix runs `repeat` times in a shuffled order: p50 and p95 over all of it, and the
    p50 of each request.
    """
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    plans = {}
    for _, query in mix:
        filters, page = parse_query(query)
        plans[query] = (filters, page, asyncpg_statement(page_query(filters, page)))
    order = [query for entry, query in mix for _ in range(entry.weight)] * repeat
    random.Random(7).shuffle(order)

    async def one(conn: Any, query: str) -> float:
        filters, page, (sql, values) = plans[query]
        started = time.perf_counter()
        rows = await conn.fetch(sql, *values)
        tail = null_tail(filters, page, len(rows))
        if tail is not None:
            tail_sql, tail_values = asyncpg_statement(tail)
            await conn.fetch(tail_sql, *tail_values)
        return (time.perf_counter() - started) * 1000

    async def drive() -> dict[str, list[float]]:
        conn = await asyncpg.connect(dsn)
        try:
            for query in plans:  # prepares each statement and reads its pages into the cache
                await one(conn, query)
            times: dict[str, list[float]] = {query: [] for query in plans}
            for query in order:
                times[query].append(await one(conn, query))
            return times
        finally:
            await conn.close()

    times = asyncio.run(drive())
    everything = [ms for samples in times.values() for ms in samples]
    return {
        "p50": statistics.median(everything),
        "p95": statistics.quantiles(everything, n=100)[94],
        "queries": len(everything),
        "per_query": {query: statistics.median(samples) for query, samples in times.items()},
    }


def plan_summaries(url: str, mix: list[tuple[Entry, str]]) -> dict[str, str]:
    """EXPLAIN ANALYZE of each page query of the mix: indexes, any sort or seq scan, time."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def explain() -> dict[str, str]:
        conn = await asyncpg.connect(dsn)
        try:
            summaries = {}
            for _, query in mix:
                sql, values = asyncpg_statement(page_query(*parse_query(query)))
                plan = "\n".join(
                    row[0] for row in await conn.fetch(f"EXPLAIN ANALYZE {sql}", *values)
                )
                notes = sorted(set(re.findall(INDEX_NODE, plan)))
                notes += [f"SORT ({found})" for found in re.findall(r"Sort Method: ([^\n]+)", plan)]
                notes += ["SEQ SCAN"] * ("Seq Scan on cars" in plan)
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                summaries[query] = f"{', '.join(notes) or '-'}; {took[1] if took else '?'} ms"
            return summaries
        finally:
            await conn.close()

    return asyncio.run(explain())


def ratio_line(label: str, values: list[float], unit: str = "×") -> str:
    """`label`: min / median / max of `values`."""
    low, middle, high = spread(values)
    return f"  {label:<34} {low:6.2f} / {middle:6.2f} / {high:6.2f}{unit}"


def summary(section: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """The row count's table of runs, ratios new/baseline per round, SQL floor and targets."""
    runs = [run for run in section["runs"] if "c1" in run]
    lines = [
        f"== {section['rows']:,} rows: wrk {CONNECTIONS} connections {args.seconds} s, then one "
        f"connection {args.single_seconds} s; 1 uvicorn worker, DB_POOL_SIZE={CONNECTIONS} ==",
        "  build     round   req/s    p50 ms    p95 ms    p99 ms  non-2xx  CPU/req ms"
        " | 1 conn: req/s    p50 ms    p95 ms | load",
    ]
    for run in runs:
        c32, c1 = run["c32"], run["c1"]
        lines.append(
            f"  {run['build']:<9}{run['round']:>6}{c32['rps']:>8.0f}{c32['p50']:>10.2f}"
            f"{c32['p95']:>10.2f}{c32['p99']:>10.2f}{c32['non_2xx'] + c32['errors']:>9}"
            f"{c32['cpu_ms']:>12.2f} |{c1['rps']:>14.0f}{c1['p50']:>10.2f}{c1['p95']:>10.2f}"
            f" |{run['load']:>5.1f}"
        )
    for run in runs:
        for failed in run["failed_requests"]:
            lines.append(f"  {run['build']} round {run['round']}: not 200: {failed}")
    by_round = {(run["build"], run["round"]): run for run in runs}
    for other in ("baseline", "floor"):
        pairs = [
            (run, by_round[(other, run["round"])])
            for run in runs
            if run["build"] == "new" and (other, run["round"]) in by_round
        ]
        if not pairs:
            continue
        lines.append(f"new / {other}, per round (min / median / max; below 1 is faster for p*):")
        for load in ("c32", "c1"):
            keys = (
                ("rps", "p50", "p95", "p99", "cpu_ms") if load == "c32" else ("rps", "p50", "p95")
            )
            for key in keys:
                ratios = [new[load][key] / old[load][key] for new, old in pairs]
                connections = CONNECTIONS if load == "c32" else 1
                lines.append(ratio_line(f"{key} at {connections} connection(s)", ratios))
    floors = {floor["round"]: floor for floor in section["sql"]}
    if floors:
        lines.append(
            "SQL floor: the new build's page queries for the mix, one asyncpg connection, "
            f"sequential, {args.sql_repeat}× the weighted mix per round:"
        )
        lines.append(ratio_line("p50 overall", [f["p50"] for f in floors.values()], " ms"))
        lines.append(ratio_line("p95 overall", [f["p95"] for f in floors.values()], " ms"))
    for build in ("new", "floor"):
        p95s = [run["c32"]["p95"] for run in runs if run["build"] == build]
        if not p95s:
            continue
        met = sum(p95 < P95_TARGET_MS for p95 in p95s)
        lines.append(f"Targets, {build} build:")
        lines.append(
            ratio_line(f"p95 at {CONNECTIONS} connections < {P95_TARGET_MS:.0f} ms", p95s, " ms")
            + f"  {'MET' if met == len(p95s) else 'MISSED'}: met in {met} of {len(p95s)} rounds"
        )
    for build in ("new", "floor", "baseline"):
        same = [
            (run, floors[run["round"]])
            for run in runs
            if run["build"] == build and run["round"] in floors
        ]
        if not same:
            continue
        single = [run["c1"]["p50"] / floor["p50"] for run, floor in same]
        loaded = [run["c32"]["p50"] / floor["p50"] for run, floor in same]
        if build in ("new", "floor"):
            met = sum(ratio <= RATIO_TARGET for ratio in single)
            verdict = f"  {'MET' if met == len(single) else 'MISSED'}: {met} of {len(single)}"
            lines.append(
                ratio_line(f"{build}: p50 1 conn / SQL p50 ≤ {RATIO_TARGET}×", single) + verdict
            )
        else:
            lines.append(ratio_line("baseline: API p50 1 conn / new SQL p50", single))
        lines.append(ratio_line(f"{build}: API p50 {CONNECTIONS} conns / new SQL p50", loaded))
    if floors:
        lines.append("SQL p50 per request of the mix, ms (median over rounds); EXPLAIN ANALYZE:")
        plans = section.get("plans", {})
        for query in next(iter(floors.values()))["per_query"]:
            values = [f["per_query"][query] for f in floors.values() if query in f["per_query"]]
            shown = re.sub(r"cursor=\w+", "cursor=…", urllib.parse.unquote(query))
            lines.append(f"  {statistics.median(values):7.2f}  {shown or '(defaults)'}")
            if query in plans:
                lines.append(f"           {plans[query]}")
    for run in runs:
        if "export" in run:
            export, before, after = (
                run["export"],
                run["export"]["before_kb"],
                run["export"]["after_kb"],
            )
            lines.append(
                f"CSV export of every active car ({run['build']}): {export['bytes'] / 1e6:.1f} MB; "
                f"server RSS {before['VmRSS']} -> {after['VmRSS']} kB, "
                f"peak {before['VmHWM']} -> {after['VmHWM']} kB"
            )
    if "error" in section:
        lines.append(f"FAILED: {section['error']}")
    return lines


def log_run(rows: int, run: dict[str, Any]) -> None:
    """One API run as soon as it is measured."""
    c32, c1 = run["c32"], run["c1"]
    logger.info(
        "%d rows, round %d, %s: %d conns %.0f req/s p50 %.2f p95 %.2f p99 %.2f ms, "
        "non-2xx %d, errors %d, CPU %.2f ms/req; 1 conn %.0f req/s p50 %.2f p95 %.2f ms; "
        "load %.1f",
        rows, run["round"], run["build"], CONNECTIONS, c32["rps"], c32["p50"], c32["p95"],
        c32["p99"], c32["non_2xx"], c32["errors"], c32["cpu_ms"], c1["rps"], c1["p50"],
        c1["p95"], run["load"],
    )  # fmt: skip
    for failed in run["failed_requests"]:
        logger.warning("  not 200: %s", failed)


def bench_size(
    rows: int,
    section: dict[str, Any],
    builds: tuple[Build, ...],
    args: argparse.Namespace,
    report: Report,
) -> None:
    """Seed a scratch database with `rows` cars and measure every build on it, round by round."""
    with scratch_database("bench_api") as url:
        started = time.perf_counter()
        seed(url, rows)
        section["seed_seconds"] = time.perf_counter() - started
        numbers = page_numbers(url)
        section["page_numbers"] = {
            f"{with_params(e.query)} at {e.depth:.0%}{' (cursor)' if e.cursor else ''}": n
            for e, n in numbers.items()
        }
        report.save()
        logger.info("%d rows seeded in %.1f s; pages: %s", rows, section["seed_seconds"],
                    urllib.parse.unquote(str(section["page_numbers"])))  # fmt: skip
        new_mix: list[tuple[Entry, str]] = []
        for round_ in range(1, args.runs + 1):
            for build in builds:
                last_new = build.name == "new" and round_ == args.runs
                # The floor answers the new build's requests of this round, cursors included.
                given = new_mix if build.name == "floor" else None
                run, mix = measure_api(build, url, numbers, args, export=last_new, mix=given)
                run.update(round=round_, build=build.name, load=os.getloadavg()[0])
                section["runs"].append(run)
                report.save()
                log_run(rows, run)
                if build.name == "new":
                    new_mix = mix
                    section["mix"] = [[entry.weight, query] for entry, query in mix]
                    floor_mix = args.log_dir / "floor-mix.json"
                    floor_mix.write_text(json.dumps([query for _, query in mix]))
                    floor = sql_floor(url, mix, args.sql_repeat)
                    floor["round"] = round_
                    section["sql"].append(floor)
                    report.save()
                    logger.info("%d rows, round %d, SQL floor: p50 %.3f p95 %.3f ms over %d "
                                "queries", rows, round_, floor["p50"], floor["p95"],
                                floor["queries"])  # fmt: skip
        section["plans"] = plan_summaries(url, new_mix)
        report.save()


def check_imports(root: Path) -> None:
    """Fail unless Python started in `root` imports `root`'s own packages.

    The venv's editable install points at the checkout; PYTHONPATH must win over it.
    """
    probe = subprocess.run(
        [sys.executable, "-c", "import api, core; print(api.__file__, core.__file__)"],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        capture_output=True,
        text=True,
        check=True,
    )
    if not all(path.startswith(str(root)) for path in probe.stdout.split()):
        raise RuntimeError(f"{root} imports {probe.stdout.strip()}")


@contextmanager
def baseline_tree(revision: str) -> Iterator[Path]:
    """A detached git worktree of `revision` in the temp directory, removed afterwards."""
    path = Path(tempfile.gettempdir()) / f"api-bench-{os.getpid()}-{secrets.token_hex(4)}"
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(path), revision], check=True, capture_output=True)
    try:
        check_imports(path)
        yield path
    finally:
        subprocess.run([*git, "remove", "--force", str(path)], check=False, capture_output=True)


@contextmanager
def tree_snapshot() -> Iterator[tuple[Path, str]]:
    """A copy of the working tree as it is now (files git tracks or would, not ignored ones),
    and a digest of its api/ and core/; removed afterwards.

    Others go on editing the checkout while the bench runs: every run of "new" serves the code
    of the moment the bench started.
    """
    path = Path(tempfile.mkdtemp(prefix="api-bench-new-"))
    command = ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others"]
    listed = subprocess.run([*command, "--exclude-standard"], capture_output=True, check=True)
    digest = hashlib.sha256()
    try:
        for name in sorted(filter(None, listed.stdout.decode().split("\0"))):
            source = ROOT / name
            if not source.is_file():  # tracked, but deleted in the working tree
                continue
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, path / name)
            if name.startswith(("api/", "core/")):
                digest.update(name.encode() + b"\0" + source.read_bytes())
        check_imports(path)
        yield path, digest.hexdigest()[:12]
    finally:
        shutil.rmtree(path, ignore_errors=True)


def git_describe(revision: str) -> str:
    """The short commit id of `revision`."""
    command = ["git", "-C", str(ROOT), "rev-parse", "--short", revision]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    """Every row count: seed, measure both builds round by round, and summarise."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", default="20000,70000,200000", type=lambda v: [int(n) for n in v.split(",")]
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds of new, then baseline")
    parser.add_argument("--seconds", type=int, default=20, help="wrk at 32 connections")
    parser.add_argument("--single-seconds", type=int, default=10, help="wrk at one connection")
    parser.add_argument("--warmup", type=int, default=3, help="wrk before each measured run")
    parser.add_argument("--sql-repeat", type=int, default=20, help="passes of the SQL floor")
    parser.add_argument("--baseline", default="1dc36ad", help="git revision to compare with")
    parser.add_argument("--out", type=Path, default=Path("bench-api.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    # SIGTERM as an exception, so the scratch databases and the worktree still go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.secret = secrets.token_urlsafe(48)
    failed = False
    with (
        tempfile.TemporaryDirectory(prefix="api-bench-logs-") as logs,
        tree_snapshot() as (snapshot, digest),
        baseline_tree(args.baseline) as tree,
    ):
        meta = {
            "started": utcnow().isoformat(),
            "new": f"{git_describe('HEAD')} + working tree, api/ and core/ sha256 {digest}",
            "baseline": git_describe(args.baseline),
            "args": {k: v for k, v in vars(args).items() if k != "secret"},
            "cpus": os.cpu_count(),
        }
        logger.info("new: %s; baseline: %s", meta["new"], meta["baseline"])
        report = Report(args.out, meta)
        args.log_dir = Path(logs)
        builds = (
            Build("new", snapshot),
            Build("floor", snapshot, app="bench.floor_app:app"),
            Build("baseline", tree),
        )
        for rows in args.rows:
            section = report.size(rows)
            try:
                bench_size(rows, section, builds, args, report)
            except Exception as error:  # the next row count and the summary still run
                logger.exception("%d rows failed", rows)
                section["error"] = repr(error)
                report.save()
                failed = True
            finally:
                for line in summary(section, args):
                    logger.info("%s", line)
    logger.info("report: %s", args.out.resolve())
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
