"""A scaled full-site crawl: the real scheduler over two real scrapyd nodes and the replay site.

51,000 listings of 24 makers (Toyota a fifth, then a long tail), 30 to a list page, as
carsensor.net lists ~500k on ~16.7k pages. `python -m crawler.scheduler` runs as a subprocess
with one maker per shard, list jobs only (CRAWL_DETAILS=false) and one site-wide budget
(CRAWL_SITE_RATE); the bench reads the replay site's request log and the scratch database.

Measured, in order, each logged as soon as it is known:

1. first pass: scheduler start until every listing is in `cars`, against the ideal (list pages
   / budget), and the highest request rate in any 10 s window against the budget;
2. an unchanged second pass over the same catalog (the first pass's runs are backdated, so
   every shard is due again once): requests per listing, wall time against the ideal;
3. a details backfill (shard "details", CRAWL_DETAILS=true, CRAWL_DETAILS_BUDGET requests):
   detail pages per second against the budget;

then the measured phases carried over to the real site at 1 request/s. Each phase also says
where its time went: requests per 10 s, job start-up (scrapyd start to the job's first page),
and CPU by process (crawl jobs, PostgreSQL, scheduler, replay site, the rest).
"""

import argparse
import dataclasses
import logging
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import scratch_database, spread
from core import crawls, vocab
from core.db import make_engine
from core.models import Car, CrawlRun
from replay.scrapyd_nodes import Node, build_egg, running_nodes
from replay.site import FakeCar, ReplaySite, make_catalog, peak_rate

logger = logging.getLogger("bench.fullsite")
ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 30
_SHARD_PATH = re.compile(r"^/usedcar/b([A-Z]{2,3})/")
WINDOW = 10.0
# A scheduler whose ticks fail this often is not having a bad moment (a schema it does not match).
TICK_FAILURES = 5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DETAIL_PREFIX = "/usedcar/detail/"
# The real site (issue 14): listings, list pages, and the request rate it is crawled at.
REAL_LISTINGS = 500_000
REAL_LIST_PAGES = 16_700
REAL_RATE = 1.0
# CRAWL_INTERVAL choices for the real site: the default (1 h), and longer ones.
REAL_INTERVALS_H = (1, 6, 12, 24)
# Shares of the catalog, in %, roughly carsensor's own mix: Toyota a fifth, then a long tail.
SHARES = {
    "TO": 20.0, "NI": 10.0, "HO": 10.0, "SZ": 9.0, "DA": 8.5, "MA": 5.5, "ME": 4.5, "MI": 4.0,
    "SB": 3.5, "LE": 3.5, "BM": 3.5, "VW": 2.5, "AD": 2.0, "MN": 1.8, "PO": 1.2, "VO": 1.0,
    "JE": 1.0, "PE": 0.9, "FI": 0.7, "IS": 0.6, "LR": 0.6, "RE": 0.6, "CI": 0.4, "AB": 0.4,
    "AF": 0.4, "JA": 0.3, "FE": 0.3, "MT": 0.2,
}  # fmt: skip


def fullsite_catalog(size: int, *, makers: int, seed: int = 14) -> list[FakeCar]:
    """`size` listings over the first `makers` makers of SHARES, exactly in those shares.

    make_catalog knows only 12 makers, so its cars are re-labelled with makers and models of
    core.vocab's catalogue (names the crawler's vocabulary maps back, so nothing is unknown).
    """
    if not 1 <= makers <= len(SHARES):
        raise SystemExit(f"--makers must be 1..{len(SHARES)}")
    rng = random.Random(seed)
    codes = list(SHARES)[:makers]
    total = sum(SHARES[code] for code in codes)
    exact = {code: size * SHARES[code] / total for code in codes}
    counts = {code: max(1, math.floor(share)) for code, share in exact.items()}
    # Largest remainders take what flooring left over, so the counts add up to `size`.
    for code in sorted(codes, key=lambda c: exact[c] - math.floor(exact[c]), reverse=True):
        if sum(counts.values()) >= size:
            break
        counts[code] += 1
    labels = [code for code in codes for _ in range(counts[code])]
    rng.shuffle(labels)
    models = {code: _models(code) for code in codes}
    cars = []
    for car, code in zip(make_catalog(len(labels), seed=seed), labels, strict=True):
        make = vocab.make_by_code(code)
        assert make is not None
        choices, weights = models[code]
        model = rng.choices(choices, weights)[0]
        cars.append(
            dataclasses.replace(
                car,
                make_ja=make.ja,
                make_code=code,
                model_ja=model.ja,
                model_code=model.code.split("_", 1)[1].lower(),
                body_ja=model.body_type_ja or car.body_ja,
            )
        )
    return cars


