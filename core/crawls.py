"""Crawl scheduling over scrapyd nodes, shared by the scheduler service and the API.

A crawl is split into shards: by default the plan, one per maker under carsensor's own code, the
smallest makers sharing a job (`AA+AT+…`, each maker still with its own list and sweep); 'all' is
the site-wide list. Each tick reads every
node's load from `daemonstatus.json`, brings the active runs in `crawl_runs` up to date from
`listjobs.json`, and gives each due shard to the least-loaded live node through `schedule.json`.
A run's counts come from the Scrapy stats dump at the end of its scrapyd log, fetched over HTTP,
so the scheduler needs no disk shared with the nodes.
"""

import base64
import json
import logging
import re
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
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
ACTIVE = ("pending", "running")
# A run is recorded just before schedule.json is called; until then its node cannot know it.
CLAIM_GRACE = timedelta(minutes=1)

# Makers outside the 15 largest whose catalogue lists fewer models than this share a job.
OWN_SHARD_MODELS = 10
SHARD_GROUP_SIZE = 8
SHARD_JOINER = "+"

_STATS_DUMP = "Dumping Scrapy stats:"
# The crawl's own closing lines (crawler.pipelines): why a run is incomplete, or flagged.
_VERDICT = re.compile(r"(?:crawl incomplete|list incomplete|sweep guard): .*")
_INT_STAT = re.compile(r"'([^']+)': (\d+)(?![\d.])")
# Scrapy's LogStats line, written every LOGSTATS_INTERVAL while a crawl runs.
_PROGRESS = re.compile(r"Crawled (\d+) pages \(at [^)]*\), scraped (\d+) items")


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
    """The maker codes a shard crawls; none for 'all', the site-wide list."""
    return [] if shard == ALL else shard.split(SHARD_JOINER)


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
            _record_progress(cluster, run, job)
        elif state == "finished":
            run.started_at = _scrapyd_time(job.get("start_time")) or run.started_at
            _record_stats(cluster, run, job)
            run.finished_at = _scrapyd_time(job.get("end_time")) or utcnow()
            stored = run.items_stored
            logger.info("run %s (%s) %s: %s stored", run.job_id, run.shard, run.status, stored)
        elif state == "lost" and run.created_at < utcnow() - CLAIM_GRACE:
            # The node forgot the job: it restarted without persistent job storage.
            _end(run, "lost")
            logger.warning("run %s (%s) unknown to %s; lost", run.job_id, run.shard, run.node)
    session.commit()


def due_shards(shards: Iterable[str], interval: timedelta, *, session: Session) -> list[str]:
    """The shards to start now: never run, last run lost, or last run older than `interval`."""
    shards = list(dict.fromkeys(shards))
    latest_ids = (
        select(func.max(CrawlRun.id)).where(CrawlRun.shard.in_(shards)).group_by(CrawlRun.shard)
    )
    latest = {
        run.shard: run
        for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest_ids)))
    }
    cutoff = utcnow() - interval
    return [shard for shard in shards if _is_due(latest.get(shard), cutoff)]


def _is_due(latest: CrawlRun | None, cutoff: datetime) -> bool:
    if latest is None or latest.status == "lost":
        return True
    return latest.status not in ACTIVE and latest.created_at <= cutoff


