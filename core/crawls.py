"""Crawl scheduling over scrapyd nodes, shared by the scheduler service and the API.

A crawl is split into shards: by default the plan, one per maker under carsensor's own code, the
smallest makers sharing a job (`AA+AT+…`, each maker still with its own list and sweep); 'all' is
the site-wide list. Shards read list pages only; the `details` shard, the details backfill, fetches
detail pages with what the list shards leave of the site's request budget. Each tick reads every
node's load from `daemonstatus.json`, brings the active runs in `crawl_runs` up to date from
`listjobs.json`, and gives each due shard to the least-loaded live node through `schedule.json`.
A run's counts come from the crawl itself, which writes them into its `crawl_runs` row while it
runs and when it ends (crawler.extensions.RunReport): the scheduler reads no logs.
"""

import base64
import json
import logging
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.error import URLError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import CrawlRun, utcnow
from core.settings import Settings
from core.vocab import MAKES, MODELS, Make

logger = logging.getLogger(__name__)

PROJECT = "carsensor"
SPIDER = "carsensor"
ALL = "all"
# The details backfill's shard, and the spider it runs.
DETAILS = "details"
DETAILS_SPIDER = "details"
ACTIVE = ("pending", "running")
# Runs retried by backoff (Policy.retry_delays) rather than after the whole interval.
RETRIED = ("incomplete", "failed", "lost")
# A run is recorded just before schedule.json is called; until then its node cannot know it.
CLAIM_GRACE = timedelta(minutes=1)

# Makers outside the 15 largest whose catalogue lists fewer models than this share a job.
OWN_SHARD_MODELS = 10
SHARD_GROUP_SIZE = 8
SHARD_JOINER = "+"

# crawl_runs column <- the Scrapy stat the crawl counts it in (crawler.extensions.RunReport).
REPORT = {
    "pages_crawled": "pages/read",
    "pages_expected": "pages/expected",
    "items_scraped": "item_scraped_count",
    "items_stored": "store/items_stored",
    "items_dropped": "item_dropped_count",
    "errors": "log_count/ERROR",
    "listings_new": "listings/new",
    "listings_changed": "listings/changed",
    "listings_unchanged": "listings/unchanged",
    "listings_gone": "listings/gone",
    "listings_reappeared": "listings/reappeared",
    "details_fetched": "details/fetched",
    "details_failed": "details/failed",
}


class NodeDown(Exception):
    """A scrapyd node did not answer, or answered with an error."""