def _models(code: str) -> tuple[list[vocab.Model], list[float]]:
    """A maker's catalogue models the vocabulary reads back, popular ones first (Zipf)."""
    make = vocab.make_by_code(code)
    if make is None or vocab.make_from_ja(make.ja) != make:
        raise SystemExit(f"maker {code} does not read back from its Japanese name")
    models = [
        model
        for model in vocab.MODELS
        if model.make == make.en
        and model.code
        and " " not in model.ja
        and vocab.model_from_ja(make.en, model.ja) is not None
    ][:20]
    if not models:
        raise SystemExit(f"maker {code} has no usable model")
    return models, [1 / (k + 1) for k in range(len(models))]


def list_pages(cars: Sequence[FakeCar]) -> int:
    """List pages the maker shards read: each maker's list, PER_PAGE cards a page."""
    return sum(-(-n // PER_PAGE) for n in Counter(car.make_code for car in cars).values())


def rate_by_window(times: Sequence[float], start: float, window: float = WINDOW) -> list[float]:
    """Requests per second in consecutive `window`s from `start`: where the budget went unused."""
    if not times:
        return []
    counts = Counter(int((at - start) // window) for at in times)
    return [counts.get(n, 0) / window for n in range(max(counts) + 1)]


@dataclass
class Requests:
    """The replay site's request log from one mark on: arrival times and paths."""

    site: ReplaySite
    start: int = 0
    times: list[float] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def take(self) -> "Requests":
        """A snapshot of what arrived since the mark."""
        end = len(self.site.times)
        self.times = list(self.site.times[self.start : end])
        self.paths = list(self.site.requests[self.start : end])
        return self

    def matching(self, prefix: str) -> list[float]:
        """Sorted arrival times of the paths under `prefix`."""
        return sorted(
            t for t, p in zip(self.times, self.paths, strict=True) if p.startswith(prefix)
        )


class CpuMeter:
    """Share of the machine's CPU busy, and of it this process (the replay site), since start."""

    def __init__(self) -> None:
        self.started = time.time()
        self.busy, self.total = _cpu_jiffies()
        self.own = time.process_time()
        self.wall = time.monotonic()

    def read(self) -> tuple[float, float]:
        """(machine busy, this process) as fractions of all cores."""
        busy, total = _cpu_jiffies()
        cores = os.cpu_count() or 1
        wall = max(time.monotonic() - self.wall, 1e-9)
        machine = (busy - self.busy) / max(total - self.total, 1)
        return machine, (time.process_time() - self.own) / wall / cores


class JobCpu(threading.Thread):
    """Samples, twice a second, the CPU time of every crawl process the scrapyd nodes start,
    and of the PostgreSQL backends serving the scratch database.

    A process's last sample misses at most its final half second; good enough to split a job's
    cost into start-up and per page, and to tell PostgreSQL from the machine's other users.
    """

    def __init__(self, parents: set[int], database: str) -> None:
        super().__init__(daemon=True)
        self.parents = parents
        self.database = f" {database} ".encode()
        self.jobs: dict[int, tuple[str, float]] = {}  # pid: (scrapyd job id, CPU seconds)
        self.backends: dict[int, float] = {}  # pid: CPU seconds
        self._others: set[int] = set()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def sample(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in self._others:
                continue
            pid = int(entry.name)
            try:
                stat = entry.joinpath("stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
                if int(fields[1]) in self.parents:
                    job = self.jobs.get(pid, ("", 0.0))[0] or _job_id(entry)
                    self.jobs[pid] = (job, cpu)
                elif (
                    pid in self.backends or self.database in entry.joinpath("cmdline").read_bytes()
                ):
                    self.backends[pid] = cpu
                elif stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
                    self._others.add(pid)  # never one of ours: not read again
            except (OSError, ValueError):
                continue  # gone between listing and reading

    def by_job(self) -> dict[str, float]:
        """CPU seconds per scrapyd job id."""
        return {job: cpu for job, cpu in self.jobs.values() if job}

    def postgres(self) -> float:
        """CPU seconds of the scratch database's backends so far."""
        return sum(self.backends.values())


def _job_id(proc: Path) -> str:
    args = proc.joinpath("cmdline").read_bytes().split(b"\0")
    return next((a[5:].decode() for a in args if a.startswith(b"_job=")), "")


def process_cpu(pid: int) -> float:
    """CPU seconds a live process and its reaped children have used."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def _cpu_jiffies() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Report:
    """Figures logged as they are measured, and the table at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.ratios: dict[str, float] = {}
        # Per phase: (wall seconds, ideal seconds at the budget).
        self.phases: dict[str, tuple[float, float]] = {}

    def add(self, name: str, figure: str, against: str = "", **ratios: float) -> None:
        self.rows.append((name, figure, against))
        self.ratios.update(ratios)
        logger.info("%-44s %s%s", name, figure, f"  ({against})" if against else "")

    def table(self) -> str:
        """The figures as a Markdown table, and the ratios."""
        lines = ["", "| measure | figure | against |", "| --- | ---: | --- |"]
        lines += [f"| {n} | {f} | {a} |" for n, f, a in self.rows]
        lines += ["", "ratios: " + ", ".join(f"{k}={v:.3f}" for k, v in self.ratios.items())]
        return "\n".join(lines) + "\n"


class Scheduler:
    """`python -m crawler.scheduler` as a subprocess, its output in a file."""

    def __init__(self, log: Path, env: dict[str, str], project: Path) -> None:
        self.log_path = log
        self.log = log.open("a")
        self.started = time.time()
        # From the egg's copy of core/ and crawler/, which comes first on sys.path: the nodes run
        # that same code, whatever the working tree becomes while the bench runs.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.scheduler"],
            cwd=project,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def check(self) -> None:
        """Fail loudly when the scheduler has died, or its ticks keep failing."""
        if self.process.poll() is not None:
            raise RuntimeError(f"the scheduler exited {self.process.returncode}:\n{self.tail()}")
        self.log.flush()
        if self.log_path.read_text().count("tick failed") >= TICK_FAILURES:
            raise RuntimeError(f"the scheduler's ticks keep failing:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text().splitlines()[-lines:])

    def cpu(self) -> float:
        """CPU seconds the scheduler has used so far."""
        return process_cpu(self.process.pid) if self.process.poll() is None else 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@contextmanager
def scheduler(log: Path, env: dict[str, str], project: Path) -> Iterator[Scheduler]:
    """A running scheduler, stopped on the way out whatever happens."""
    running = Scheduler(log, env, project)
    try:
        yield running
    finally:
        running.stop()


def wait_for(
    what: str,
    done: Callable[[], bool],
    *,
    timeout: float,
    poll: float = 0.5,
    check: Callable[[], None] | None = None,
) -> float:
    """Poll until `done()`; the time.time() it first held."""
    deadline = time.monotonic() + timeout
    while not done():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(poll)
    return time.time()


def all_runs(engine: Engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Car)).scalar_one())


def runs_summary(runs: Sequence[CrawlRun]) -> str:
    """Statuses, and how long runs waited to start (created → started) and ran, in seconds."""
    statuses = Counter(run.status for run in runs)
    waits = sorted(
        (run.started_at - run.created_at).total_seconds()
        for run in runs
        if run.started_at and run.created_at
    )
    spans = sorted(
        (run.finished_at - run.started_at).total_seconds()
        for run in runs
        if run.finished_at and run.started_at
    )
    return f"{dict(statuses)}; queued {_spread(waits, 's')}; ran {_spread(spans, 's')}"


def counters(runs: Sequence[CrawlRun]) -> dict[str, int]:
    """The crawls' own counters summed over runs (columns a crawl may leave empty)."""
    names = (
        "pages_crawled", "items_stored", "listings_new", "listings_changed",
        "listings_unchanged", "listings_gone", "details_fetched", "details_failed",
    )  # fmt: skip
    return {name: sum(getattr(run, name, None) or 0 for run in runs) for name in names}


@dataclass
class Cluster:
    """What every pass needs: the site, the database, the nodes and their CPU sampler."""

    site: ReplaySite
    engine: Engine
    nodes: list[Node]
    jobs: JobCpu
    tmp: Path
    project: Path  # the egg's copy of the code, which the scheduler runs too
    rate: float
    timeout: float
    report: Report


@dataclass
class Phase:
    """One phase's marks: its new runs, its requests at the site, and the CPU it used."""

    cluster: Cluster
    known: set[int] = field(default_factory=set)
    requests: Requests | None = None
    cpu: CpuMeter = field(default_factory=CpuMeter)
    nodes_cpu: float = 0.0
    postgres_cpu: float = 0.0

    def __post_init__(self) -> None:
        self.known = {run.id for run in all_runs(self.cluster.engine)}
        self.requests = Requests(self.cluster.site, start=len(self.cluster.site.times))
        self.nodes_cpu = sum(process_cpu(node.process.pid) for node in self.cluster.nodes)
        self.postgres_cpu = self.cluster.jobs.postgres()

    def runs(self) -> list[CrawlRun]:
        return [run for run in all_runs(self.cluster.engine) if run.id not in self.known]

    def profile(self, label: str, wall: float, scheduler_cpu: float) -> None:
        """Where the phase's time went: job start-up latency, and CPU by process."""
        assert self.requests is not None
        report, runs = self.cluster.report, self.runs()
        machine, own = self.cpu.read()
        cores = os.cpu_count() or 1
        first: dict[str, float] = {}
        for at, path in zip(self.requests.times, self.requests.paths, strict=True):
            match = _SHARD_PATH.match(path)
            key = match[1] if match else crawls.DETAILS if path.startswith(DETAIL_PREFIX) else ""
            first.setdefault(key, at)
        starts = sorted(
            first[run.shard] - run.started_at.timestamp()
            for run in runs
            if run.started_at and run.shard in first
        )
        report.add(
            f"{label}: job start-up (scrapyd start to first page)",
            _spread(starts, "s"),
            f"{len(starts)} jobs; scheduler start to first request "
            f"{min(self.requests.times, default=0) - self.cpu.started:.1f} s",
        )
        by_job = self.cluster.jobs.by_job()
        points = [(float(run.pages_crawled or 0), by_job[run.job_id]) for run in runs
                  if run.job_id in by_job]  # fmt: skip
        jobs_cpu = sum(cpu for _, cpu in points)
        fit = ""
        if len({pages for pages, _ in points}) >= 3:
            slope, intercept = statistics.linear_regression(*zip(*points, strict=True))
            fit = f"; fit over jobs: {intercept:.1f} s each + {slope * 1000:.0f} ms per page"
        report.add(
            f"{label}: crawl jobs' CPU", f"{jobs_cpu:.0f} core-s", f"{len(points)} jobs{fit}"
        )
        nodes = sum(process_cpu(node.process.pid) for node in self.cluster.nodes) - self.nodes_cpu
        self.cluster.jobs.sample()
        postgres = self.cluster.jobs.postgres() - self.postgres_cpu
        site = own * wall * cores
        busy = machine * wall * cores
        report.add(
            f"{label}: machine CPU",
            f"{machine:.0%} of {cores} cores busy ({busy:.0f} core-s)",
            f"scrapyd nodes and their ended jobs {nodes:.0f}, PostgreSQL {postgres:.0f}, "
            f"scheduler {scheduler_cpu:.0f}, replay site {site:.0f}, the rest (other users, "
            f"PostgreSQL's own writers) "
            f"{busy - nodes - postgres - scheduler_cpu - site:.0f} core-s; "
            f"load {os.getloadavg()[0]:.1f}",
        )


def _spread(values: Sequence[float], unit: str) -> str:
    if not values:
        return "-"
    low, mid, high = spread(list(values))
    return f"{low:.1f} / {mid:.1f} / {high:.1f} {unit} (min / median / max)"


def list_pass(label: str, cluster: Cluster, env: dict[str, str], *, cars: int, pages: int,
              shards: list[str], first: bool) -> None:  # fmt: skip
    """One pass of every maker shard under the scheduler, measured at the site."""
    phase = Phase(cluster)
    report, rate = cluster.report, cluster.rate
    ideal = pages / rate
    listed_wall = 0.0
    with scheduler(cluster.tmp / f"scheduler-{label}.log", env, cluster.project) as running:
        started = running.started

        def every_shard_done() -> bool:
            runs = phase.runs()
            done = {run.shard for run in runs if run.status not in crawls.ACTIVE}
            return done >= set(shards) and not any(r.status in crawls.ACTIVE for r in runs)

        if first:
            listed_at = wait_for(
                "every listing stored",
                lambda: stored(cluster.engine) >= cars,
                timeout=cluster.timeout,
                check=running.check,
            )
            listed_wall = wall = listed_at - started
            report.add(
                f"{label}: every listing in cars",
                f"{wall:.1f} s",
                f"ideal {pages} pages / {rate:g} req/s = {ideal:.1f} s; "
                f"ideal/wall {ideal / wall:.2f}",
                first_pass_ideal_over_wall=ideal / wall,
            )
        ended_at = wait_for(
            "every shard finished", every_shard_done, timeout=cluster.timeout, check=running.check
        )
        scheduler_cpu = running.cpu()
    assert phase.requests is not None
    requests = phase.requests.take()
    wall = ended_at - started
    made = len(requests.times)
    lists = len(requests.matching("/usedcar/"))
    report.phases[label] = (listed_wall if first else wall, ideal)
    report.add(
        f"{label}: every run finished",
        f"{wall:.1f} s",
        f"ideal {ideal:.1f} s; ideal/wall {ideal / wall:.2f}",
        **{f"{label}_runs_ideal_over_wall": ideal / wall},
    )
    peak = peak_rate(requests.matching("/"), WINDOW)
    report.add(
        f"{label}: peak {WINDOW:g} s request rate",
        f"{peak:.1f} req/s",
        f"budget {rate:g}; {peak / rate:.2f}x",
        **{f"{label}_peak_over_budget": peak / rate},
    )
    mean = made / (requests.times[-1] - requests.times[0]) if made > 1 else 0.0
    report.add(
        f"{label}: requests",
        f"{made} ({lists} list pages, {made - lists} other)",
        f"mean {mean:.1f} req/s from first to last request",
    )
    report.add(
        f"{label}: req/s by {WINDOW:g} s from scheduler start",
        " ".join(f"{r:.0f}" for r in rate_by_window(requests.times, started)),
    )
    runs = phase.runs()
    report.add(f"{label}: runs", runs_summary(runs))
    report.add(f"{label}: crawls' counters", str(counters(runs)))
    if not first:
        report.add(
            f"{label}: requests per listing",
            f"{made / cars:.4f}",
            f"{made} requests / {cars} listings; target <= 0.035",
            requests_per_listing=made / cars,
        )
    phase.profile(label, wall, scheduler_cpu)


def details_pass(cluster: Cluster, env: dict[str, str], *, limit: int) -> None:
    """The details backfill: the scheduler starts shard "details" once; the bench times it."""
    phase = Phase(cluster)
    report, rate = cluster.report, cluster.rate

    def details_run() -> CrawlRun | None:
        runs = [run for run in phase.runs() if run.shard == crawls.DETAILS]
        return runs[0] if runs else None

    with scheduler(cluster.tmp / "scheduler-details.log", env, cluster.project) as running:
        started = running.started
        # Until it runs: while it does, the scheduler starts no second backfill.
        wait_for(
            "the scheduler starts the details backfill",
            lambda: (run := details_run()) is not None and run.status == "running",
            timeout=120,
            check=running.check,
        )
        scheduler_cpu = running.cpu()
    # Stopped now, so no second backfill follows the first; its job runs on to the end.
    wait_for(
        "the details job ends",
        lambda: not any(n.jobs()["running"] or n.jobs()["pending"] for n in cluster.nodes),
        timeout=cluster.timeout,
    )
    ended = time.time()
    assert phase.requests is not None
    requests = phase.requests.take()
    details = requests.matching(DETAIL_PREFIX)
    run = details_run()
    if not details:
        report.add("details: detail requests", "0", f"run {run and run.status}; see the node logs")
        return
    span = details[-1] - details[0]
    per_second = (len(details) - 1) / span if span > 0 else 0.0
    report.add(
        "details: detail pages fetched",
        f"{len(details)}",
        f"limit {limit}; run counters {counters([run]) if run else {}}",
    )
    report.add(
        "details: detail pages/s, first to last",
        f"{per_second:.1f}/s",
        f"budget {rate:g}; {per_second / rate:.2f}x",
        details_over_budget=per_second / rate,
    )
    whole = len(details) / (ended - started)
    report.phases["details"] = (ended - started, len(details) / rate)
    report.add(
        "details: including start-up and end",
        f"{whole:.1f}/s over {ended - started:.1f} s",
        f"{whole / rate:.2f}x the budget",
        details_with_startup_over_budget=whole / rate,
    )
    peak = peak_rate(requests.matching("/"), WINDOW)
    report.add(
        "details: peak 10 s request rate",
        f"{peak:.1f} req/s",
        f"budget {rate:g}; {peak / rate:.2f}x",
        details_peak_over_budget=peak / rate,
    )
    phase.profile("details", ended - started, scheduler_cpu)


def extrapolate(report: Report, details_per_run: int) -> None:
    """The measured phases carried over to the real site at REAL_RATE requests/s.

    Two estimates: "proportional" divides the real ideal by the measured ideal/wall ratio (as if
    every lost second grew with the work: pessimistic, since the simulation runs the site 20-25
    times faster than the real budget, so per-job start-up and CPU weigh 20-25 times more);
    "fixed" adds the seconds the simulation lost to the real ideal (start-up, scheduling and
    the tail cost seconds per job, not a share of the work).
    """
    phases, ratios = report.phases, report.ratios

    def span(seconds: float) -> str:
        return f"{seconds / 3600:.1f} h" if seconds < 72 * 3600 else f"{seconds / 86400:.1f} d"

    rows: list[tuple[str, str, float, float, float]] = []
    if "first" in phases:
        wall, ideal = phases["first"]
        real = REAL_LIST_PAGES / REAL_RATE
        rows.append(("first list pass", f"{REAL_LIST_PAGES:,} list pages", real, ideal / wall,
                     wall - ideal))  # fmt: skip
    if "details" in phases and (steady := ratios.get("details_over_budget")):
        wall, ideal = phases["details"]
        real = REAL_LISTINGS / REAL_RATE
        runs = math.ceil(REAL_LISTINGS / details_per_run)
        # Each backfill run of CRAWL_DETAILS_BUDGET pages pays the measured start-up and end.
        lost = runs * max(0.0, wall - ideal / steady) + real / steady - real
        rows.append((f"details backfill ({runs} runs of {details_per_run:,})",
                     f"{REAL_LISTINGS:,} detail pages", real, ideal / wall, lost))  # fmt: skip
    if "second" in phases and (per_listing := ratios.get("requests_per_listing")):
        wall, ideal = phases["second"]
        made = per_listing * REAL_LISTINGS
        rows.append(("unchanged refresh", f"{made:,.0f} requests", made / REAL_RATE,
                     ideal / wall, wall - ideal))  # fmt: skip
    for name, work, ideal, ratio, lost in rows:
        report.add(
            f"real site at {REAL_RATE:g} req/s: {name}",
            f"{span(ideal + lost)} fixed, {span(ideal / ratio)} proportional",
            f"{work}; ideal {span(ideal)}; measured ideal/wall {ratio:.2f}, "
            f"{lost / 60:.1f} min lost",
        )
    # The budget is one: refreshes come first, and the backfill gets what they leave.
    estimates = {name: ideal + lost for name, _, ideal, _, lost in rows}
    refresh = estimates.get("unchanged refresh")
    backfill = next((v for k, v in estimates.items() if k.startswith("details")), None)
    if refresh is None or backfill is None:
        return
    for hours in REAL_INTERVALS_H:
        left = 1 - refresh / (hours * 3600)
        report.add(
            f"real site: backfill beside a refresh every {hours} h",
            span(backfill / left) if left > 0 else "never",
            f"refreshes take {1 - left:.0%} of the budget"
            if left > 0
            else "refreshes take the whole budget: the backfill gets no idle slot",
        )


def main() -> None:
    """Run the passes, logging each figure as it is measured, and the table at the end."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--listings", type=int, default=51_000)
    parser.add_argument("--makers", type=int, default=24, help=f"at most {len(SHARES)}")
    parser.add_argument(
        "--rate",
        type=float,
        default=12.0,
        help="CRAWL_SITE_RATE, requests/s (docs/benchmarks.md: why 12 on the 2-core machine)",
    )
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--max-proc", type=int, default=4, help="crawls at once per node")
    parser.add_argument("--details-limit", type=int, default=2000)
    parser.add_argument(
        "--details-run",
        type=int,
        default=3600,
        help="detail pages per backfill run on the real site (CRAWL_DETAILS_BUDGET's default)",
    )
    parser.add_argument("--skip-details", action="store_true")
    parser.add_argument("--skip-second", action="store_true")
    args = parser.parse_args()

    # SIGTERM unwinds like an exception, so the nodes stop and the scratch database is dropped.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    report = Report()
    cars = fullsite_catalog(args.listings, makers=args.makers)
    per_maker = Counter(car.make_code for car in cars)
    shards = list(per_maker)
    pages = list_pages(cars)
    top, share = per_maker.most_common(1)[0]
    report.add(
        "catalog",
        f"{len(cars):,} listings, {pages:,} list pages",
        f"{len(shards)} makers; {top} {share / len(cars):.0%}, smallest "
        f"{min(per_maker.values())} listings",
    )
    timeout = 10 * pages / args.rate + 600
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fullsite-bench-")))
            site = stack.enter_context(ReplaySite(cars, per_page=PER_PAGE))
            egg = build_egg(tmp / "project")
            url = stack.enter_context(scratch_database("bench_fullsite"))
            engine = make_engine(url)
            stack.callback(engine.dispose)
            node_env = os.environ | {
                "DATABASE_URL": url,
                "CARSENSOR_BASE_URL": site.base_url,
            }
            nodes = stack.enter_context(
                running_nodes(tmp, node_env, egg, args.nodes, max_proc=args.max_proc)
            )
            env = os.environ | {
                "DATABASE_URL": url,
                "SCRAPYD_URLS": ",".join(node.url for node in nodes),
                "CRAWL_SHARDS": ",".join(shards),
                "CRAWL_POLL": "1",
                "CRAWL_INTERVAL": str(timedelta(days=1).total_seconds()),
                "CRAWL_SITE_RATE": f"{args.rate:g}",
                "CRAWL_DETAILS": "false",
                "CRAWL_RETRY_DELAYS": "10",
                "CARSENSOR_BASE_URL": site.base_url,
            }
            jobs = JobCpu({node.process.pid for node in nodes}, make_url(url).database or "")
            jobs.start()
            stack.callback(jobs.stopped.set)
            cluster = Cluster(
                site, engine, nodes, jobs, tmp, tmp / "project", args.rate, timeout, report
            )
            list_pass("first", cluster, env, first=True, cars=len(cars), pages=pages, shards=shards)
            if not args.skip_second:
                # Backdated a day, the first pass's runs make every shard due again, once.
                with engine.begin() as conn:
                    conn.execute(
                        text("UPDATE crawl_runs SET created_at = created_at - interval '1 day'")
                    )
                list_pass(
                    "second", cluster, env, first=False, cars=len(cars), pages=pages, shards=shards
                )
            if not args.skip_details:
                details_env = env | {
                    "CRAWL_DETAILS": "true",
                    "CRAWL_DETAILS_BUDGET": str(args.details_limit),
                }
                details_pass(cluster, details_env, limit=args.details_limit)
            whole = site.peak_rate(WINDOW, "/")
            report.add(
                f"whole bench: peak {WINDOW:g} s request rate",
                f"{whole:.1f} req/s",
                f"ReplaySite.peak_rate over every phase; {whole / args.rate:.2f}x the budget",
                peak_over_budget=whole / args.rate,
            )
            extrapolate(report, args.details_run)
    finally:
        sys.stdout.write(report.table())


if __name__ == "__main__":
    main()