def start_shards(
    cluster: Cluster,
    shards: Iterable[str],
    loads: Mapping[str, int],
    *,
    session: Session,
    settings: Mapping[str, str] | None = None,
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
                cluster.api(
                    node, "schedule.json", _schedule_form(shard, run.job_id, settings or {})
                )
            except NodeDown as exc:
                logger.warning("could not schedule %s: %s", shard, exc)
                session.delete(run)
                session.commit()
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
    # racing for the same shard fails here, before anything reaches scrapyd.
    # scrapyd names log files after job ids: keep them to letters, digits and dashes.
    job_id = f"{shard.replace(SHARD_JOINER, '-')}-{uuid.uuid4().hex}"
    run = CrawlRun(shard=shard, node=node, job_id=job_id, status="pending")
    session.add(run)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return run


def tick(
    cluster: Cluster,
    shards: Iterable[str],
    interval: timedelta,
    *,
    session: Session,
    settings: Mapping[str, str] | None = None,
) -> list[CrawlRun]:
    """One scheduling round: refresh the runs, then start the due shards; interval 0 = all idle."""
    loads = node_loads(cluster)
    refresh_runs(cluster, loads, session=session)
    due = due_shards(shards, interval, session=session)
    return start_shards(cluster, due, loads, session=session, settings=settings)


def _schedule_form(shard: str, job_id: str, settings: Mapping[str, str]) -> list[tuple[str, str]]:
    form = [("project", PROJECT), ("spider", SPIDER), ("jobid", job_id)]
    if makes := shard_makes(shard):
        form.append(("makes", ",".join(makes)))
    form += [("setting", f"{name}={value}") for name, value in settings.items()]
    return form


def _list_jobs(cluster: Cluster, node: str) -> dict[str, tuple[str, dict[str, Any]]]:
    answer = cluster.api(node, f"listjobs.json?{urlencode({'project': PROJECT})}")
    return {
        job["id"]: (state, job)
        for state in ("pending", "running", "finished")
        for job in answer[state]
    }


def _read_log(
    cluster: Cluster, run: CrawlRun, job: Mapping[str, Any], *, missing: int = logging.WARNING
) -> str:
    try:
        log = cluster.call(
            run.node, job.get("log_url") or f"logs/{PROJECT}/{SPIDER}/{run.job_id}.log"
        )
    except NodeDown as exc:
        logger.log(missing, "no log for run %s: %s", run.job_id, exc)
        return ""
    return log.decode("utf-8", "replace")


def _record_progress(cluster: Cluster, run: CrawlRun, job: Mapping[str, Any]) -> None:
    # A crawl that has just started may have no log yet: not worth a warning.
    progress = parse_progress(_read_log(cluster, run, job, missing=logging.DEBUG))
    if progress is not None:
        run.pages_crawled, run.items_scraped = progress


def _record_stats(cluster: Cluster, run: CrawlRun, job: Mapping[str, Any]) -> None:
    log = _read_log(cluster, run, job)
    stats = parse_stats(log)
    run.pages_crawled = stats.get("response_received_count", run.pages_crawled)
    run.items_scraped = stats.get("item_scraped_count", run.items_scraped)
    run.items_stored = stats.get("store/items_stored", 0)
    run.items_dropped = stats.get("item_dropped_count", 0)
    run.errors = stats.get("log_count/ERROR", 0)
    # The same failures that make `scrapy crawl` exit 1; no stats at all means the crawl crashed.
    failed = (
        not stats
        or stats.get("store/failed_batches", 0) > 0
        or stats.get("store/stale_sweep_failed", 0) > 0
        or (stats.get("list/failed", 0) > 0 and not stats.get("list/pages"))
    )
    run.status = "failed" if failed else "finished"
    if not failed and stats.get("crawl/incomplete_lists", 0) > 0:
        run.status = "incomplete"  # it swept nothing: it could not show it saw every list
    verdicts = _VERDICT.findall(log)
    run.reason = verdicts[-1][:1000] if verdicts else None


def parse_stats(log: str) -> dict[str, int]:
    """The integer stats of the last 'Dumping Scrapy stats' block of a Scrapy log."""
    start = log.rfind(_STATS_DUMP)
    if start < 0:
        return {}
    block = log[start : log.find("}", start) + 1]
    return {name: int(value) for name, value in _INT_STAT.findall(block)}


def parse_progress(log: str) -> tuple[int, int] | None:
    """Pages crawled and items scraped in the last progress line of a running crawl's log."""
    matches = _PROGRESS.findall(log)
    if not matches:
        return None
    pages, items = matches[-1]
    return int(pages), int(items)


def _scrapyd_time(value: object) -> datetime | None:
    # scrapyd reports naive local times; nodes and scheduler are assumed to share a timezone.
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def _end(run: CrawlRun, status: str) -> None:
    run.status = status
    run.finished_at = utcnow()