@dataclass(frozen=True)
class Cluster:
    """The scrapyd nodes and the basic-auth credentials they share."""

    nodes: tuple[str, ...]
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    def call(self, node: str, path: str, form: Sequence[tuple[str, str]] | None = None) -> bytes:
        """GET `path` on `node` (POST when `form` is given); raise NodeDown on any failure."""
        request = Request(urljoin(node.rstrip("/") + "/", path.lstrip("/")))
        if form is not None:
            request.data = urlencode(form).encode()
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body
        except (URLError, OSError) as exc:
            raise NodeDown(f"{node}: {exc}") from exc

    def api(
        self, node: str, endpoint: str, form: Sequence[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        """Call a scrapyd JSON endpoint; raise NodeDown unless it answers status ok."""
        try:
            answer: dict[str, Any] = json.loads(self.call(node, endpoint, form))
        except ValueError as exc:
            raise NodeDown(f"{node}: {endpoint} did not answer JSON") from exc
        if answer.get("status") != "ok":
            raise NodeDown(f"{node}: {endpoint}: {answer.get('message', answer)}")
        return answer


def plan() -> list[tuple[str, Make]]:
    """(shard, maker) for every maker carsensor lists: the default crawl, in makers.csv order."""
    models: dict[str, int] = {}
    for model in MODELS:
        if model.code:
            models[model.make] = models.get(model.make, 0) + 1
    own = [m for m in MAKES if m.major or models.get(m.en, 0) >= OWN_SHARD_MODELS]
    small = [m for m in MAKES if m not in own]
    groups = [small[i : i + SHARD_GROUP_SIZE] for i in range(0, len(small), SHARD_GROUP_SIZE)]
    shards = {make.code: make.code for make in own}
    shards |= {
        make.code: SHARD_JOINER.join(m.code for m in group) for group in groups for make in group
    }
    return [(shards[make.code], make) for make in MAKES]


def configured_shards(settings: Settings) -> list[str]:
    """CRAWL_SHARDS, or every shard of the plan when it is empty."""
    return settings.crawl_shards or list(dict.fromkeys(shard for shard, _ in plan()))


def shard_makes(shard: str) -> list[str]:
    """The maker codes a shard crawls; none for 'all' (the site-wide list) and the backfill."""
    return [] if shard in (ALL, DETAILS) else shard.split(SHARD_JOINER)


def shard_of(spider: str, makes: Sequence[str], *, start_urls: bool = False) -> str:
    """The shard a crawl covers: "details" for the backfill, its maker codes joined by "+", or
    "all"; a crawl of explicit start URLs is no shard the scheduler runs ("start_urls")."""
    if spider == DETAILS_SPIDER:
        return DETAILS
    if start_urls:
        return "start_urls"
    return SHARD_JOINER.join(makes) or ALL


@dataclass(frozen=True)
class Policy:
    """When shards are due, and what their jobs are told."""

    interval: timedelta
    # Pauses before retrying an incomplete, failed or lost run; the last one repeats.
    retry_delays: tuple[timedelta, ...] = (
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
    )
    # Requests per second to the site across every job (0: none); see crawler.budget.
    site_rate: float = 1.0
    # Start the details backfill when no list shard is due or active.
    details: bool = False
    details_budget: int = 3600
    details_max_age_days: float = 30.0
    # Extra Scrapy settings for every job (tests shrink timeouts with it).
    settings: Mapping[str, str] = field(default_factory=dict)


def policy_from(settings: Settings, **changes: object) -> Policy:
    """The policy the settings describe, with `changes` applied (the API: interval 0)."""
    policy = Policy(
        interval=timedelta(seconds=settings.crawl_interval),
        retry_delays=tuple(timedelta(seconds=s) for s in settings.crawl_retry_delays),
        site_rate=settings.crawl_site_rate,
        details=settings.crawl_details,
        details_budget=settings.crawl_details_budget,
        details_max_age_days=settings.crawl_details_max_age_days,
    )
    return replace(policy, **changes)  # type: ignore[arg-type]


def cluster_from(settings: Settings) -> Cluster:
    """The nodes in SCRAPYD_URLS plus, with SCRAPYD_DISCOVER, every address its name has now."""
    nodes = [url.rstrip("/") for url in settings.scrapyd_urls]
    if settings.scrapyd_discover:
        nodes += discover(settings.scrapyd_discover)
    return Cluster(
        nodes=tuple(dict.fromkeys(nodes)),
        username=settings.scrapyd_username,
        password=settings.scrapyd_password.get_secret_value(),
    )


def discover(host_port: str) -> list[str]:
    """`http://<ip>:<port>` for each IPv4 address of `host:port`; none when it does not resolve."""
    target = urlsplit(f"//{host_port}")
    try:
        infos = socket.getaddrinfo(
            target.hostname, target.port or 6800, socket.AF_INET, socket.SOCK_STREAM
        )
    except (OSError, UnicodeError) as exc:
        logger.warning("cannot resolve SCRAPYD_DISCOVER=%s: %s", host_port, exc)
        return []
    # Sorted, so node order (and so the tie-break between equally loaded nodes) is stable.
    addresses = sorted({(str(info[4][0]), int(info[4][1])) for info in infos})
    return [f"http://{ip}:{port}" for ip, port in addresses]


def node_loads(cluster: Cluster) -> dict[str, int]:
    """Running plus pending jobs of every live node; a node that does not answer is left out."""
    loads = {}
    for node in cluster.nodes:
        try:
            status = cluster.api(node, "daemonstatus.json")
        except NodeDown as exc:
            logger.warning("scrapyd node down: %s", exc)
            continue
        loads[node] = int(status["running"]) + int(status["pending"])
    return loads


def refresh_runs(cluster: Cluster, live: Iterable[str], *, session: Session) -> None:
    """Update the pending and running runs from their nodes; a dead node's runs become lost."""
    live = set(live)
    runs = session.scalars(select(CrawlRun).where(CrawlRun.status.in_(ACTIVE))).all()
    jobs: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
    for run in runs:
        if run.node in live and run.node not in jobs:
            try:
                jobs[run.node] = _list_jobs(cluster, run.node)
            except NodeDown as exc:
                logger.warning("scrapyd node down: %s", exc)
                live.discard(run.node)
        if run.node not in live:
            _end(run, "lost")
            logger.warning("run %s (%s) lost with node %s", run.job_id, run.shard, run.node)
            continue
        state, job = jobs[run.node].get(run.job_id, ("lost", {}))
        if state == "running":
            run.status = "running"
            run.started_at = _scrapyd_time(job.get("start_time")) or run.started_at or utcnow()
            logger.info("run %s (%s) running: %s", run.job_id, run.shard, describe(run))
        elif state == "finished":
            # The crawl's final report lands just before its process exits: read it afresh.
            session.refresh(run)
            run.started_at = _scrapyd_time(job.get("start_time")) or run.started_at
            run.finished_at = _scrapyd_time(job.get("end_time")) or utcnow()
            run.status = run.outcome or "failed"
            if run.outcome is None:
                run.reason = "the crawl ended without its final report (killed, or it crashed)"
            counts = summary(_counts(run))
            logger.info("run %s (%s) %s: %s", run.job_id, run.shard, run.status, counts)
        elif state == "lost" and run.created_at < utcnow() - CLAIM_GRACE:
            # The node forgot the job: it restarted without persistent job storage.
            _end(run, "lost")
            logger.warning("run %s (%s) unknown to %s; lost", run.job_id, run.shard, run.node)


def due_shards(shards: Iterable[str], policy: Policy, *, session: Session) -> list[str]:
    """The shards to start now: never run, last run older than the interval, or a retry due.

    After 1, 2, 3… incomplete, failed or lost runs in a row a shard is retried after
    `policy.retry_delays[0]`, `[1]`, `[2]`… (the last repeating), counted from the run's end.
    The backfill is also due again at once when its last run used its whole budget.
    """
    shards = list(dict.fromkeys(shards))
    depth = len(policy.retry_delays) + 1
    ranked = (
        select(
            CrawlRun.id,
            func.row_number()
            .over(partition_by=CrawlRun.shard, order_by=CrawlRun.id.desc())
            .label("rank"),
        )
        .where(CrawlRun.shard.in_(shards))
        .subquery()
    )
    recent = session.scalars(
        select(CrawlRun)
        .join(ranked, ranked.c.id == CrawlRun.id)
        .where(ranked.c.rank <= depth)
        .order_by(CrawlRun.id.desc())
    )
    history: dict[str, list[CrawlRun]] = {shard: [] for shard in shards}
    for run in recent:
        history[run.shard].append(run)
    now = utcnow()
    return [shard for shard in shards if _is_due(history[shard], policy, now)]


def _is_due(history: list[CrawlRun], policy: Policy, now: datetime) -> bool:
    if not history:
        return True
    latest = history[0]
    if latest.status in ACTIVE:
        return False
    if latest.created_at <= now - policy.interval:
        return True
    if latest.shard == DETAILS and latest.status == "finished":
        return (latest.pages_expected or 0) >= policy.details_budget
    failures = next((n for n, run in enumerate(history) if run.status not in RETRIED), len(history))
    if not failures or not policy.retry_delays:
        return False
    delay = policy.retry_delays[min(failures, len(policy.retry_delays)) - 1]
    return (latest.finished_at or latest.created_at) <= now - delay


def start_shards(
    cluster: Cluster,
    shards: Iterable[str],
    loads: Mapping[str, int],
    policy: Policy,
    *,
    session: Session,
) -> list[CrawlRun]:
    """Record and schedule each shard on the least-loaded live node; skip any already active."""
    loads = dict(loads)
    started = []
    for shard in shards:
        while loads:
            node = min(loads, key=lambda name: (loads[name], cluster.nodes.index(name)))
            run = _claim(shard, node, session=session)
            if run is None:
                logger.info("%s is already pending or running; not started again", shard)
                break
            try:
                cluster.api(node, "schedule.json", schedule_form(shard, run.job_id, policy))
            except NodeDown as exc:
                logger.warning("could not schedule %s: %s", shard, exc)
                session.delete(run)
                del loads[node]
                continue
            loads[node] += 1
            started.append(run)
            logger.info("scheduled %s on %s as %s", shard, node, run.job_id)
            break
        else:
            logger.warning("no live scrapyd node; %s waits for the next tick", shard)
    return started


def _claim(shard: str, node: str, *, session: Session) -> CrawlRun | None:
    # The unique index on active shards makes this row a lock: a second scheduler, or the API,
    # racing for the same shard fails here, before anything reaches scrapyd. A savepoint, so a
    # lost race undoes only the claim; committed at once, so the lock holds before scrapyd runs
    # the job, and the job can report into its row.
    # scrapyd names log files after job ids: keep them to letters, digits and dashes.
    job_id = f"{shard.replace(SHARD_JOINER, '-')}-{uuid.uuid4().hex}"
    run = CrawlRun(shard=shard, node=node, job_id=job_id, status="pending")
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return None
    session.commit()
    return run


def tick(
    cluster: Cluster, shards: Iterable[str], policy: Policy, *, session: Session
) -> list[CrawlRun]:
    """One scheduling round: refresh the runs, then start the due shards, or else the backfill.
    The caller commits; each claim commits at once (`_claim`).

    List shards come first: the backfill starts only when none of them is due or active (it
    picks its listings when it starts, so it would miss what they have yet to store), and a list
    shard due while it runs takes the request slots first (crawler.budget's "idle" priority).
    """
    shards = list(shards)
    loads = node_loads(cluster)
    refresh_runs(cluster, loads, session=session)
    due = due_shards(shards, policy, session=session)
    if policy.details and not due and not lists_busy(shards, session=session):
        due = due_shards([DETAILS], policy, session=session)
    return start_shards(cluster, due, loads, policy, session=session)


def lists_busy(shards: Iterable[str], *, session: Session) -> bool:
    """Whether any of these list shards is pending or running."""
    active = select(CrawlRun.id).where(CrawlRun.status.in_(ACTIVE), CrawlRun.shard.in_(shards))
    return session.scalar(active.limit(1)) is not None


def schedule_form(shard: str, job_id: str, policy: Policy) -> list[tuple[str, str]]:
    """The schedule.json form of a shard's job: list pages only, or the backfill."""
    if shard == DETAILS:
        form = [("spider", DETAILS_SPIDER), ("limit", str(policy.details_budget))]
        form.append(("max_age_days", f"{policy.details_max_age_days:g}"))
        priority = "idle"
    else:
        form = [("spider", SPIDER), ("details", "none")]
        if makes := shard_makes(shard):
            form.append(("makes", ",".join(makes)))
        priority = "list"
    job_settings = {
        "CRAWL_SITE_RATE": f"{policy.site_rate:g}",
        "CRAWL_BUDGET_PRIORITY": priority,
    } | dict(policy.settings)
    return [
        ("project", PROJECT),
        ("jobid", job_id),
        *form,
        *(("setting", f"{name}={value}") for name, value in job_settings.items()),
    ]


def _list_jobs(cluster: Cluster, node: str) -> dict[str, tuple[str, dict[str, Any]]]:
    answer = cluster.api(node, f"listjobs.json?{urlencode({'project': PROJECT})}")
    return {
        job["id"]: (state, job)
        for state in ("pending", "running", "finished")
        for job in answer[state]
    }


def verdict(stats: Mapping[str, Any]) -> tuple[str, str | None]:
    """How a crawl ended, from its stats: finished, incomplete or failed, and why.

    The same verdict makes `scrapy crawl` exit 1 and the scheduler record the run's status.
    """
    if stats.get("store/failed_batches"):
        unsaved = stats.get("store/unsaved_items", 0)
        return "failed", f"the database was unreachable; {unsaved} items unsaved"
    if stats.get("store/stale_sweep_failed"):
        return "failed", "stale listings could not be marked inactive"
    if stats.get("list/failed") and not stats.get("list/pages"):
        return "failed", "no list page could be read; is the site reachable?"
    if stats.get("details/failed") and not stats.get("details/fetched"):
        return "failed", "no detail page could be read; is the site reachable?"
    if reason := stats.get("crawl/incomplete_reason"):
        return "incomplete", str(reason)
    if (finish := stats.get("finish_reason", "finished")) != "finished":
        return "failed", f"the crawl ended as {finish}"
    return "finished", stats.get("sweep/guard_reason")


def report(stats: Mapping[str, Any]) -> dict[str, int]:
    """The crawl_runs columns a crawl's stats fill (REPORT), absent counts as 0."""
    return {column: int(stats.get(stat) or 0) for column, stat in REPORT.items()}


def summary(counts: Mapping[str, int | None]) -> str:
    """One line of a run's accounting, from `report()` or a crawl_runs row's columns."""

    def n(column: str) -> int:
        return counts.get(column) or 0

    return (
        f"{n('items_scraped')} listings seen: {n('listings_new')} new, "
        f"{n('listings_changed')} changed, {n('listings_unchanged')} unchanged, "
        f"{n('listings_gone')} gone, {n('listings_reappeared')} reappeared; "
        f"details {n('details_fetched')} fetched, {n('details_failed')} failed; "
        f"{n('items_dropped')} dropped"
    )


def _counts(run: CrawlRun) -> dict[str, int | None]:
    return {column: getattr(run, column) for column in REPORT}


def describe(run: CrawlRun) -> str:
    """A running run's progress, for the scheduler's log: pages, percent, rate, ETA."""
    done = progress(run)
    parts = [f"{run.pages_crawled or 0} of {run.pages_expected or '?'} pages"]
    if done.percent is not None:
        parts[0] += f" ({done.percent:g}%)"
    parts.append(f"{run.items_scraped or 0} listings")
    if done.pages_per_second is not None:
        parts.append(f"{done.pages_per_second:g} pages/s")
    if done.eta_seconds is not None:
        parts.append(f"ETA {timedelta(seconds=int(done.eta_seconds))}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Progress:
    """How far a run has got: pages read of pages expected, its page rate and what is left."""

    percent: float | None
    pages_per_second: float | None
    eta_seconds: float | None


class Counted(Protocol):
    """What progress() reads of a run: a CrawlRun row, or the API's copy of one."""

    @property
    def status(self) -> str: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def progress_at(self) -> datetime | None: ...
    @property
    def pages_crawled(self) -> int | None: ...
    @property
    def pages_expected(self) -> int | None: ...


def progress(run: Counted) -> Progress:
    """The run's progress from the counters its crawl last reported (nothing is re-parsed)."""
    read, expected = run.pages_crawled, run.pages_expected
    percent = None
    if read is not None and expected:
        percent = round(min(100.0, 100.0 * read / expected), 1)
    rate = None
    if read and run.started_at and run.progress_at and run.progress_at > run.started_at:
        rate = read / (run.progress_at - run.started_at).total_seconds()
    eta = None
    if rate and expected and read is not None and run.status in ACTIVE:
        eta = max(0.0, expected - read) / rate
    return Progress(percent, rate and round(rate, 2), eta and round(eta))


def _scrapyd_time(value: object) -> datetime | None:
    # scrapyd reports naive local times; nodes and scheduler are assumed to share a timezone.
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def _end(run: CrawlRun, status: str) -> None:
    run.status = status
    run.finished_at = utcnow()
